/// One object of a scene: its attributes and its exact placement.
public struct SceneObject: Codable, Sendable, Equatable {
    /// The object's shape.
    public var shape: ShapeKind
    /// The object's colour.
    public var color: NamedColor
    /// The object's size class.
    public var size: ObjectSize
    /// The slot the object occupies.
    public var position: Position
    /// The centre in normalized image coordinates (x right, y down, in `[0, 1]`).
    public var x: Double
    /// The centre's vertical coordinate (down), normalized.
    public var y: Double
    /// The radius of the disc that bounds the shape, as a fraction of the image side.
    public var radius: Double

    /// Creates an object at its slot centre with its size's nominal radius unless told otherwise.
    public init(
        shape: ShapeKind, color: NamedColor, size: ObjectSize, position: Position,
        x: Double? = nil, y: Double? = nil, radius: Double? = nil
    ) {
        self.shape = shape
        self.color = color
        self.size = size
        self.position = position
        self.x = x ?? position.center.x
        self.y = y ?? position.center.y
        self.radius = radius ?? size.nominalRadius
    }

    /// The colour–shape pair, the unit that the held-out split is defined on.
    public var combination: Combination { Combination(color: color, shape: shape) }

    /// "red star" — the colour and shape words.
    var noun: String { "\(color.word) \(shape.word)" }
}
