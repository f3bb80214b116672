/// Errors thrown by the prior library. Each case names the tensor, key, file or option at fault.
public enum PriorError: Error, Equatable, CustomStringConvertible {
    /// An input tensor has the wrong shape; `expected` describes what fits (for example "[2, 768]").
    case badInput(name: String, shape: [Int], expected: String)
    /// A `config.json` value is missing, of the wrong type or unsupported.
    case badConfig(path: String, key: String, reason: String)
    /// A model folder lacks a file, or a file cannot be read.
    case badModelFile(path: String, reason: String)
    /// A sampling option is out of range.
    case badOption(name: String, reason: String)

    public var description: String {
        switch self {
        case let .badInput(name, shape, expected): return "tensor '\(name)' has shape \(shape), expected \(expected)"
        case let .badConfig(path, key, reason): return "\(path): '\(key)': \(reason)"
        case let .badModelFile(path, reason): return "\(path): \(reason)"
        case let .badOption(name, reason): return "\(name): \(reason)"
        }
    }
}
