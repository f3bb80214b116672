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
///
/// The scores are computed transposed, keys down and queries across (Sᵀ = K·Qᵀ), and written straight into the
/// GEMM's packed-B layout (panels of 32 queries): the softmax statistics then run with SIMD across queries, and
/// the probabilities feed the second product (Oᵀ += Vᵀ·Pᵀ) without being repacked. Each block's output is
/// transposed back once at the end.
public enum Attention {
    /// Queries per block (whole 32-query panels).
    static let blockQ = 128
    /// Keys per block (a multiple of the 12-row register tile of the scores product).
    static let blockK = 120

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
        let mr = GEMMBlocking.mr, nr = GEMMBlocking.nr
        let kBlocks = (tk + blockK - 1) / blockK
        let tkPad = (tk + mr - 1) / mr * mr, dvPad = (dv + mr - 1) / mr * mr
        // Phase 1: pack every head's K as row panels (keys down, depth d) and Vᵀ per key block (value columns
        // down, depth = the block's keys).
        let kSize = tkPad * d, vSize = kBlocks * blockK * dvPad
        let packed = Scratch.current.buffer(slot: 8, count: bh * (kSize + vSize))
        pool.parallelFor(bh, grain: 1) { range in
            for i in range {
                let kp = packed + i * (kSize + vSize), vp = kp + kSize
                GEMMKernel.packA(.none, a: k + i * tk * d, lda: d, i0: 0, mc: tk, k0: 0, kc: d, into: kp)
                for kb in 0..<kBlocks {
                    let k0 = kb * blockK, bk = Swift.min(blockK, tk - k0)
                    GEMMKernel.packA(
                        .transposed, a: v + i * tk * dv, lda: dv, i0: 0, mc: dv, k0: k0, kc: bk,
                        into: vp + kb * blockK * dvPad)
                }
            }
        }
        // Phase 2: blocks of queries against blocks of keys with an online softmax.
        let qBlocks = (tq + blockQ - 1) / blockQ
        let packedAll = UnsafePointer(packed)
        pool.parallelFor(bh * qBlocks, grain: 1) { range in
            let scratch = Scratch.current
            let scores = scratch.buffer(slot: 3, count: blockK * blockQ)  // Sᵀ, then Pᵀ: panels [bk][32]
            let acc = scratch.buffer(slot: 4, count: dvPad * blockQ)  // unnormalized Oᵀ [dv, bqPad]
            let stats = scratch.buffer(slot: 5, count: 3 * blockQ)  // running max, running sum, correction
            let qPacked = scratch.buffer(slot: 9, count: blockQ * d)
            let tile = scratch.buffer(slot: 2, count: mr * nr)
            for task in range {
                let head = task / qBlocks, qb = task % qBlocks
                let b = head / heads, h = head % heads
                let q0 = qb * blockQ, bq = Swift.min(blockQ, tq - q0)
                let panels = (bq + nr - 1) / nr, bqPad = panels * nr
                let kp = packedAll + head * (kSize + vSize), vp = kp + kSize
                let m = stats, l = stats + blockQ, correction = stats + 2 * blockQ
                for i in 0..<bqPad { m[i] = -.infinity; l[i] = 0 }
                acc.update(repeating: 0, count: dv * bqPad)
                GEMMKernel.packB(.transposed, b: q + head * tq * d, ldb: d, k0: 0, kc: d, j0: q0, nc: bq, into: qPacked)
                // Causal: key blocks starting past the last query of this block are skipped; keys inside a block
                // past a query's diagonal are masked below.
                let kEnd = masks.causal ? Swift.min(tk, q0 + bq) : tk
                var k0 = 0
                while k0 < kEnd {
                    let bk = Swift.min(blockK, tk - k0)
                    for p in 0..<panels {
                        let sp = scores + p &* bk &* nr
                        let first = q0 + p * nr
                        // Causal: keys past the panel's last query are hidden from all of it; their rows are
                        // zero probabilities instead of computed scores.
                        let visible = masks.causal ? Swift.min(bk, Swift.max(0, first + nr - k0)) : bk
                        if visible < bk { (sp + visible &* nr).update(repeating: 0, count: (bk - visible) &* nr) }
                        if visible == 0 {
                            (correction + p * nr).update(repeating: 1, count: nr)
                            continue
                        }
                        // Sᵀ panel [visible, 32] = scale · k[k0.., :] · q[panel queries, :]ᵀ
                        GEMMKernel.multiplyPacked(
                            m: visible, n: nr, kc: d, packedA: kp + k0 * d, packedB: qPacked + p * d * nr,
                            alpha: scale, beta: 0, c: sp, ldc: nr, tile: tile)
                        applyMasks(
                            masks, to: sp, keys: k0, count: visible, queries: first,
                            valid: Swift.min(nr, tq - first), batch: b, head: h, keyLength: tk)
                        softmaxPanel(
                            sp, rows: visible, max: m + p * nr, sum: l + p * nr, correction: correction + p * nr)
                    }
                    // Rescale the columns whose maximum moved, then Oᵀ [dv, bqPad] += Vᵀ[:, k0..] · Pᵀ.
                    for c in 0..<dv {
                        let row = acc + c &* bqPad
                        for i in 0..<bqPad { row[i] *= correction[i] }
                    }
                    GEMMKernel.multiplyPacked(
                        m: dv, n: bqPad, kc: bk, packedA: vp + (k0 / blockK) * blockK * dvPad,
                        packedB: scores, alpha: 1, beta: 1, c: acc, ldc: bqPad, tile: tile)
                    k0 += bk
                }
                // Normalize (across queries, vectorized), then transpose Oᵀ back into out in 16 × 16 blocks.
                for i in 0..<bqPad { correction[i] = l[i] > 0 ? 1 / l[i] : 0 }
                for c in 0..<dv {
                    let row = acc + c &* bqPad
                    for i in 0..<bqPad { row[i] *= correction[i] }
                }
                storeTransposed(acc, stride: bqPad, rows: dv, columns: bq, to: out + (head * tq + q0) * dv)
            }
        }
    }

    /// out[i·rows + c] = src[c·stride + i] for c < rows, i < columns: whole 16 × 16 blocks through registers,
    /// the edges element by element.
    @inline(__always)
    static func storeTransposed(
        _ src: UnsafePointer<Float>, stride: Int, rows: Int, columns: Int, to out: UnsafeMutablePointer<Float>
    ) {
        let rows16 = rows / 16 * 16, columns16 = columns / 16 * 16
        for c in Swift.stride(from: 0, to: rows16, by: 16) {
            for i in Swift.stride(from: 0, to: columns16, by: 16) {
                GEMMKernel.transpose16x16(
                    from: src + (c &* stride &+ i), stride: stride, to: out + (i &* rows &+ c), stride: rows)
            }
        }
        for i in 0..<columns {
            let o = out + i &* rows
            let c0 = i < columns16 ? rows16 : 0
            for c in c0..<rows { o[c] = src[c &* stride &+ i] }
        }
    }

    /// Adds the masks to a scores panel `s[r·32 + j]` for keys `keys + r` and queries `queries + j` (only the
    /// first `valid` queries exist; the others are padding whose output is never stored).
    @inline(__always)
    static func applyMasks(
        _ masks: AttentionMasks, to s: UnsafeMutablePointer<Float>, keys k0: Int, count bk: Int, queries q0: Int,
        valid: Int, batch b: Int, head h: Int, keyLength tk: Int
    ) {
        let nr = GEMMBlocking.nr
        if let add = masks.additive {
            let st = masks.additiveStrides
            let base = b &* st.0 &+ h &* st.1 &+ q0 &* st.2
            for r in 0..<bk {
                let row = s + r &* nr, kb = base &+ (k0 &+ r) &* st.3
                if st.2 == 0 {
                    let x = add[kb]
                    for j in 0..<nr { row[j] += x }
                } else {
                    for j in 0..<valid { row[j] += add[kb &+ j &* st.2] }
                }
            }
        }
        if let pad = masks.keyPadding {
            let pr = pad + (b &* tk &+ k0)
            for r in 0..<bk where pr[r] == 0 { (s + r &* nr).update(repeating: -.infinity, count: nr) }
        }
        if masks.causal {
            // Key k0 + r is hidden from the queries q0 + j with j < k0 + r − q0.
            for r in 0..<bk where k0 &+ r > q0 {
                (s + r &* nr).update(repeating: -.infinity, count: Swift.min(nr, k0 &+ r &- q0))
            }
        }
    }

    /// One online-softmax step over a scores panel (keys down, 32 queries across): updates each query's running
    /// max and sum, turns the scores into exp(s − max) in place and leaves exp(old max − new max) in `correction`
    /// for rescaling the output so far. A query with no visible key yet keeps max −∞, sum 0 and zeros.
    @inline(__always)
    static func softmaxPanel(
        _ s: UnsafeMutablePointer<Float>, rows: Int, max m: UnsafeMutablePointer<Float>,
        sum l: UnsafeMutablePointer<Float>, correction: UnsafeMutablePointer<Float>
    ) {
        let nr = GEMMBlocking.nr
        let mp = UnsafeMutableRawPointer(m), lp = UnsafeMutableRawPointer(l)
        var top0 = mp.loadUnaligned(as: SIMD16<Float>.self)
        var top1 = mp.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        for r in 0..<rows {
            let row = UnsafeRawPointer(s + r &* nr)
            // `replace(with:where: .>)` is one vmaxps; stdlib `pointwiseMax` goes lane by lane.
            let v0 = row.loadUnaligned(as: SIMD16<Float>.self)
            let v1 = row.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            top0.replace(with: v0, where: v0 .> top0)
            top1.replace(with: v1, where: v1 .> top1)
        }
        // Shift by the new max, floored at the lowest finite float: where no key is visible yet, −∞ − shift
        // stays −∞ and gives 0 instead of NaN.
        let floor = SIMD16<Float>(repeating: -.greatestFiniteMagnitude)
        let shift0 = top0.replacing(with: floor, where: top0 .< floor)
        let shift1 = top1.replacing(with: floor, where: top1 .< floor)
        let old0 = mp.loadUnaligned(as: SIMD16<Float>.self)
        let old1 = mp.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        let correction0 = VectorOps.expNonPositive(old0 - shift0)
        let correction1 = VectorOps.expNonPositive(old1 - shift1)
        let cp = UnsafeMutableRawPointer(correction)
        cp.storeBytes(of: correction0, as: SIMD16<Float>.self)
        cp.storeBytes(of: correction1, toByteOffset: 64, as: SIMD16<Float>.self)
        var total0 = SIMD16<Float>.zero, total1 = SIMD16<Float>.zero
        for r in 0..<rows {
            let row = UnsafeMutableRawPointer(s + r &* nr)
            let e0 = VectorOps.expNonPositive(row.loadUnaligned(as: SIMD16<Float>.self) - shift0)
            let e1 = VectorOps.expNonPositive(row.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self) - shift1)
            row.storeBytes(of: e0, as: SIMD16<Float>.self)
            row.storeBytes(of: e1, toByteOffset: 64, as: SIMD16<Float>.self)
            total0 += e0
            total1 += e1
        }
        let sum0 = lp.loadUnaligned(as: SIMD16<Float>.self) * correction0 + total0
        let sum1 = lp.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self) * correction1 + total1
        lp.storeBytes(of: sum0, as: SIMD16<Float>.self)
        lp.storeBytes(of: sum1, toByteOffset: 64, as: SIMD16<Float>.self)
        mp.storeBytes(of: top0, as: SIMD16<Float>.self)
        mp.storeBytes(of: top1, toByteOffset: 64, as: SIMD16<Float>.self)
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
