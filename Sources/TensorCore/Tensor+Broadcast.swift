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
        let strides = broadcastStrides(shape, to: target)
        let n = target.reduce(1, *)
        var out = [Int](repeating: 0, count: n)
        var index = [Int](repeating: 0, count: target.count)
        var offset = 0
        for i in 0..<n {
            out[i] = offset
            var d = target.count - 1
            while d >= 0 {
                index[d] += 1
                offset += strides[d]
                if index[d] < target[d] { break }
                offset -= strides[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }
}
