import Foundation

/// Vector math on embeddings and noise, for interpolation and arithmetic (unCLIP's slerp, text diffs).
public enum EmbeddingMath {
    /// Euclidean norm, accumulated in Double.
    public static func norm(_ v: [Float]) -> Float {
        var s = 0.0
        for x in v { s += Double(x) * Double(x) }
        return Float(s.squareRoot())
    }

    /// `v / |v|`; a zero vector stays zero.
    public static func normalized(_ v: [Float]) -> [Float] {
        let n = norm(v)
        return n > 0 ? v.map { $0 / n } : v
    }

    /// Spherical interpolation from `a` (t = 0) to `b` (t = 1) along the great circle through their directions,
    /// with the norm interpolated linearly: slerp of directions, lerp of lengths. Nearly parallel inputs fall back
    /// to linear interpolation, where the spherical formula divides by sin θ ≈ 0.
    public static func slerp(_ a: [Float], _ b: [Float], t: Float) -> [Float] {
        precondition(a.count == b.count, "EmbeddingMath.slerp: lengths differ")
        let na = norm(a), nb = norm(b)
        guard na > 0, nb > 0 else { return zip(a, b).map { $0 + t * ($1 - $0) } }
        var dot = 0.0
        for i in a.indices { dot += Double(a[i] / na) * Double(b[i] / nb) }
        let theta = acos(min(max(dot, -1), 1))
        let length = Double(na + t * (nb - na))
        if theta < 1e-4 {
            return zip(a, b).map { $0 + t * ($1 - $0) }
        }
        let s = sin(theta)
        let wa = sin((1 - Double(t)) * theta) / s
        let wb = sin(Double(t) * theta) / s
        return a.indices.map { i in Float((wa * Double(a[i] / na) + wb * Double(b[i] / nb)) * length) }
    }
}
