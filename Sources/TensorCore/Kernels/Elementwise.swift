/// Element-wise binary operations with NumPy broadcasting.
public enum BinaryOp: Sendable, CaseIterable {
    case add, subtract, multiply, divide, maximum, minimum

    @inline(__always)
    func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .maximum: return a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        case .minimum: return a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        }
    }

    /// out[i] = a[ia(i)] ⊙ b[ib(i)] over `shape`, where `stridesA`/`stridesB` give each operand's element stride
    /// per output dimension (0 where it is broadcast). The innermost dimension is the vectorized loop.
    public func apply(
        a: UnsafePointer<Float>, stridesA: [Int], b: UnsafePointer<Float>, stridesB: [Int],
        out: UnsafeMutablePointer<Float>, shape: [Int], pool: ThreadPool = .shared
    ) {
        let total = shape.reduce(1, *)
        if total == 0 { return }
        let rank = shape.count
        if rank == 0 {
            out[0] = apply(a[0], b[0])
            return
        }
        let inner = shape[rank - 1], sa = stridesA[rank - 1], sb = stridesB[rank - 1]
        let outerCount = total / inner
        pool.parallelFor(outerCount, grain: max(1, 32768 / max(1, inner))) { range in
            var index = [Int](repeating: 0, count: rank)
            var rest = range.lowerBound
            var offA = 0, offB = 0
            for d in stride(from: rank - 2, through: 0, by: -1) {
                index[d] = rest % shape[d]
                rest /= shape[d]
                offA += index[d] * stridesA[d]
                offB += index[d] * stridesB[d]
            }
            for row in range {
                let o = out + row &* inner, pa = a + offA, pb = b + offB
                switch (self, sa, sb) {
                case (.add, 1, 1): for j in 0..<inner { o[j] = pa[j] + pb[j] }
                case (.add, 1, 0): let v = pb[0]; for j in 0..<inner { o[j] = pa[j] + v }
                case (.multiply, 1, 1): for j in 0..<inner { o[j] = pa[j] * pb[j] }
                case (.multiply, 1, 0): let v = pb[0]; for j in 0..<inner { o[j] = pa[j] * v }
                case (.subtract, 1, 1): for j in 0..<inner { o[j] = pa[j] - pb[j] }
                default: for j in 0..<inner { o[j] = apply(pa[j &* sa], pb[j &* sb]) }
                }
                var d = rank - 2
                while d >= 0 {
                    index[d] += 1
                    offA += stridesA[d]
                    offB += stridesB[d]
                    if index[d] < shape[d] { break }
                    offA -= stridesA[d] * index[d]
                    offB -= stridesB[d] * index[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
}
