/// An error from building, loading or running a UNet or its conditioning model. Every case names the
/// configuration key, checkpoint key or input tensor at fault, so a message reaching the user needs no stack trace.
public enum UNetError: Error, Equatable, CustomStringConvertible {
    /// `config.json` is unreadable, not a JSON object, or `key` holds a value of the wrong kind.
    case invalidConfig(key: String, reason: String)
    /// `key` names an architecture variant this implementation does not have.
    case unsupportedConfig(key: String, value: String)
    /// An input tensor has the wrong shape; `expected` describes what was needed.
    case invalidInput(name: String, shape: [Int], expected: String)
    /// A model needs an input that was not given (for example `class_labels` with `class_embed_type="identity"`).
    case missingInput(name: String, reason: String)
    /// An input value (a mask value, a rectangle, an option, a metadata key) is out of range.
    case invalidValue(name: String, reason: String)
    /// A checkpoint file could not be used (unreadable, or an error raised while loading it).
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfig(key, reason): return "config.json: '\(key)': \(reason)"
        case let .unsupportedConfig(key, value): return "config.json: '\(key)' = \(value) is not supported"
        case let .invalidInput(name, shape, expected): return "input '\(name)' has shape \(shape), expected \(expected)"
        case let .missingInput(name, reason): return "input '\(name)' is missing: \(reason)"
        case let .invalidValue(name, reason): return "\(name): \(reason)"
        case let .checkpoint(path, reason): return "\(path): \(reason)"
        }
    }
}
