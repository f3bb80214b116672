extension Tensor {
    /// The NumPy broadcast of two shapes (aligned at the right; a dimension of 1 stretches), or nil.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Element strides of a contiguous tensor of shape `shape` read as `target` (0 on broadcast dimensions).
    /// `shape` must broadcast to `target`.
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let t = i + target.count - shape.count
            strides[t] = shape[i] == 1 ? 0 : s
            s *= shape[i]
        }
        return strides
    }

    /// For each flat index of `target`, the flat index of the element of `shape` it reads.
    static func broadcastIndices(from shape: [Int], to target: [Int]) -> [Int] {
        offsets(of: target, strides: broadcastStrides(shape, to: target))
    }

    /// For each flat index of `shape` in row-major order, the element offset `Σ index[d] · strides[d]`.
    static func offsets(of shape: [Int], strides: [Int]) -> [Int] {
        let n = shape.reduce(1, *)
        var out = [Int](repeating: 0, count: n)
        var index = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for i in 0..<n {
            out[i] = offset
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                offset += strides[d]
                if index[d] < shape[d] { break }
                offset -= strides[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }
}

/// How a broadcast element-wise op walks its operands: the output as `count` runs of `length` contiguous
/// elements, over each of which an operand is either contiguous (stride 1) or one repeated value (stride 0), with
/// each run's starting offset in each operand. Backward passes loop over runs instead of per-element indices, so
/// the common cases (same shapes; a `[B, C, 1, 1]` term added to `[B, C, H, W]`) become plain vector loops.
struct BroadcastRuns {
    /// Elements per run (the product of the trailing output dimensions that share one pattern).
    let length: Int
    /// The operands' strides inside a run: 1 (contiguous) or 0 (repeated).
    let strideA: Int, strideB: Int
    /// Each run's first element in `a` and in `b`.
    let offsetsA: [Int], offsetsB: [Int]

    /// Plans the walk of `target` (the broadcast of `a` and `b`).
    init(a: [Int], b: [Int], target: [Int]) {
        let sa = Tensor.broadcastStrides(a, to: target), sb = Tensor.broadcastStrides(b, to: target)
        // Per operand, the run's pattern: nil until a dimension larger than 1 decides it.
        var kindA: Int? = nil, kindB: Int? = nil
        var length = 1, split = target.count
        func fits(_ stride: Int, _ kind: inout Int?, _ length: Int) -> Bool {
            let k = stride == 0 ? 0 : 1
            if let kind, kind != k { return false }
            if k == 1 && stride != length { return false }
            kind = k
            return true
        }
        while split > 0 {
            let d = split - 1
            if target[d] != 1 {
                var ka = kindA, kb = kindB
                guard fits(sa[d], &ka, length), fits(sb[d], &kb, length) else { break }
                kindA = ka
                kindB = kb
            }
            length *= target[d]
            split = d
        }
        self.length = length
        strideA = kindA ?? 0
        strideB = kindB ?? 0
        let outer = Array(target[..<split])
        offsetsA = Tensor.offsets(of: outer, strides: Array(sa[..<split]))
        offsetsB = Tensor.offsets(of: outer, strides: Array(sb[..<split]))
    }

    /// Number of runs.
    var count: Int { offsetsA.count }

    /// Adds `term(j)` for `j` in `0..<length` into `d` (contiguous when `stride` is 1, or summed into `d[0]`).
    @inline(__always)
    func accumulate(into d: UnsafeMutablePointer<Float>, stride: Int, _ term: (Int) -> Float) {
        if stride == 1 {
            for j in 0..<length { d[j] += term(j) }
        } else {
            var sum: Float = 0
            for j in 0..<length { sum += term(j) }
            d[0] += sum
        }
    }
}
