/// Why a checkpoint does not fit a module tree. Every problem names the key and the shapes involved.
public struct LoadingError: Error, Equatable, CustomStringConvertible {
    /// One mismatch between the checkpoint and the model.
    public enum Problem: Equatable, CustomStringConvertible {
        /// The model has a parameter the checkpoint lacks.
        case missing(key: String, expected: [Int])
        /// The checkpoint has a tensor no parameter takes.
        case unused(key: String, shape: [Int])
        /// Both have the key, with different shapes.
        case shapeMismatch(key: String, expected: [Int], found: [Int])

        public var description: String {
            switch self {
            case let .missing(key, expected): return "missing key '\(key)' (model expects \(expected))"
            case let .unused(key, shape): return "unused key '\(key)' \(shape) (no such parameter in the model)"
            case let .shapeMismatch(key, expected, found):
                return "key '\(key)': checkpoint has shape \(found), model expects \(expected)"
            }
        }
    }

    /// All problems found, missing keys first, then shape mismatches, then unused keys.
    public let problems: [Problem]
    /// The file being loaded, when there is one.
    public let file: String?

    public init(problems: [Problem], file: String? = nil) {
        self.problems = problems
        self.file = file
    }

    public var description: String {
        let head = file.map { "\($0): " } ?? ""
        let shown = problems.prefix(12).map(\.description).joined(separator: "; ")
        let more = problems.count > 12 ? "; and \(problems.count - 12) more" : ""
        return "\(head)checkpoint does not fit the model: \(shown)\(more)"
    }
}

/// An error from a key map or from reading a model file, naming the key or file.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    /// A key-map rule could not transform the tensor under `key`.
    case badTensor(key: String, shape: [Int], reason: String)
    /// Two checkpoint tensors map to the same key.
    case duplicateKey(String)
    /// A model file could not be read.
    case unreadable(path: String, reason: String)
    /// A configuration value is missing or invalid.
    case badConfig(path: String, reason: String)

    public var description: String {
        switch self {
        case let .badTensor(key, shape, reason): return "tensor '\(key)' \(shape): \(reason)"
        case let .duplicateKey(key): return "two checkpoint tensors map to the key '\(key)'"
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .badConfig(path, reason): return "\(path): \(reason)"
        }
    }
}
