/// The two object sizes. An object's radius is a fraction of the image side, jittered by up to 6%.
public enum ObjectSize: String, CaseIterable, Codable, Sendable {
    case small, large

    /// The nominal radius as a fraction of the image side (the shape fits inside a disc of this radius).
    public var nominalRadius: Double {
        switch self {
        case .small: return 0.11
        case .large: return 0.17
        }
    }

    /// The word used in captions.
    public var word: String { rawValue }
}
