/// An error from the CLIP models: bad inputs (tokens, images) or model folders, with the offending value named.
public enum CLIPError: Error, Equatable, CustomStringConvertible {
    /// An input tensor or value does not fit the model.
    case badInput(String)
    /// A model folder is incomplete or inconsistent.
    case badModel(path: String, reason: String)

    public var description: String {
        switch self {
        case let .badInput(reason): return reason
        case let .badModel(path, reason): return "\(path): \(reason)"
        }
    }
}
