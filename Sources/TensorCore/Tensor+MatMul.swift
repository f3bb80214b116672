extension Tensor {
    /// Matrix product over the last two dimensions, with leading (batch) dimensions broadcast NumPy-style.
    ///
    /// `self`: `[..., m, k]` (or `[..., k, m]` when `transposeSelf`), `other`: `[..., k, n]` (or `[..., n, k]`
    /// when `transposeOther`); result `[..., m, n]`. Both operands need rank ≥ 2. Throws `shapeMismatch`
    /// naming both shapes when the inner dimensions or the batch dimensions disagree.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) throws -> Tensor {
        let op = "matmul"
        guard rank >= 2, other.rank >= 2 else { throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: other.shape) }
        let m = transposeSelf ? shape[rank - 1] : shape[rank - 2]
        let k = transposeSelf ? shape[rank - 2] : shape[rank - 1]
        let k2 = transposeOther ? other.shape[other.rank - 1] : other.shape[other.rank - 2]
        let n = transposeOther ? other.shape[other.rank - 2] : other.shape[other.rank - 1]
        guard k == k2 else { throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: other.shape) }
        let batchA = Array(shape.dropLast(2)), batchB = Array(other.shape.dropLast(2))
        guard let batch = Tensor.broadcastShape(batchA, batchB) else {
            throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: other.shape)
        }
        let out = try Tensor(unfilledShape: batch + [m, n])  // beta 0: the products write every element
        let count = batch.reduce(1, *)
        if count == 0 || m == 0 || n == 0 { return out }
        let ta: Transpose = transposeSelf ? .transposed : .none, tb: Transpose = transposeOther ? .transposed : .none
        let lda = transposeSelf ? m : k, ldb = transposeOther ? k : n
        let pa = storage.pointer, pb = other.storage.pointer, pc = out.storage.pointer
        if batchA == batch && batchB == batch || batchB.reduce(1, *) == 1 || batchA.reduce(1, *) == 1 {
            // Equal batches, or one side a single matrix broadcast with stride 0.
            let sa = batchA.reduce(1, *) == 1 ? 0 : m * k, sb = batchB.reduce(1, *) == 1 ? 0 : k * n
            sgemmBatched(
                ta, tb, batch: count, m: m, n: n, k: k, alpha: 1, a: pa, lda: lda, strideA: sa, b: pb, ldb: ldb,
                strideB: sb, beta: 0, c: pc, ldc: n, strideC: m * n)
        } else {
            let ia = Tensor.broadcastIndices(from: batchA, to: batch),
                ib = Tensor.broadcastIndices(from: batchB, to: batch)
            for i in 0..<count {
                sgemm(
                    ta, tb, m: m, n: n, k: k, alpha: 1, a: pa + ia[i] * m * k, lda: lda, b: pb + ib[i] * k * n,
                    ldb: ldb, beta: 0, c: pc + i * m * n, ldc: n)
            }
        }
        return out
    }

    /// `x · Wᵀ + b` as PyTorch's `Linear`: `self` `[..., in]`, `weight` `[out, in]`, `bias` `[out]` → `[..., out]`.
    public func linear(weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        let op = "linear"
        guard rank >= 1, weight.rank == 2, weight.shape[1] == shape[rank - 1] else {
            throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: weight.shape)
        }
        let rows = count / max(1, shape[rank - 1]), inF = weight.shape[1], outF = weight.shape[0]
        let out = try Tensor(unfilledShape: Array(shape.dropLast()) + [outF])  // the bias rows or beta 0 write it
        if let bias {
            guard bias.shape == [outF] else {
                throw TensorError.shapeMismatch(op: op, lhs: weight.shape, rhs: bias.shape)
            }
            for r in 0..<rows { (out.storage.pointer + r * outF).update(from: bias.storage.pointer, count: outF) }
        }
        if rows > 0 && outF > 0 {
            sgemm(
                .none, .transposed, m: rows, n: outF, k: inF, alpha: 1, a: storage.pointer, lda: inF,
                b: weight.storage.pointer, ldb: inF, beta: bias == nil ? 0 : 1, c: out.storage.pointer, ldc: outF)
        }
        return out
    }
}
