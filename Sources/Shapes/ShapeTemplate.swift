/// A shape's area and centroid in unit coordinates, measured once numerically, so the checker can place a
/// template of the same area and mass centre as a detected blob.
struct ShapeTemplate: Sendable {
    let shape: ShapeKind
    /// Area inside the outline, in unit² (the unit disc has area π).
    let area: Double
    /// Mass centre in unit coordinates (y up).
    let centroid: SIMD2<Double>

    /// The templates of every shape, in `ShapeKind.allCases` order.
    static let all: [ShapeTemplate] = ShapeKind.allCases.map { ShapeTemplate(measuring: $0) }

    init(measuring shape: ShapeKind) {
        // Midpoint sampling of [-1.1, 1.1]² on a 440² grid: area to about 0.1%.
        let n = 440
        let extent = 1.1
        let step = 2 * extent / Double(n)
        var count = 0
        var sum = SIMD2<Double>.zero
        for j in 0..<n {
            let y = -extent + (Double(j) + 0.5) * step
            for i in 0..<n {
                let x = -extent + (Double(i) + 0.5) * step
                if shape.signedDistance(SIMD2(Float(x), Float(y))) < 0 {
                    count += 1
                    sum += SIMD2(x, y)
                }
            }
        }
        self.shape = shape
        area = Double(count) * step * step
        centroid = count > 0 ? sum / Double(count) : .zero
    }
}
