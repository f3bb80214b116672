import Foundation

/// Masks for `Attention.forward`. All are optional and combine.
public struct AttentionMasks {
    /// Query i may not attend to key j > i (top-left aligned, as PyTorch's `is_causal`).
    public var causal = false
    /// `[batch, keyLength]`: 0 marks a padding key that no query may attend to; anything else attends.
    public var keyPadding: UnsafePointer<Float>? = nil
    /// Added to the scaled scores: element (b, h, i, j) is at `additive[b·s.0 + h·s.1 + i·s.2 + j·s.3]`
    /// with `additiveStrides` = s (use 0 to broadcast a dimension; −∞ masks).
    public var additive: UnsafePointer<Float>? = nil
    public var additiveStrides: (Int, Int, Int, Int) = (0, 0, 0, 1)

    public init(
        causal: Bool = false, keyPadding: UnsafePointer<Float>? = nil, additive: UnsafePointer<Float>? = nil,
        additiveStrides: (Int, Int, Int, Int) = (0, 0, 0, 1)
    ) {
        self.causal = causal; self.keyPadding = keyPadding; self.additive = additive
        self.additiveStrides = additiveStrides
    }
}

/// Scaled dot-product attention computed blockwise (flash style): memory is linear in sequence length.
///
/// Shapes (contiguous): q `[B, H, TQ, D]`, k `[B, H, TK, D]`, v `[B, H, TK, DV]`, out `[B, H, TQ, DV]`.
/// out = softmax(scale · q·kᵀ + masks) · v, computed per block of `blockQ` queries × `blockK` keys with a running
/// max and sum (online softmax). A query row whose keys are all masked gets zeros.
public enum Attention {
    /// Queries per block (a multiple of the GEMM's 6-row register tile).
    static let blockQ = 120
    /// Keys per block (a multiple of the GEMM's 32-column register tile).
    static let blockK = 128

