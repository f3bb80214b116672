// Single-precision general matrix multiply, BLIS style: pack, block for the caches, SIMD16 register-blocked
// micro-kernel, split across the persistent thread pool.

/// How a GEMM operand is read.
public enum Transpose: Sendable {
    /// Use the matrix as stored (row-major).
    case none
    /// Use the transpose of the stored matrix.
    case transposed
}

/// Cache blocking for the Zen 5 target (48 KiB L1D, 1 MiB L2 per core, 32 MiB shared L3).
///
/// - `mr × nr` (6 × 32): the register tile, 12 zmm accumulators; one packed B row (2 × SIMD16) per step.
/// - `kc` (256): depth of a block; a packed B micro-panel `kc × nr` (32 KiB) stays in L1.
/// - `mc` (192): rows of A per block; the packed A block `mc × kc` (192 KiB) stays in L2.
/// - `nc` (2048): columns of B per block; the packed B block `kc × nc` (2 MiB) stays in L3.
@usableFromInline enum GEMMBlocking {
    static let mr = 6
    static let nr = 32
    static var kc = 256
    static var mc = 192
    static var nc = 2048
}

/// C = alpha · op(A) · op(B) + beta · C, all row-major float32.
///
/// op(A) is `m × k`, op(B) is `k × n`, C is `m × n`. `lda`, `ldb`, `ldc` are the row strides of the matrices
/// as stored (for a transposed A stored as `k × m`, `lda ≥ m`). When `beta == 0`, C is not read (it may hold NaN).
/// Work is split over `pool` (by default every core); results do not depend on the thread count.
///
/// Callers must pass valid pointers and strides; `Tensor.matmul` is the checked entry point.
public func sgemm(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool = .shared
) {
    if m <= 0 || n <= 0 { return }
    if k <= 0 || alpha == 0 {
        GEMMKernel.scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
        return
    }
    let threads = pool.threadCount
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    if threads == 1 || flops < 2.0e5 {
        GEMMKernel.serial(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                          beta: beta, c: c, ldc: ldc)
        return
    }
    let mr = GEMMBlocking.mr, nr = GEMMBlocking.nr
    // Split the larger dimension so each thread has whole register tiles.
    let nTiles = (n + nr - 1) / nr, mTiles = (m + mr - 1) / mr
    if n >= m && nTiles >= threads || mTiles < threads {
        let per = (nTiles + threads - 1) / threads * nr
        pool.run { t in
            let j0 = t * per
            let cols = min(per, n - j0)
            if cols <= 0 { return }
            let bt = transB == .none ? b + j0 : b + j0 * ldb
            GEMMKernel.serial(transA, transB, m: m, n: cols, k: k, alpha: alpha, a: a, lda: lda, b: bt, ldb: ldb,
                              beta: beta, c: c + j0, ldc: ldc)
        }
    } else {
        let per = (mTiles + threads - 1) / threads * mr
        pool.run { t in
            let i0 = t * per
            let rows = min(per, m - i0)
            if rows <= 0 { return }
            let at = transA == .none ? a + i0 * lda : a + i0
            GEMMKernel.serial(transA, transB, m: rows, n: n, k: k, alpha: alpha, a: at, lda: lda, b: b, ldb: ldb,
                              beta: beta, c: c + i0 * ldc, ldc: ldc)
        }
    }
}

/// Strided batched GEMM: for each `i` in `0..<batch`, C_i = alpha · op(A_i) · op(B_i) + beta · C_i where
/// `A_i = a + i·strideA` and likewise for B and C. A stride of 0 broadcasts one matrix over the batch.
///
/// Small products are spread over the threads one matrix at a time; large ones use all threads each.
public func sgemmBatched(
    _ transA: Transpose, _ transB: Transpose, batch: Int, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, strideA: Int, b: UnsafePointer<Float>, ldb: Int, strideB: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int, pool: ThreadPool = .shared
) {
    if batch <= 0 { return }
    let threads = pool.threadCount
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    if batch >= threads && threads > 1 && flops < 4.0e7 {
        pool.run { t in
            var i = t
            while i < batch {
                if m > 0 && n > 0 {
                    if k <= 0 || alpha == 0 {
                        GEMMKernel.scale(m: m, n: n, beta: beta, c: c + i * strideC, ldc: ldc)
                    } else {
                        GEMMKernel.serial(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a + i * strideA, lda: lda,
                                          b: b + i * strideB, ldb: ldb, beta: beta, c: c + i * strideC, ldc: ldc)
                    }
                }
                i += threads
            }
        }
    } else {
        for i in 0..<batch {
            sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a + i * strideA, lda: lda, b: b + i * strideB,
                  ldb: ldb, beta: beta, c: c + i * strideC, ldc: ldc, pool: pool)
        }
    }
}

