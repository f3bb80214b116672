import Foundation

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
/// - `mr × nr` (6 × 32): the packing unit. The micro-kernel takes two 6-row panels at once (12 × 32, 24 zmm
///   accumulators, one packed B row of 2 × SIMD16 per step) wherever both are whole, one at the edges.
/// - `kc` (256): depth of a block; a packed B micro-panel `kc × nr` (32 KiB) stays in L1.
/// - `mc` (192): rows of A per block; the packed A block `mc × kc` (192 KiB) stays in L2.
/// - `nc` (2048): columns of B per block; the packed B block `kc × nc` (2 MiB) stays in L3. With a prepacked A
///   (convolutions) the block narrows so that C's `m × nc` block stays in L2 (`columnBlock`).
/// `UNCLIP_GEMM_KC`, `UNCLIP_GEMM_MC`, `UNCLIP_GEMM_NC` and `UNCLIP_GEMM_CBLOCK` override them (read once, for
/// tuning experiments; `tuning` also reads the Winograd convolution's knobs).
@usableFromInline enum GEMMBlocking {
    static let mr = 6
    static let nr = 32
    static let kc = tuning("KC", 256)
    static let mc = tuning("MC", 192)
    static let nc = tuning("NC", 2048)
    /// C floats (640 KiB) a column block may span when A is prepacked: `columnBlock` keeps m × nc within it.
    static let cBlock = tuning("CBLOCK", 160 * 1024)
    /// Columns per block for an m-row product with a prepacked A: the widest multiple of `nr` from 256 to `nc`
    /// whose m × nc block of C fits in `cBlock` (256 when none does).
    static func columnBlock(rows m: Int) -> Int {
        min(nc, max(256, cBlock / max(m, 1) / nr * nr))
    }
    static func tuning(_ name: String, _ value: Int) -> Int {
        guard let s = getenv("UNCLIP_GEMM_" + name), let v = Int(String(cString: s)), v > 0 else { return value }
        return name == "MC" ? (v + 5) / 6 * 6 : name == "NC" ? (v + 31) / 32 * 32 : v
    }
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
    GEMMKernel.parallel(
        transA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
        source: MatrixPanels(trans: transB, b: b, ldb: ldb), beta: beta, c: c, ldc: ldc, pool: pool)
}

/// Something that writes packed panels of op(B) (the layout of `GEMMKernel.packB`) for a block of rows
/// `k0..<k0+kc` and columns `j0..<j0+nc`, with column indices counted in the whole product.
/// Lets a convolution feed the GEMM straight from the image (implicit im2col).
protocol BPanelSource {
    func pack(k0: Int, kc: Int, j0: Int, nc: Int, into dst: UnsafeMutablePointer<Float>)
    /// Panels already in packed form for this block, or nil to have them packed.
    func prepacked(k0: Int, kc: Int, j0: Int) -> UnsafePointer<Float>?
}

extension BPanelSource {
    @inline(__always)
    func prepacked(k0: Int, kc: Int, j0: Int) -> UnsafePointer<Float>? { nil }
}

/// op(A) packed once by `GEMMKernel.prepackA`.
struct PrepackedA {
    let base: UnsafePointer<Float>
    let paddedRows: Int

    /// Where op(A)[row, column] of an m × `depth` matrix sits in that layout (`paddedRows`: m rounded up to
    /// `mr`), for producers that write packed panels directly.
    @inline(__always)
    static func offset(row: Int, column: Int, paddedRows: Int, depth: Int) -> Int {
        let mr = GEMMBlocking.mr, k0 = column / GEMMBlocking.kc &* GEMMBlocking.kc
        let kc = Swift.min(GEMMBlocking.kc, depth &- k0)
        return k0 &* paddedRows &+ (row / mr) &* kc &* mr &+ (column &- k0) &* mr &+ row % mr
    }

    /// The panels for rows from `i0` (a multiple of 6) in the depth block starting at `k0`.
    @inline(__always)
    func panels(k0: Int, kc: Int, i0: Int) -> UnsafePointer<Float> { base + (k0 &* paddedRows &+ i0 &* kc) }
}

/// op(B) read from a row-major matrix.
struct MatrixPanels: BPanelSource {
    let trans: Transpose
    let b: UnsafePointer<Float>
    let ldb: Int