    public static func forward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
        batch: Int, heads: Int, queryLength tq: Int, keyLength tk: Int, headDim d: Int, valueDim dv: Int,
        scale: Float, masks: AttentionMasks = AttentionMasks(), pool: ThreadPool = .shared
    ) {
        let bh = batch * heads
        if bh == 0 || tq == 0 || dv == 0 { return }
        if tk == 0 || d == 0 {
            // No keys (or empty dot products): every row is fully masked, or uniform over keys.
            out.update(repeating: 0, count: bh * tq * dv)
            if tk > 0 { fallbackUniform(v: v, out: out, bh: bh, tq: tq, tk: tk, dv: dv, masks: masks, heads: heads) }
            return
        }
        let nr = GEMMBlocking.nr
        let kBlocks = (tk + blockK - 1) / blockK
        let dvPad = (dv + nr - 1) / nr * nr, tkPad = (tk + nr - 1) / nr * nr
        // Phase 1: pack every head's Kᵀ (panels of 32 keys × d) and V (per key block, panels of 32 value columns).
        let kSize = tkPad * d, vSize = kBlocks * blockK * dvPad
        let packed = Scratch.current.buffer(slot: 8, count: bh * (kSize + vSize))
        pool.parallelFor(bh, grain: 1) { range in
            for i in range {
                let kp = packed + i * (kSize + vSize), vp = kp + kSize
                GEMMKernel.packB(.transposed, b: k + i * tk * d, ldb: d, k0: 0, kc: d, j0: 0, nc: tk, into: kp)
                for kb in 0..<kBlocks {
                    let k0 = kb * blockK, bk = Swift.min(blockK, tk - k0)
                    GEMMKernel.packB(
                        .none, b: v + i * tk * dv, ldb: dv, k0: k0, kc: bk, j0: 0, nc: dv,
                        into: vp + kb * blockK * dvPad)
                }
            }
        }
        // Phase 2: blocks of queries against blocks of keys with an online softmax.
        let qBlocks = (tq + blockQ - 1) / blockQ
        let packedAll = UnsafePointer(packed)
        pool.parallelFor(bh * qBlocks, grain: 1) { range in
            let scratch = Scratch.current
            let s = scratch.buffer(slot: 3, count: blockQ * blockK)  // scores, then probabilities [bq, bk]
            let acc = scratch.buffer(slot: 4, count: blockQ * dv)  // unnormalized output [bq, dv]
            let stats = scratch.buffer(slot: 5, count: 2 * blockQ)  // running max, running sum
            let qPacked = scratch.buffer(slot: 9, count: (blockQ + 6) * d)
            let pPacked = scratch.buffer(slot: 10, count: (blockQ + 6) * blockK)
            let tile = scratch.buffer(slot: 2, count: 6 * 32)
            for task in range {
                let head = task / qBlocks, qb = task % qBlocks
                let b = head / heads, h = head % heads
                let q0 = qb * blockQ, bq = Swift.min(blockQ, tq - q0)
                let kp = packedAll + head * (kSize + vSize), vp = kp + kSize
                let m = stats, l = stats + blockQ
                for i in 0..<bq { m[i] = -.infinity; l[i] = 0 }
                acc.update(repeating: 0, count: bq * dv)
                GEMMKernel.packA(.none, a: q + head * tq * d, lda: d, i0: q0, mc: bq, k0: 0, kc: d, into: qPacked)
                // Causal: key blocks starting past the last query of this block are skipped. A block is always
                // whole (bk as packed); keys inside it past the diagonal are masked below.
                let kEnd = masks.causal ? Swift.min(tk, q0 + bq) : tk
                var k0 = 0
                while k0 < kEnd {
                    let bk = Swift.min(blockK, tk - k0)
                    // s [bq, bk] = scale · q[q0.., :] · k[k0.., :]ᵀ
                    GEMMKernel.multiplyPacked(
                        m: bq, n: bk, kc: d, packedA: qPacked, packedB: kp + (k0 / nr) * d * nr,
                        alpha: scale, beta: 0, c: s, ldc: bk, tile: tile)
                    for i in 0..<bq {
                        let row = s + i &* bk
                        let qi = q0 + i
                        if let add = masks.additive {
                            let st = masks.additiveStrides
                            let base = b &* st.0 &+ h &* st.1 &+ qi &* st.2
                            if st.3 == 1 {
                                let ar = add + (base &+ k0)
                                for j in 0..<bk { row[j] += ar[j] }
                            } else {
                                for j in 0..<bk { row[j] += add[base &+ (k0 &+ j) &* st.3] }
                            }
                        }
                        if let pad = masks.keyPadding {
                            let pr = pad + (b &* tk &+ k0)
                            for j in 0..<bk where pr[j] == 0 { row[j] = -.infinity }
                        }
                        if masks.causal && k0 &+ bk > qi &+ 1 {
                            for j in Swift.max(0, qi &+ 1 &- k0)..<bk { row[j] = -.infinity }
                        }
                        let mx = VectorOps.max(row, bk, initial: m[i])
                        if mx == -.infinity {
                            // Nothing visible yet in this row: contributes nothing.
                            row.update(repeating: 0, count: bk)
                            continue
                        }
                        let correction = exp(m[i] - mx)
                        let sum = VectorOps.expSubtracting(row, bk, mx)
                        l[i] = l[i] * correction + sum
                        m[i] = mx
                        if correction != 1 {
                            let ar = acc + i &* dv
                            for c in 0..<dv { ar[c] *= correction }
                        }
                    }
                    // acc [bq, dv] += p [bq, bk] · v[k0.., :]
                    GEMMKernel.packA(.none, a: s, lda: bk, i0: 0, mc: bq, k0: 0, kc: bk, into: pPacked)
                    GEMMKernel.multiplyPacked(
                        m: bq, n: dv, kc: bk, packedA: pPacked, packedB: vp + (k0 / blockK) * blockK * dvPad,
                        alpha: 1, beta: 1, c: acc, ldc: dv, tile: tile)
                    k0 += bk
                }
                let op = out + (head * tq + q0) * dv
                for i in 0..<bq {
                    let inv: Float = l[i] > 0 ? 1 / l[i] : 0
                    for c in 0..<dv { op[i &* dv &+ c] = acc[i &* dv &+ c] * inv }
                }
            }
        }
    }

    /// The d = 0 case: every score is 0 (plus masks), so each output row averages the visible values.
    static func fallbackUniform(
        v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, bh: Int, tq: Int, tk: Int,
        dv: Int, masks: AttentionMasks, heads: Int
    ) {
        var scores = [Float](repeating: 0, count: tk)
        for head in 0..<bh {
            let b = head / heads, h = head % heads
            for i in 0..<tq {
                for j in 0..<tk {
                    var x: Float = 0
                    if let add = masks.additive {
                        let st = masks.additiveStrides
                        x += add[b * st.0 + h * st.1 + i * st.2 + j * st.3]
                    }
                    if let pad = masks.keyPadding, pad[b * tk + j] == 0 { x = -.infinity }
                    if masks.causal && j > i { x = -.infinity }
                    scores[j] = x
                }
                let mx = scores.max() ?? -.infinity
                if mx == -.infinity { continue }
                var z: Float = 0
                for j in 0..<tk { scores[j] = exp(scores[j] - mx); z += scores[j] }
                for j in 0..<tk {
                    for c in 0..<dv { out[(head * tq + i) * dv + c] += scores[j] / z * v[(head * tk + j) * dv + c] }
                }
            }
        }
    }
}