/// The single-threaded pieces of `sgemm`.
enum GEMMKernel {
    /// C = beta · C (C set to zero when beta is 0, without reading it).
    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            let row = c + i &* ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    /// The blocked product on one thread. Loop nest (BLIS): jc over nc-wide column blocks, pc over kc-deep
    /// blocks (B block packed), ic over mc-high row blocks (A block packed), then jr × ir over register tiles.
    static func serial(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let mr = GEMMBlocking.mr, nr = GEMMBlocking.nr
        let kcMax = GEMMBlocking.kc, mcMax = GEMMBlocking.mc, ncMax = GEMMBlocking.nc
        let scratch = Scratch.current
        let packedB = scratch.buffer(slot: 0, count: kcMax * ncMax)
        let packedA = scratch.buffer(slot: 1, count: kcMax * (mcMax + mr))
        let tile = scratch.buffer(slot: 2, count: mr * nr)
        var jc = 0
        while jc < n {
            let nc = min(ncMax, n - jc)
            var pc = 0
            while pc < k {
                let kc = min(kcMax, k - pc)
                packB(transB, b: b, ldb: ldb, k0: pc, kc: kc, j0: jc, nc: nc, into: packedB)
                let betaBlock = pc == 0 ? beta : 1
                var ic = 0
                while ic < m {
                    let mc = min(mcMax, m - ic)
                    packA(transA, a: a, lda: lda, i0: ic, mc: mc, k0: pc, kc: kc, into: packedA)
                    var jr = 0
                    while jr < nc {
                        let nrEff = min(nr, nc - jr)
                        let bPanel = packedB + (jr / nr) &* kc &* nr
                        var ir = 0
                        while ir < mc {
                            let mrEff = min(mr, mc - ir)
                            let aPanel = packedA + (ir / mr) &* kc &* mr
                            let cTile = c + (ic + ir) &* ldc + jc + jr
                            microKernel6x32(kc: kc, a: aPanel, b: bPanel, c: cTile, ldc: ldc, alpha: alpha,
                                            beta: betaBlock, rows: mrEff, cols: nrEff, tile: tile)
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mc
                }
                pc += kc
            }
            jc += nc
        }
    }

    /// Packs rows `i0..<i0+mc`, depth `k0..<k0+kc` of op(A) into panels of `mr` rows:
    /// panel p holds `dst[p·kc·mr + k·mr + r] = op(A)[i0 + p·mr + r, k0 + k]`, zero past row `mc`.
    static func packA(
        _ trans: Transpose, a: UnsafePointer<Float>, lda: Int, i0: Int, mc: Int, k0: Int, kc: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        let mr = GEMMBlocking.mr
        var p = 0
        while p * mr < mc {
            let panel = dst + p &* kc &* mr
            let r0 = i0 + p * mr
            let rows = min(mr, mc - p * mr)
            if trans == .none {
                // op(A)[i, k] = a[i·lda + k]
                for r in 0..<mr {
                    if r < rows {
                        let src = a + (r0 + r) &* lda + k0
                        for kk in 0..<kc { panel[kk &* mr &+ r] = src[kk] }
                    } else {
                        for kk in 0..<kc { panel[kk &* mr &+ r] = 0 }
                    }
                }
            } else {
                // op(A)[i, k] = a[k·lda + i]
                for kk in 0..<kc {
                    let src = a + (k0 + kk) &* lda + r0
                    let d = panel + kk &* mr
                    for r in 0..<mr { d[r] = r < rows ? src[r] : 0 }
                }
            }
            p += 1
        }
    }

    /// Packs depth `k0..<k0+kc`, columns `j0..<j0+nc` of op(B) into panels of `nr` columns:
    /// panel p holds `dst[p·kc·nr + k·nr + j] = op(B)[k0 + k, j0 + p·nr + j]`, zero past column `nc`.
    static func packB(
        _ trans: Transpose, b: UnsafePointer<Float>, ldb: Int, k0: Int, kc: Int, j0: Int, nc: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        let nr = GEMMBlocking.nr
        var p = 0
        while p * nr < nc {
            let panel = dst + p &* kc &* nr
            let c0 = j0 + p * nr
            let cols = min(nr, nc - p * nr)
            if trans == .none {
                // op(B)[k, j] = b[k·ldb + j]
                if cols == nr {
                    for kk in 0..<kc {
                        let src = UnsafeRawPointer(b + (k0 + kk) &* ldb + c0)
                        let d = UnsafeMutableRawPointer(panel + kk &* nr)
                        d.storeBytes(of: src.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                        d.storeBytes(of: src.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self),
                                     toByteOffset: 64, as: SIMD16<Float>.self)
                    }
                } else {
                    for kk in 0..<kc {
                        let src = b + (k0 + kk) &* ldb + c0
                        let d = panel + kk &* nr
                        for j in 0..<nr { d[j] = j < cols ? src[j] : 0 }
                    }
                }
            } else {
                // op(B)[k, j] = b[j·ldb + k]
                for j in 0..<nr {
                    if j < cols {
                        let src = b + (c0 + j) &* ldb + k0
                        for kk in 0..<kc { panel[kk &* nr &+ j] = src[kk] }
                    } else {
                        for kk in 0..<kc { panel[kk &* nr &+ j] = 0 }
                    }
                }
            }
            p += 1
        }
    }

    /// C[rows × cols] = alpha · Ap · Bp + beta · C for one register tile.
    ///
    /// `a`: packed panel `[kc][6]`; `b`: packed panel `[kc][32]` (64-byte aligned); `c`: row stride `ldc`.
    /// Edge tiles (rows < 6 or cols < 32) go through `tile`, a 6 × 32 scratch.
    @inline(__always)
    static func microKernel6x32(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float, beta: Float, rows: Int, cols: Int, tile: UnsafeMutablePointer<Float>
    ) {
        var c00 = SIMD16<Float>(), c01 = SIMD16<Float>()
        var c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
        var c20 = SIMD16<Float>(), c21 = SIMD16<Float>()
        var c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
        var c40 = SIMD16<Float>(), c41 = SIMD16<Float>()
        var c50 = SIMD16<Float>(), c51 = SIMD16<Float>()
        var pa = a
        var pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = pb.load(as: SIMD16<Float>.self)
            let b1 = pb.load(fromByteOffset: 64, as: SIMD16<Float>.self)
            var x = SIMD16<Float>(repeating: pa[0])
            c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa[1])
            c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa[2])
            c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa[3])
            c30.addProduct(x, b0); c31.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa[4])
            c40.addProduct(x, b0); c41.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa[5])
            c50.addProduct(x, b0); c51.addProduct(x, b1)
            pa += 6
            pb += 128
        }
        if rows == 6 && cols == 32 {
            store(c00, c01, to: c, alpha: alpha, beta: beta)
            store(c10, c11, to: c + ldc, alpha: alpha, beta: beta)
            store(c20, c21, to: c + 2 &* ldc, alpha: alpha, beta: beta)
            store(c30, c31, to: c + 3 &* ldc, alpha: alpha, beta: beta)
            store(c40, c41, to: c + 4 &* ldc, alpha: alpha, beta: beta)
            store(c50, c51, to: c + 5 &* ldc, alpha: alpha, beta: beta)
            return
        }
        let t = UnsafeMutableRawPointer(tile)
        let accs = [c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51]
        for (i, v) in accs.enumerated() { t.storeBytes(of: v, toByteOffset: i * 64, as: SIMD16<Float>.self) }
        for r in 0..<rows {
            let dst = c + r &* ldc
            let src = tile + r &* 32
            for j in 0..<cols {
                // Same rounding as `store`: alpha·acc, then one fused multiply-add of beta·C.
                dst[j] = beta == 0 ? alpha * src[j] : (alpha * src[j]).addingProduct(beta, dst[j])
            }
        }
    }

    @inline(__always)
    static func store(_ v0: SIMD16<Float>, _ v1: SIMD16<Float>, to c: UnsafeMutablePointer<Float>, alpha: Float, beta: Float) {
        let p = UnsafeMutableRawPointer(c)
        var r0 = v0, r1 = v1
        if alpha != 1 { r0 *= alpha; r1 *= alpha }
        if beta != 0 {
            r0.addProduct(beta, p.loadUnaligned(as: SIMD16<Float>.self))
            r1.addProduct(beta, p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
        }
        p.storeBytes(of: r0, as: SIMD16<Float>.self)
        p.storeBytes(of: r1, toByteOffset: 64, as: SIMD16<Float>.self)
    }
}
