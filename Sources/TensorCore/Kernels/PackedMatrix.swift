/// A constant GEMM right-hand operand stored once in the micro-kernel's panel layout, so products with it skip
/// packing: the weights of a `Linear` layer (`x · Wᵀ`), used for every token of every step.
///
/// Layout: for each depth block `p` of `GEMMBlocking.kc` rows (the last may be shorter), all ⌈n/32⌉ column panels
/// `[kc][32]` back to back, zero-padded past column n. Block `p` starts at `p · kc · nPadded`.
public final class PackedMatrix {
    /// Rows of op(B) (the shared dimension k).
    public let rows: Int
    /// Columns of op(B) (the output dimension n).
    public let columns: Int
    let storage: TensorStorage
    let paddedColumns: Int

    /// Packs op(B) where B is a rank-2 tensor: `transposed` reads a `[n, k]` weight as its transpose, which is
    /// what `Linear` needs (`weight: [out, in]`).
    public init(_ b: Tensor, transposed: Bool) throws {
        guard b.rank == 2 else {
            throw TensorError.invalidShape(op: "PackedMatrix", shape: b.shape, reason: "needs rank 2")
        }
        rows = transposed ? b.shape[1] : b.shape[0]
        columns = transposed ? b.shape[0] : b.shape[1]
        let nr = GEMMBlocking.nr, kcMax = GEMMBlocking.kc
        paddedColumns = (columns + nr - 1) / nr * nr
        storage = TensorStorage(count: max(1, rows * paddedColumns))
        let ldb = b.shape[1], src = b.storage.pointer, dst = storage.pointer
        let trans: Transpose = transposed ? .transposed : .none
        let blocks = (rows + kcMax - 1) / kcMax
        let padded = paddedColumns
        ThreadPool.shared.parallelFor(blocks, grain: 1) { range in
            for p in range {
                let k0 = p * kcMax, kc = min(kcMax, rows - k0)
                GEMMKernel.packB(trans, b: src, ldb: ldb, k0: k0, kc: kc, j0: 0, nc: columns, into: dst + k0 * padded)
            }
        }
        withExtendedLifetime(b) {}
    }

    var panels: PrepackedPanels { PrepackedPanels(base: UnsafePointer(storage.pointer), paddedColumns: paddedColumns) }
}

/// Panels of a `PackedMatrix` handed to the GEMM without copying.
struct PrepackedPanels: BPanelSource {
    let base: UnsafePointer<Float>
    let paddedColumns: Int

    func pack(k0: Int, kc: Int, j0: Int, nc: Int, into dst: UnsafeMutablePointer<Float>) {
        dst.update(from: base + (k0 &* paddedColumns &+ j0 &* kc), count: ((nc + 31) / 32) * 32 * kc)
    }

    @inline(__always)
    func prepacked(k0: Int, kc: Int, j0: Int) -> UnsafePointer<Float>? {
        // Column blocks start on panel boundaries (multiples of 32), so panel j0/32 of block k0 is at j0·kc.
        base + (k0 &* paddedColumns &+ j0 &* kc)
    }
}

/// C = alpha · op(A) · B + beta · C with B pre-packed (`m × b.rows` times `b.rows × b.columns`).
public func sgemm(
    _ transA: Transpose, m: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, packedB b: PackedMatrix,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool = .shared
) {
    let n = b.columns, k = b.rows
    if m <= 0 || n <= 0 { return }
    if k <= 0 || alpha == 0 {
        GEMMKernel.scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
        return
    }
    GEMMKernel.parallel(
        transA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, source: b.panels, beta: beta, c: c,
        ldc: ldc, pool: pool)
    withExtendedLifetime(b) {}
}

extension Tensor {
    /// `x · Wᵀ + b` with W pre-packed (`PackedMatrix(weight, transposed: true)`): `self` `[..., in]` → `[..., out]`.
    public func linear(packedWeight w: PackedMatrix, bias: Tensor? = nil) throws -> Tensor {
        let op = "linear"
        guard rank >= 1, shape[rank - 1] == w.rows else {
            throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: [w.columns, w.rows])
        }
        let rows = count / max(1, w.rows), outF = w.columns
        let out = try Tensor(zeros: Array(shape.dropLast()) + [outF])
        if let bias {
            guard bias.shape == [outF] else {
                throw TensorError.shapeMismatch(op: op, lhs: [outF, w.rows], rhs: bias.shape)
            }
            for r in 0..<rows { (out.storage.pointer + r * outF).update(from: bias.storage.pointer, count: outF) }
        }
        if rows > 0 {
            sgemm(
                .none, m: rows, alpha: 1, a: storage.pointer, lda: w.rows, packedB: w, beta: bias == nil ? 0 : 1,
                c: out.storage.pointer, ldc: outF)
        }
        return out
    }
}