/// `sgemm` on the calling thread only (for kernels that are already parallel).
func sgemmSerial(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m <= 0 || n <= 0 { return }
    if k <= 0 || alpha == 0 {
        GEMMKernel.scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
        return
    }
    GEMMKernel.serial(
        transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c,
        ldc: ldc)
}

extension Attention {
    /// Gradients of `forward` (same shapes and masks), accumulated into dq, dk, dv (each optional).
    ///
    /// Recomputes the probabilities one head at a time: P = softmax(scale·q·kᵀ + masks) `[TQ, TK]`,
    /// dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ += scale·dS·K, dK += scale·dSᵀ·Q.
    /// Memory is TQ·TK floats per thread (training sequences are short; inference never calls this).
    public static func backward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
        dq: UnsafeMutablePointer<Float>?, dk: UnsafeMutablePointer<Float>?, dv: UnsafeMutablePointer<Float>?,
        batch: Int, heads: Int, queryLength tq: Int, keyLength tk: Int, headDim d: Int, valueDim dvDim: Int,
        scale: Float, masks: AttentionMasks = AttentionMasks(), pool: ThreadPool = .shared
    ) {
        let bh = batch * heads
        if bh == 0 || tq == 0 || tk == 0 { return }
        pool.parallelFor(bh, grain: 1) { range in
            let scratch = Scratch.current
            let p = scratch.buffer(slot: 11, count: tq * tk)
            let dp = scratch.buffer(slot: 12, count: tq * tk)
            for head in range {
                let b = head / heads, h = head % heads
                let qh = q + head * tq * d, kh = k + head * tk * d, vh = v + head * tk * dvDim
                let doh = dOut + head * tq * dvDim
                sgemmSerial(
                    .none, .transposed, m: tq, n: tk, k: d, alpha: scale, a: qh, lda: d, b: kh, ldb: d, beta: 0,
                    c: p, ldc: tk)
                for i in 0..<tq {
                    let row = p + i &* tk
                    for j in 0..<tk {
                        if let add = masks.additive {
                            let st = masks.additiveStrides
                            row[j] += add[b &* st.0 &+ h &* st.1 &+ i &* st.2 &+ j &* st.3]
                        }
                        if let pad = masks.keyPadding, pad[b &* tk &+ j] == 0 { row[j] = -.infinity }
                        if masks.causal && j > i { row[j] = -.infinity }
                    }
                }
                Softmax.forward(p, p, rows: tq, cols: tk, pool: ThreadPool.serial)
                if let dv {
                    sgemmSerial(
                        .transposed, .none, m: tk, n: dvDim, k: tq, alpha: 1, a: p, lda: tk, b: doh, ldb: dvDim,
                        beta: 1, c: dv + head * tk * dvDim, ldc: dvDim)
                }
                if dq == nil && dk == nil { continue }
                sgemmSerial(
                    .none, .transposed, m: tq, n: tk, k: dvDim, alpha: 1, a: doh, lda: dvDim, b: vh, ldb: dvDim,
                    beta: 0, c: dp, ldc: tk)
                for i in 0..<tq {
                    let pr = p + i &* tk, dr = dp + i &* tk
                    let dot = VectorOps.dot(pr, dr, tk)
                    for j in 0..<tk { dr[j] = pr[j] * (dr[j] - dot) }
                }
                if let dq {
                    sgemmSerial(
                        .none, .none, m: tq, n: d, k: tk, alpha: scale, a: dp, lda: tk, b: kh, ldb: d, beta: 1,
                        c: dq + head * tq * d, ldc: d)
                }
                if let dk {
                    sgemmSerial(
                        .transposed, .none, m: tk, n: d, k: tq, alpha: scale, a: dp, lda: tk, b: qh, ldb: d,
                        beta: 1, c: dk + head * tk * d, ldc: d)
                }
            }
        }
    }
}
