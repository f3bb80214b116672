/// One object found in an image by `SceneChecker`: a connected blob of one palette colour.
public struct Detection: Sendable, Equatable {
    /// The blob's palette colour.
    public var color: NamedColor
    /// The shape whose template overlaps the blob best.
    public var shape: ShapeKind
    /// The best template's intersection over union with the blob, in `[0, 1]`.
    public var shapeScore: Double
    /// Every shape's best intersection over union, in `ShapeKind.allCases` order.
    public var shapeScores: [Double]
    /// The region of the blob's mass centre.
    public var position: Position
    /// The mass centre, normalized (x right, y down, in `[0, 1]`).
    public var center: SIMD2<Double>
    /// The blob's area as a fraction of the image.
    public var area: Double
}
