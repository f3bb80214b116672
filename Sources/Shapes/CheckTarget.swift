/// What the checker asks of an image: a colour, and optionally a shape and a position for it.
public struct CheckTarget: Sendable, Equatable, Codable {
    /// The requested colour.
    public var color: NamedColor
    /// The requested shape, if any.
    public var shape: ShapeKind?
    /// The requested position, if any.
    public var position: Position?

    /// Creates a target.
    public init(color: NamedColor, shape: ShapeKind? = nil, position: Position? = nil) {
        self.color = color
        self.shape = shape
        self.position = position
    }

    /// The target for one object of a scene (its colour, shape and slot).
    public init(_ object: SceneObject) {
        self.init(color: object.color, shape: object.shape, position: object.position)
    }
}
