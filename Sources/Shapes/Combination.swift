/// A colour–shape pair such as "purple heart": the unit that the held-out split removes from training.
public struct Combination: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The colour.
    public var color: NamedColor
    /// The shape.
    public var shape: ShapeKind

    /// Creates a pair.
    public init(color: NamedColor, shape: ShapeKind) {
        self.color = color
        self.shape = shape
    }

    /// "purple heart".
    public var description: String { "\(color.word) \(shape.word)" }
}
