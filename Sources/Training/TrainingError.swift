/// Errors of the trainers, naming the option, file or tensor at fault.
public enum TrainingError: Error, CustomStringConvertible, Sendable {
    /// A training option out of range.
    case badOption(String)
    /// A model folder or checkpoint that cannot be used.
    case badCheckpoint(path: String, reason: String)
    /// Inputs of the wrong shape.
    case badInput(String)

    public var description: String {
        switch self {
        case .badOption(let m): return m
        case .badCheckpoint(let path, let reason): return "\(path): \(reason)"
        case .badInput(let m): return m
        }
    }
}