    @inline(__always)
    func pack(k0: Int, kc: Int, j0: Int, nc: Int, into dst: UnsafeMutablePointer<Float>) {
        GEMMKernel.packB(trans, b: b, ldb: ldb, k0: k0, kc: kc, j0: j0, nc: nc, into: dst)
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
                        GEMMKernel.serial(
                            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a + i * strideA, lda: lda,
                            b: b + i * strideB, ldb: ldb, beta: beta, c: c + i * strideC, ldc: ldc)
                    }
                }
                i += threads
            }
        }
    } else {
        for i in 0..<batch {
            sgemm(
                transA, transB, m: m, n: n, k: k, alpha: alpha, a: a + i * strideA, lda: lda, b: b + i * strideB,
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

    /// The product split over the pool's threads (by columns, or by rows when there are few columns), each
    /// running `serial`. Small products stay on the caller.
    static func parallel<S: BPanelSource>(
        _ transA: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, source: S,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool, prepackedA: PrepackedA? = nil
    ) {
        let threads = pool.threadCount
        let flops = 2.0 * Double(m) * Double(n) * Double(k)
        if threads == 1 || flops < 2.0e5 {
            serial(
                transA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, source: source, columnOffset: 0, beta: beta,
                c: c, ldc: ldc, prepackedA: prepackedA, rowOffset: 0)
            return
        }
        let mr = GEMMBlocking.mr, nr = GEMMBlocking.nr
        // Each thread packs the whole of the operand that is not split, so split the one whose duplicate packing
        // costs more: B by columns when A is much smaller (A's packing is a scalar scatter, B's a SIMD copy),
        // else A by rows. Every thread gets whole register tiles.
        let nTiles = (n + nr - 1) / nr, mTiles = (m + mr - 1) / mr
        if (prepackedA != nil || 4 * m <= n) && nTiles >= threads || mTiles < 2 * threads {
            let per = (nTiles + threads - 1) / threads * nr
            pool.run { t in
                let j0 = t * per
                let cols = min(per, n - j0)
                if cols <= 0 { return }
                serial(
                    transA, m: m, n: cols, k: k, alpha: alpha, a: a, lda: lda, source: source, columnOffset: j0,
                    beta: beta, c: c + j0, ldc: ldc, prepackedA: prepackedA, rowOffset: 0)
            }
        } else {
            let per = (mTiles + threads - 1) / threads * mr
            pool.run { t in
                let i0 = t * per
                let rows = min(per, m - i0)
                if rows <= 0 { return }
                let at = transA == .none ? a + i0 * lda : a + i0
                serial(
                    transA, m: rows, n: n, k: k, alpha: alpha, a: at, lda: lda, source: source, columnOffset: 0,
                    beta: beta, c: c + i0 * ldc, ldc: ldc, prepackedA: prepackedA, rowOffset: i0)
            }
        }
    }

    /// `serial` on a row-major B.
    static func serial(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        serial(
            transA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, source: MatrixPanels(trans: transB, b: b, ldb: ldb),
            columnOffset: 0, beta: beta, c: c, ldc: ldc)
    }

    /// The blocked product on one thread. Loop nest (BLIS): jc over nc-wide column blocks, pc over kc-deep
    /// blocks (B block packed), ic over mc-high row blocks (A block packed), then jr × ir over register tiles.
    /// Columns `0..<n` here are columns `columnOffset..<columnOffset+n` of `source`; `c` points at the first.
    /// With `prepackedA`, A's panels are read from it (rows `rowOffset..<rowOffset+m`) and `a` is not used.
    static func serial<S: BPanelSource>(
        _ transA: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, source: S,
        columnOffset: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, prepackedA: PrepackedA? = nil,
        rowOffset: Int = 0
    ) {
        let mr = GEMMBlocking.mr, nr = GEMMBlocking.nr
        let kcMax = GEMMBlocking.kc, mcMax = GEMMBlocking.mc
        // With A packed once up front, narrower column blocks cost no extra packing, and they keep the m × nc
        // block of C in L2 across the depth blocks instead of streaming it from memory once per depth block
        // (a convolution: m = output channels, k = 9 · input channels, n = pixels).
        let ncMax = prepackedA == nil ? GEMMBlocking.nc : GEMMBlocking.columnBlock(rows: m)
        let scratch = Scratch.current
        let packedB = scratch.buffer(slot: 0, count: kcMax * GEMMBlocking.nc)
        let packedA = scratch.buffer(slot: 1, count: kcMax * (mcMax + mr))
        let tile = scratch.buffer(slot: 2, count: mr * nr)
        var jc = 0
        while jc < n {
            let nc = min(ncMax, n - jc)
            var pc = 0
            while pc < k {
                let kc = min(kcMax, k - pc)
                let panels: UnsafePointer<Float>
                if let ready = source.prepacked(k0: pc, kc: kc, j0: columnOffset + jc) {
                    panels = ready
                } else {
                    source.pack(k0: pc, kc: kc, j0: columnOffset + jc, nc: nc, into: packedB)
                    panels = UnsafePointer(packedB)
                }
                let betaBlock = pc == 0 ? beta : 1
                var ic = 0
                while ic < m {
                    let mc = min(mcMax, m - ic)
                    let aPanels: UnsafePointer<Float>
                    if let prepackedA {
                        aPanels = prepackedA.panels(k0: pc, kc: kc, i0: rowOffset + ic)
                    } else {
                        packA(transA, a: a, lda: lda, i0: ic, mc: mc, k0: pc, kc: kc, into: packedA)
                        aPanels = UnsafePointer(packedA)
                    }
                    multiplyPacked(
                        m: mc, n: nc, kc: kc, packedA: aPanels, packedB: panels, alpha: alpha,
                        beta: betaBlock, c: c + ic &* ldc + jc, ldc: ldc, tile: tile)
                    ic += mc
                }
                pc += kc
            }
            jc += nc
        }
    }

    /// Packs all of op(A) (`m × k`) once, for products that reuse it (a convolution's weights over samples and
    /// threads). Layout: for each depth block of `kc` rows starting at k0, the ⌈m/6⌉ row panels `[kc][6]` back to
    /// back, at `k0 · paddedRows`; `into` holds `paddedRows · k` floats with `paddedRows` = m rounded up to 6.
    static func prepackA(
        _ trans: Transpose, a: UnsafePointer<Float>, lda: Int, m: Int, k: Int, into dst: UnsafeMutablePointer<Float>,
        pool: ThreadPool
    ) -> PrepackedA {
        let mr = GEMMBlocking.mr, kcMax = GEMMBlocking.kc
        let padded = (m + mr - 1) / mr * mr
        let blocks = (k + kcMax - 1) / kcMax
        pool.parallelFor(blocks, grain: 1) { range in
            for p in range {
                let k0 = p * kcMax
                packA(trans, a: a, lda: lda, i0: 0, mc: m, k0: k0, kc: min(kcMax, k - k0), into: dst + k0 * padded)
            }
        }
        return PrepackedA(base: UnsafePointer(dst), paddedRows: padded)
    }

    /// C[m × n] = alpha · Ap · Bp + beta · C from packed operands: `packedA` holds ⌈m/6⌉ panels `[kc][6]`,
    /// `packedB` ⌈n/32⌉ panels `[kc][32]` (as written by `packA` / `packB`). `tile`: 6 × 32 scratch.
    @inline(__always)
    static func multiplyPacked(
        m: Int, n: Int, kc: Int, packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>, alpha: Float,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, tile: UnsafeMutablePointer<Float>
    ) {
        let mr = GEMMBlocking.mr, nr = GEMMBlocking.nr
        var jr = 0
        while jr < n {
            let nrEff = min(nr, n - jr)
            let bPanel = packedB + (jr / nr) &* kc &* nr
            var ir = 0
            // Two row panels at a time where they are whole: twice the accumulators per B row loaded.
            if nrEff == nr {
                while ir + 2 &* mr <= m {
                    let panel = packedA + (ir / mr) &* kc &* mr
                    microKernel12x32(
                        kc: kc, a0: panel, a1: panel + kc &* mr, b: bPanel, c: c + ir &* ldc + jr, ldc: ldc,
                        alpha: alpha, beta: beta)
                    ir += 2 &* mr
                }
            }
            while ir < m {
                let mrEff = min(mr, m - ir)
                microKernel6x32(
                    kc: kc, a: packedA + (ir / mr) &* kc &* mr, b: bPanel, c: c + ir &* ldc + jr, ldc: ldc,
                    alpha: alpha, beta: beta, rows: mrEff, cols: nrEff, tile: tile)
                ir += mr
            }
            jr += nr
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
            if trans == .none && rows == mr {
                // op(A)[i, k] = a[i·lda + k], a whole panel: contiguous stores, six row streams.
                let src = a + r0 &* lda + k0
                for kk in 0..<kc {
                    let d = panel + kk &* mr
                    for r in 0..<mr { d[r] = src[r &* lda &+ kk] }
                }
            } else if trans == .none {
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
                        d.storeBytes(
                            of: src.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self),
                            toByteOffset: 64, as: SIMD16<Float>.self)
                    }
                } else {
                    for kk in 0..<kc {
                        let src = b + (k0 + kk) &* ldb + c0
                        let d = panel + kk &* nr
                        for j in 0..<nr { d[j] = j < cols ? src[j] : 0 }
                    }
                }
            } else if cols == nr {
                // op(B)[k, j] = b[j·ldb + k]: 16 × 16 blocks transposed in registers, scalar tail for kc % 16.
                var kk = 0
                while kk + 16 <= kc {
                    for half in 0..<2 {
                        transpose16x16(
                            from: b + (c0 + half &* 16) &* ldb + k0 + kk, stride: ldb,
                            to: panel + kk &* nr + half &* 16, stride: nr)
                    }
                    kk += 16
                }
                while kk < kc {
                    for j in 0..<nr { panel[kk &* nr &+ j] = b[(c0 + j) &* ldb + k0 + kk] }
                    kk += 1
                }
            } else {
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

    /// Writes the transpose of the 16 × 16 block at `src` (row stride `stride` floats) to `dst` (row stride
    /// `dstStride`). Four rounds of even/odd deinterleaving each rotate the 8-bit (row, column) index right by
    /// one bit; after four, row and column have swapped.
    @inline(__always)
    static func transpose16x16(
        from src: UnsafePointer<Float>, stride: Int, to dst: UnsafeMutablePointer<Float>, stride dstStride: Int
    ) {
        let x0 = UnsafeRawPointer(src + 0 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x1 = UnsafeRawPointer(src + 1 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x2 = UnsafeRawPointer(src + 2 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x3 = UnsafeRawPointer(src + 3 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x4 = UnsafeRawPointer(src + 4 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x5 = UnsafeRawPointer(src + 5 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x6 = UnsafeRawPointer(src + 6 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x7 = UnsafeRawPointer(src + 7 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x8 = UnsafeRawPointer(src + 8 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x9 = UnsafeRawPointer(src + 9 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x10 = UnsafeRawPointer(src + 10 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x11 = UnsafeRawPointer(src + 11 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x12 = UnsafeRawPointer(src + 12 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x13 = UnsafeRawPointer(src + 13 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x14 = UnsafeRawPointer(src + 14 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let x15 = UnsafeRawPointer(src + 15 &* stride).loadUnaligned(as: SIMD16<Float>.self)
        let y0 = SIMD16(lowHalf: x0.evenHalf, highHalf: x1.evenHalf)
        let y8 = SIMD16(lowHalf: x0.oddHalf, highHalf: x1.oddHalf)
        let y1 = SIMD16(lowHalf: x2.evenHalf, highHalf: x3.evenHalf)
        let y9 = SIMD16(lowHalf: x2.oddHalf, highHalf: x3.oddHalf)
        let y2 = SIMD16(lowHalf: x4.evenHalf, highHalf: x5.evenHalf)
        let y10 = SIMD16(lowHalf: x4.oddHalf, highHalf: x5.oddHalf)
        let y3 = SIMD16(lowHalf: x6.evenHalf, highHalf: x7.evenHalf)
        let y11 = SIMD16(lowHalf: x6.oddHalf, highHalf: x7.oddHalf)
        let y4 = SIMD16(lowHalf: x8.evenHalf, highHalf: x9.evenHalf)
        let y12 = SIMD16(lowHalf: x8.oddHalf, highHalf: x9.oddHalf)
        let y5 = SIMD16(lowHalf: x10.evenHalf, highHalf: x11.evenHalf)
        let y13 = SIMD16(lowHalf: x10.oddHalf, highHalf: x11.oddHalf)
        let y6 = SIMD16(lowHalf: x12.evenHalf, highHalf: x13.evenHalf)
        let y14 = SIMD16(lowHalf: x12.oddHalf, highHalf: x13.oddHalf)
        let y7 = SIMD16(lowHalf: x14.evenHalf, highHalf: x15.evenHalf)
        let y15 = SIMD16(lowHalf: x14.oddHalf, highHalf: x15.oddHalf)
        let z0 = SIMD16(lowHalf: y0.evenHalf, highHalf: y1.evenHalf)
        let z8 = SIMD16(lowHalf: y0.oddHalf, highHalf: y1.oddHalf)
        let z1 = SIMD16(lowHalf: y2.evenHalf, highHalf: y3.evenHalf)
        let z9 = SIMD16(lowHalf: y2.oddHalf, highHalf: y3.oddHalf)
        let z2 = SIMD16(lowHalf: y4.evenHalf, highHalf: y5.evenHalf)
        let z10 = SIMD16(lowHalf: y4.oddHalf, highHalf: y5.oddHalf)
        let z3 = SIMD16(lowHalf: y6.evenHalf, highHalf: y7.evenHalf)
        let z11 = SIMD16(lowHalf: y6.oddHalf, highHalf: y7.oddHalf)
        let z4 = SIMD16(lowHalf: y8.evenHalf, highHalf: y9.evenHalf)
        let z12 = SIMD16(lowHalf: y8.oddHalf, highHalf: y9.oddHalf)
        let z5 = SIMD16(lowHalf: y10.evenHalf, highHalf: y11.evenHalf)
        let z13 = SIMD16(lowHalf: y10.oddHalf, highHalf: y11.oddHalf)
        let z6 = SIMD16(lowHalf: y12.evenHalf, highHalf: y13.evenHalf)
        let z14 = SIMD16(lowHalf: y12.oddHalf, highHalf: y13.oddHalf)
        let z7 = SIMD16(lowHalf: y14.evenHalf, highHalf: y15.evenHalf)
        let z15 = SIMD16(lowHalf: y14.oddHalf, highHalf: y15.oddHalf)
        let w0 = SIMD16(lowHalf: z0.evenHalf, highHalf: z1.evenHalf)
        let w8 = SIMD16(lowHalf: z0.oddHalf, highHalf: z1.oddHalf)
        let w1 = SIMD16(lowHalf: z2.evenHalf, highHalf: z3.evenHalf)
        let w9 = SIMD16(lowHalf: z2.oddHalf, highHalf: z3.oddHalf)
        let w2 = SIMD16(lowHalf: z4.evenHalf, highHalf: z5.evenHalf)
        let w10 = SIMD16(lowHalf: z4.oddHalf, highHalf: z5.oddHalf)
        let w3 = SIMD16(lowHalf: z6.evenHalf, highHalf: z7.evenHalf)
        let w11 = SIMD16(lowHalf: z6.oddHalf, highHalf: z7.oddHalf)
        let w4 = SIMD16(lowHalf: z8.evenHalf, highHalf: z9.evenHalf)
        let w12 = SIMD16(lowHalf: z8.oddHalf, highHalf: z9.oddHalf)
        let w5 = SIMD16(lowHalf: z10.evenHalf, highHalf: z11.evenHalf)
        let w13 = SIMD16(lowHalf: z10.oddHalf, highHalf: z11.oddHalf)
        let w6 = SIMD16(lowHalf: z12.evenHalf, highHalf: z13.evenHalf)
        let w14 = SIMD16(lowHalf: z12.oddHalf, highHalf: z13.oddHalf)
        let w7 = SIMD16(lowHalf: z14.evenHalf, highHalf: z15.evenHalf)
        let w15 = SIMD16(lowHalf: z14.oddHalf, highHalf: z15.oddHalf)
        let v0 = SIMD16(lowHalf: w0.evenHalf, highHalf: w1.evenHalf)
        let v8 = SIMD16(lowHalf: w0.oddHalf, highHalf: w1.oddHalf)
        let v1 = SIMD16(lowHalf: w2.evenHalf, highHalf: w3.evenHalf)
        let v9 = SIMD16(lowHalf: w2.oddHalf, highHalf: w3.oddHalf)
        let v2 = SIMD16(lowHalf: w4.evenHalf, highHalf: w5.evenHalf)
        let v10 = SIMD16(lowHalf: w4.oddHalf, highHalf: w5.oddHalf)
        let v3 = SIMD16(lowHalf: w6.evenHalf, highHalf: w7.evenHalf)
        let v11 = SIMD16(lowHalf: w6.oddHalf, highHalf: w7.oddHalf)
        let v4 = SIMD16(lowHalf: w8.evenHalf, highHalf: w9.evenHalf)
        let v12 = SIMD16(lowHalf: w8.oddHalf, highHalf: w9.oddHalf)
        let v5 = SIMD16(lowHalf: w10.evenHalf, highHalf: w11.evenHalf)
        let v13 = SIMD16(lowHalf: w10.oddHalf, highHalf: w11.oddHalf)
        let v6 = SIMD16(lowHalf: w12.evenHalf, highHalf: w13.evenHalf)
        let v14 = SIMD16(lowHalf: w12.oddHalf, highHalf: w13.oddHalf)
        let v7 = SIMD16(lowHalf: w14.evenHalf, highHalf: w15.evenHalf)
        let v15 = SIMD16(lowHalf: w14.oddHalf, highHalf: w15.oddHalf)
        UnsafeMutableRawPointer(dst + 0 &* dstStride).storeBytes(of: v0, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 1 &* dstStride).storeBytes(of: v1, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 2 &* dstStride).storeBytes(of: v2, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 3 &* dstStride).storeBytes(of: v3, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 4 &* dstStride).storeBytes(of: v4, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 5 &* dstStride).storeBytes(of: v5, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 6 &* dstStride).storeBytes(of: v6, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 7 &* dstStride).storeBytes(of: v7, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 8 &* dstStride).storeBytes(of: v8, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 9 &* dstStride).storeBytes(of: v9, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 10 &* dstStride).storeBytes(of: v10, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 11 &* dstStride).storeBytes(of: v11, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 12 &* dstStride).storeBytes(of: v12, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 13 &* dstStride).storeBytes(of: v13, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 14 &* dstStride).storeBytes(of: v14, as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + 15 &* dstStride).storeBytes(of: v15, as: SIMD16<Float>.self)
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

    /// C[12 × 32] = alpha · Ap · Bp + beta · C for two consecutive 6-row panels `a0`, `a1` (`[kc][6]` each) and
    /// one B panel: 24 zmm accumulators, so each B row loaded feeds 24 FMAs instead of 12.
    @inline(__always)
    static func microKernel12x32(
        kc: Int, a0: UnsafePointer<Float>, a1: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c00 = SIMD16<Float>(), c01 = SIMD16<Float>(), c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
        var c20 = SIMD16<Float>(), c21 = SIMD16<Float>(), c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
        var c40 = SIMD16<Float>(), c41 = SIMD16<Float>(), c50 = SIMD16<Float>(), c51 = SIMD16<Float>()
        var c60 = SIMD16<Float>(), c61 = SIMD16<Float>(), c70 = SIMD16<Float>(), c71 = SIMD16<Float>()
        var c80 = SIMD16<Float>(), c81 = SIMD16<Float>(), c90 = SIMD16<Float>(), c91 = SIMD16<Float>()
        var ca0 = SIMD16<Float>(), ca1 = SIMD16<Float>(), cb0 = SIMD16<Float>(), cb1 = SIMD16<Float>()
        var pa = a0, pa1 = a1
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
            x = SIMD16<Float>(repeating: pa1[0])
            c60.addProduct(x, b0); c61.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa1[1])
            c70.addProduct(x, b0); c71.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa1[2])
            c80.addProduct(x, b0); c81.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa1[3])
            c90.addProduct(x, b0); c91.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa1[4])
            ca0.addProduct(x, b0); ca1.addProduct(x, b1)
            x = SIMD16<Float>(repeating: pa1[5])
            cb0.addProduct(x, b0); cb1.addProduct(x, b1)
            pa += 6
            pa1 += 6
            pb += 128
        }
        store(c00, c01, to: c, alpha: alpha, beta: beta)
        store(c10, c11, to: c + ldc, alpha: alpha, beta: beta)
        store(c20, c21, to: c + 2 &* ldc, alpha: alpha, beta: beta)
        store(c30, c31, to: c + 3 &* ldc, alpha: alpha, beta: beta)
        store(c40, c41, to: c + 4 &* ldc, alpha: alpha, beta: beta)
        store(c50, c51, to: c + 5 &* ldc, alpha: alpha, beta: beta)
        store(c60, c61, to: c + 6 &* ldc, alpha: alpha, beta: beta)
        store(c70, c71, to: c + 7 &* ldc, alpha: alpha, beta: beta)
        store(c80, c81, to: c + 8 &* ldc, alpha: alpha, beta: beta)
        store(c90, c91, to: c + 9 &* ldc, alpha: alpha, beta: beta)
        store(ca0, ca1, to: c + 10 &* ldc, alpha: alpha, beta: beta)
        store(cb0, cb1, to: c + 11 &* ldc, alpha: alpha, beta: beta)
    }

    @inline(__always)
    static func store(
        _ v0: SIMD16<Float>, _ v1: SIMD16<Float>, to c: UnsafeMutablePointer<Float>, alpha: Float, beta: Float
    ) {
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
