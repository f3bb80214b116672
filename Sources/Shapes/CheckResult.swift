/// The checker's verdict on one image for one target.
public struct CheckResult: Sendable, Equatable {
    /// The target that was checked.
    public var target: CheckTarget
    /// The blob chosen for the target's colour, or `nil` when the colour is absent.
    public var detection: Detection?

    /// Whether a blob of the requested colour is present.
    public var colorCorrect: Bool { detection != nil }
    /// Whether the blob has the requested shape (true when no shape was asked for and the colour is present).
    public var shapeCorrect: Bool {
        guard let detection else { return false }
        return target.shape.map { $0 == detection.shape } ?? true
    }
    /// Whether the blob is at the requested position (true when no position was asked for and the colour is
    /// present).
    public var positionCorrect: Bool {
        guard let detection else { return false }
        return target.position.map { $0 == detection.position } ?? true
    }
    /// Colour, shape and position all as requested.
    public var allCorrect: Bool { colorCorrect && shapeCorrect && positionCorrect }
}
