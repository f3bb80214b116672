extension Tensor {
    /// The axes reordered: result dimension i is this tensor's dimension `axes[i]` (a copy, like
    /// `permute(...).contiguous()`). `[B, T, H, D].permuted([0, 2, 1, 3])` gives `[B, H, T, D]`.
    public func permuted(_ axes: [Int]) throws -> Tensor {
        guard axes.count == rank, Set(axes) == Set(0..<rank) else {
            throw TensorError.invalidArgument(
                op: "permuted", reason: "axes \(axes) are not a permutation of 0..<\(rank)")
        }
        let outShape = axes.map { shape[$0] }
        let out = try Tensor(zeros: outShape)
        if count == 0 { return out }
        var strides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        let permutedStrides = axes.map { strides[$0] }
        Tensor.gather(from: storage.pointer, strides: permutedStrides, shape: outShape, into: out.storage.pointer)
        return out
    }

    /// out[flat i] = src[Σ index_d(i) · strides[d]] over `shape`, innermost dimension as the inner loop.
    static func gather(
        from src: UnsafePointer<Float>, strides: [Int], shape: [Int], into out: UnsafeMutablePointer<Float>
    ) {
        let rank = shape.count
        if rank == 0 {
            out[0] = src[0]
            return
        }
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        let outer = shape.reduce(1, *) / max(1, inner)
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for o in 0..<outer {
            let dst = out + o &* inner
            if innerStride == 1 {
                dst.update(from: src + offset, count: inner)
            } else {
                for j in 0..<inner { dst[j] = src[offset &+ j &* innerStride] }
            }
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                offset += strides[d]
                if index[d] < shape[d] { break }
                offset -= strides[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// Tensors joined along `axis`; all other dimensions must agree.
    public static func concatenate(_ parts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = parts.first else {
            throw TensorError.invalidArgument(op: "concatenate", reason: "no tensors")
        }
        let a = axis < 0 ? axis + first.rank : axis
        guard a >= 0, a < first.rank else {
            throw TensorError.invalidShape(op: "concatenate", shape: first.shape, reason: "no axis \(axis)")
        }
        var outShape = first.shape
        outShape[a] = 0
        for p in parts {
            var s = p.shape, f = first.shape
            guard s.count == f.count else {
                throw TensorError.shapeMismatch(op: "concatenate", lhs: first.shape, rhs: p.shape)
            }
            s[a] = 0; f[a] = 0
            guard s == f else { throw TensorError.shapeMismatch(op: "concatenate", lhs: first.shape, rhs: p.shape) }
            outShape[a] += p.shape[a]
        }
        let out = try Tensor(zeros: outShape)
        let outer = first.shape[..<a].reduce(1, *), inner = first.shape[(a + 1)...].reduce(1, *)
        let rowOut = outShape[a] * inner
        var column = 0
        for p in parts {
            let width = p.shape[a] * inner
            for o in 0..<outer {
                (out.storage.pointer + o * rowOut + column).update(from: p.storage.pointer + o * width, count: width)
            }
            column += width
        }
        return out
    }

    /// Pieces of the given sizes along `axis` (the sizes must add up to that dimension).
    public func split(sizes: [Int], axis: Int) throws -> [Tensor] {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[a] else {
            throw TensorError.invalidArgument(op: "split", reason: "sizes \(sizes) along axis \(axis) of \(shape)")
        }
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let row = shape[a] * inner
        var column = 0
        return try sizes.map { size in
            var s = shape
            s[a] = size
            let t = try Tensor(zeros: s)
            let width = size * inner
            for o in 0..<outer {
                (t.storage.pointer + o * width).update(from: storage.pointer + o * row + column, count: width)
            }
            column += width
            return t
        }
    }
}

extension Tape {
    /// Differentiable `Tensor.permuted(_:)`.
    public func permute(_ x: Variable, _ axes: [Int]) throws -> Variable {
        let y = try x.value.permuted(axes)
        var inverse = [Int](repeating: 0, count: axes.count)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return record(y, inputs: [x]) { dy in
            // dx = permute(dy, inverse), accumulated.
            let g = Tensor(validShape: y.shape)
            g.storage.pointer.update(from: dy, count: y.count)
            if let back = try? g.permuted(inverse) {
                let dx = x.gradPointer()
                for i in 0..<back.count { dx[i] += back.storage.pointer[i] }
            }
        }
    }

    /// Differentiable `Tensor.concatenate(_:axis:)`.
    public func concatenate(_ parts: [Variable], axis: Int) throws -> Variable {
        let y = try Tensor.concatenate(parts.map(\.value), axis: axis)
        let a = axis < 0 ? axis + y.rank : axis
        let outer = y.shape[..<a].reduce(1, *), inner = y.shape[(a + 1)...].reduce(1, *)
        let rowOut = y.shape[a] * inner
        return record(y, inputs: parts) { dy in
            var column = 0
            for p in parts {
                let width = p.shape[a] * inner
                if p.requiresGrad {
                    let dp = p.gradPointer()
                    for o in 0..<outer { for j in 0..<width { dp[o * width + j] += dy[o * rowOut + column + j] } }
                }
                column += width
            }
        }
    }

    /// Differentiable `Tensor.split(sizes:axis:)`.
    public func split(_ x: Variable, sizes: [Int], axis: Int) throws -> [Variable] {
        let pieces = try x.value.split(sizes: sizes, axis: axis)
        let a = axis < 0 ? axis + x.value.rank : axis
        let outer = x.shape[..<a].reduce(1, *), inner = x.shape[(a + 1)...].reduce(1, *)
        let row = x.shape[a] * inner
        var column = 0
        return pieces.enumerated().map { (i, piece) in
            let start = column, width = sizes[i] * inner
            column += width
            return record(piece, inputs: [x]) { dy in
                let dx = x.gradPointer()
                for o in 0..<outer { for j in 0..<width { dx[o * row + start + j] += dy[o * width + j] } }
            }
        }
    }
}
