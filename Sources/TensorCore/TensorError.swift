/// An error thrown by a `TensorCore` operation. Each case names the operation and the offending shapes,
/// so that a message reaching the user says what went wrong without a stack trace.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// Two operands of `op` have shapes that do not fit together.
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int])
    /// A shape is invalid for `op` (negative dimension, wrong rank, wrong element count).
    case invalidShape(op: String, shape: [Int], reason: String)
    /// A scalar argument of `op` is out of its allowed range.
    case invalidArgument(op: String, reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs):
            return "\(op): shapes \(lhs) and \(rhs) do not match"
        case let .invalidShape(op, shape, reason):
            return "\(op): invalid shape \(shape): \(reason)"
        case let .invalidArgument(op, reason):
            return "\(op): \(reason)"
        }
    }
}
