// The distance functions follow Inigo Quilez's 2D SDF catalogue (iquilezles.org/articles/distfunctions2d).
/// The nine shapes of the synthetic world, each an exact signed-distance function in unit coordinates.
///
/// Unit coordinates put the shape's centre at the origin with y pointing up; every shape fits inside the unit
/// circle, so an object of radius r covers at most a disc of radius r. Shapes are never rotated: "a triangle"
/// always points up and "a diamond" is a square standing on a corner.
public enum ShapeKind: String, CaseIterable, Codable, Sendable {
    case circle, square, triangle, star, heart, ring, cross, hexagon, diamond

    /// The word used in captions.
    public var word: String { rawValue }

    /// Signed distance from `p` (unit coordinates, y up) to the shape's outline: negative inside.
    @inline(__always)
    public func signedDistance(_ p: SIMD2<Float>) -> Float {
        switch self {
        case .circle: return (p * p).sum().squareRoot() - 0.9
        case .square: return ShapeKind.box(p, half: SIMD2(0.7, 0.7))
        case .triangle: return ShapeKind.equilateralTriangle(p, halfSide: 0.866)
        case .star: return ShapeKind.star5(p, radius: 1.0, innerRatio: 0.45)
        case .heart:
            // The catalogue heart spans y in [0, 1.10] with its tip at the origin; centre and scale it.
            let scale: Float = 0.69
            return ShapeKind.heart(p * scale + SIMD2(0, 0.55)) / scale
        case .ring: return abs((p * p).sum().squareRoot() - 0.7) - 0.22
        case .cross: return ShapeKind.cross(p, arm: SIMD2(0.92, 0.3))
        case .hexagon: return ShapeKind.hexagon(p, apothem: 0.84)
        case .diamond:
            // A square of half side 0.68 turned by 45 degrees (tips at 0.96).
            let r = SIMD2<Float>(p.x + p.y, p.y - p.x) * 0.70710678
            return ShapeKind.box(r, half: SIMD2(0.68, 0.68))
        }
    }

    @inline(__always)
    static func box(_ p: SIMD2<Float>, half: SIMD2<Float>) -> Float {
        let d = SIMD2<Float>(abs(p.x), abs(p.y)) - half
        let outside = pointwiseMax(d, SIMD2<Float>.zero)
        return (outside * outside).sum().squareRoot() + min(max(d.x, d.y), 0)
    }

    @inline(__always)
    static func equilateralTriangle(_ point: SIMD2<Float>, halfSide r: Float) -> Float {
        let k: Float = 1.7320508
        var p = SIMD2<Float>(abs(point.x) - r, point.y + r / k)
        if p.x + k * p.y > 0 { p = SIMD2(p.x - k * p.y, -k * p.x - p.y) / 2 }
        p.x -= min(max(p.x, -2 * r), 0)
        let length = (p * p).sum().squareRoot()
        return p.y < 0 ? length : -length
    }

    @inline(__always)
    static func star5(_ point: SIMD2<Float>, radius r: Float, innerRatio rf: Float) -> Float {
        let k1 = SIMD2<Float>(0.809016994375, -0.587785252292)
        let k2 = SIMD2<Float>(-k1.x, k1.y)
        var p = SIMD2<Float>(abs(point.x), point.y)
        p -= 2 * max((k1 * p).sum(), 0) * k1
        p -= 2 * max((k2 * p).sum(), 0) * k2
        p.x = abs(p.x)
        p.y -= r
        let ba = rf * SIMD2<Float>(-k1.y, k1.x) - SIMD2<Float>(0, 1)
        let h = min(max((p * ba).sum() / (ba * ba).sum(), 0), r)
        let d = p - ba * h
        let length = (d * d).sum().squareRoot()
        return (p.y * ba.x - p.x * ba.y) < 0 ? -length : length
    }

    @inline(__always)
    static func heart(_ point: SIMD2<Float>) -> Float {
        let p = SIMD2<Float>(abs(point.x), point.y)
        if p.y + p.x > 1 {
            let d = p - SIMD2(0.25, 0.75)
            return (d * d).sum().squareRoot() - 0.35355339
        }
        let a = p - SIMD2(0, 1)
        let b = p - 0.5 * max(p.x + p.y, 0)
        let length = min((a * a).sum(), (b * b).sum()).squareRoot()
        return p.x - p.y < 0 ? -length : length
    }

    @inline(__always)
    static func cross(_ point: SIMD2<Float>, arm b: SIMD2<Float>) -> Float {
        var p = SIMD2<Float>(abs(point.x), abs(point.y))
        if p.y > p.x { p = SIMD2(p.y, p.x) }
        let q = p - b
        let k = max(q.y, q.x)
        let w = k > 0 ? q : SIMD2(b.y - p.x, -k)
        let outside = pointwiseMax(w, SIMD2<Float>.zero)
        let length = (outside * outside).sum().squareRoot()
        return k > 0 ? length : -length
    }

    @inline(__always)
    static func hexagon(_ point: SIMD2<Float>, apothem r: Float) -> Float {
        let k = SIMD3<Float>(-0.866025404, 0.5, 0.577350269)
        let kxy = SIMD2<Float>(k.x, k.y)
        var p = SIMD2<Float>(abs(point.x), abs(point.y))
        p -= 2 * min((kxy * p).sum(), 0) * kxy
        p -= SIMD2(min(max(p.x, -k.z * r), k.z * r), r)
        let length = (p * p).sum().squareRoot()
        return p.y < 0 ? -length : length
    }
}
