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

    public init(causal: Bool = false, keyPadding: UnsafePointer<Float>? = nil, additive: UnsafePointer<Float>? = nil,
                additiveStrides: (Int, Int, Int, Int) = (0, 0, 0, 1)) {
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
    static let blockQ = 64
    static let blockK = 128

    public static func forward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
        batch: Int, heads: Int, queryLength tq: Int, keyLength tk: Int, headDim d: Int, valueDim dv: Int,
        scale: Float, masks: AttentionMasks = AttentionMasks(), pool: ThreadPool = .shared
    ) {
        let qBlocks = (tq + blockQ - 1) / blockQ
        let tasks = batch * heads * qBlocks
        if tasks == 0 { return }
        pool.parallelFor(tasks, grain: 1) { range in
            let scratch = Scratch.current
            let s = scratch.buffer(slot: 3, count: blockQ * blockK)   // scores / probabilities [bq, bk]
            let acc = scratch.buffer(slot: 4, count: blockQ * dv)    // unnormalized output [bq, dv]
            let stats = scratch.buffer(slot: 5, count: 2 * blockQ)   // running max, running sum
            for task in range {
                let bh = task / qBlocks, qb = task % qBlocks
                let b = bh / heads, h = bh % heads
                let q0 = qb * blockQ, bq = Swift.min(blockQ, tq - q0)
                let qp = q + (bh * tq + q0) * d
                let kp = k + bh * tk * d, vp = v + bh * tk * dv
                let m = stats, l = stats + blockQ
                for i in 0..<bq { m[i] = -.infinity; l[i] = 0 }
                acc.update(repeating: 0, count: bq * dv)
                // Causal: keys past the last query of this block are never seen.
                let kEnd = masks.causal ? Swift.min(tk, q0 + bq) : tk
                var k0 = 0
                while k0 < kEnd {
                    let bk = Swift.min(blockK, kEnd - k0)
                    // s [bq, bk] = scale · q[q0.., :] · k[k0.., :]ᵀ
                    sgemmSerial(.none, .transposed, m: bq, n: bk, k: d, alpha: scale, a: qp, lda: d, b: kp + k0 * d, ldb: d,
                                beta: 0, c: s, ldc: bk)
                    for i in 0..<bq {
                        let row = s + i &* bk
                        let qi = q0 + i
                        if let add = masks.additive {
                            let st = masks.additiveStrides
                            let base = b &* st.0 &+ h &* st.1 &+ qi &* st.2
                            for j in 0..<bk { row[j] += add[base &+ (k0 &+ j) &* st.3] }
                        }
                        if let pad = masks.keyPadding {
                            let pr = pad + (b &* tk &+ k0)
                            for j in 0..<bk where pr[j] == 0 { row[j] = -.infinity }
                        }
                        if masks.causal {
                            for j in 0..<bk where k0 &+ j > qi { row[j] = -.infinity }
                        }
                        var mx = m[i]
                        for j in 0..<bk { mx = Swift.max(mx, row[j]) }
                        if mx == -.infinity {
                            // Nothing visible yet in this row: contributes nothing.
                            for j in 0..<bk { row[j] = 0 }
                            continue
                        }
                        let correction = exp(m[i] - mx)
                        var sum: Float = 0
                        for j in 0..<bk {
                            let p = exp(row[j] - mx)
                            row[j] = p
                            sum += p
                        }
                        l[i] = l[i] * correction + sum
                        m[i] = mx
                        if correction != 1 {
                            let ar = acc + i &* dv
                            for c in 0..<dv { ar[c] *= correction }
                        }
                    }
                    // acc [bq, dv] += p [bq, bk] · v[k0.., :]
                    sgemmSerial(.none, .none, m: bq, n: dv, k: bk, alpha: 1, a: s, lda: bk, b: vp + k0 * dv, ldb: dv,
                                beta: 1, c: acc, ldc: dv)
                    k0 += bk
                }
                let op = out + (bh * tq + q0) * dv
                for i in 0..<bq {
                    let inv: Float = l[i] > 0 ? 1 / l[i] : 0
                    for c in 0..<dv { op[i &* dv &+ c] = acc[i &* dv &+ c] * inv }
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
    GEMMKernel.serial(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c,
                      ldc: ldc)
}
