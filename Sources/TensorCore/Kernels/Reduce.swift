/// Reductions over one axis of a contiguous tensor viewed as `[outer, axis, inner]`.
public enum Reduction: Sendable, CaseIterable {
    case sum, mean, max, min

    /// out[o, i] = reduce_a x[o, a, i]; `out` holds `outer · inner` floats. `axis` must be > 0.
    public func apply(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, outer: Int, axis: Int, inner: Int)
    {
        for o in 0..<outer {
            let src = x + o &* axis &* inner, dst = out + o &* inner
            dst.update(from: src, count: inner)
            for a in 1..<Swift.max(1, axis) {
                let row = src + a &* inner
                switch self {
                case .sum, .mean: for i in 0..<inner { dst[i] += row[i] }
                case .max: for i in 0..<inner { dst[i] = row[i] > dst[i] || row[i].isNaN ? row[i] : dst[i] }
                case .min: for i in 0..<inner { dst[i] = row[i] < dst[i] || row[i].isNaN ? row[i] : dst[i] }
                }
            }
            if self == .mean {
                let s = 1 / Float(axis)
                for i in 0..<inner { dst[i] *= s }
            }
        }
    }
}
