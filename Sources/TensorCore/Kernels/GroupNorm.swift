/// Group normalization over NCHW (PyTorch `GroupNorm(groups, C)`): statistics per (sample, group) over
/// C/groups channels × H·W positions, then a per-channel affine.
///
/// Shapes: x, y, dx, dy `[N, C, HW]`; weight, bias `[C]`; mean, rstd `[N, groups]`. C must be divisible by groups.
public enum GroupNorm {
    /// y = (x − mean) · rstd · weight[c] + bias[c]; optionally saves mean and rstd per (n, group).
    ///
    /// For inference a UNet block's next steps can ride along in the same pass: with `modulation` (scale and
    /// shift `[N, C]` each) y becomes y · (1 + scale[n, c]) + shift[n, c], and `activation` is then applied to y.
    /// One read of x for the statistics and one read and write for the output, instead of a pass per step.
    public static func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>?,
        bias: UnsafePointer<Float>?, batch: Int, channels: Int, spatial hw: Int, groups: Int, eps: Float,
        mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil,
        modulation: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)? = nil, activation: Activation? = nil,
        pool: ThreadPool = .shared
    ) {
        let cpg = channels / groups, size = cpg &* hw
        pool.parallelFor(batch &* groups, grain: max(1, 16384 / max(1, size))) { range in
            for ng in range {
                let base = ng &* size
                let xg = x + base, yg = y + base
                // One pass over values shifted by the first one (so E[d²] − E[d]² does not cancel).
                let shift = size > 0 ? xg[0] : 0
                let (sd, sq) = VectorOps.shiftedMoments(xg, size, shift: shift)
                let md = sd / Float(size)
                let mu = shift + md
                let v = Swift.max(0, sq - sd * md)
                let rs = 1 / (v / Float(size) + eps).squareRoot()
                let g = ng % groups, n = ng / groups
                for cc in 0..<cpg {
                    let ch = g &* cpg &+ cc
                    var scale = rs * (weight?[ch] ?? 1)
                    var shift = (bias?[ch] ?? 0) - mu * scale
                    if let modulation {
                        // (x·scale + shift)·(1 + s) + t, folded into one multiply-add per element.
                        let s = 1 + modulation.scale[n &* channels &+ ch], t = modulation.shift[n &* channels &+ ch]
                        scale *= s
                        shift = shift * s + t
                    }
                    let o = cc &* hw
                    for i in 0..<hw { yg[o &+ i] = xg[o &+ i] * scale + shift }
                    // One channel's plane is still in cache.
                    activation?.apply(yg + o, yg + o, count: hw)
                }
                mean?[ng] = mu
                rstd?[ng] = rs
            }
        }
    }

    /// Accumulates dx (and dweight/dbias when given) from dy and the saved statistics.
    public static func backward(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, weight: UnsafePointer<Float>?, mean: UnsafePointer<Float>,
        rstd: UnsafePointer<Float>, batch: Int, channels: Int, spatial hw: Int, groups: Int,
        dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?
    ) {
        let cpg = channels / groups, size = cpg &* hw
        for ng in 0..<(batch &* groups) {
            let base = ng &* size, g = ng % groups
            let mu = mean[ng], rs = rstd[ng]
            var gMean: Float = 0, gxMean: Float = 0
            for cc in 0..<cpg {
                let ch = g &* cpg &+ cc
                let w = weight?[ch] ?? 1
                var dw: Float = 0, db: Float = 0
                for i in 0..<hw {
                    let idx = base &+ cc &* hw &+ i
                    let xhat = (x[idx] - mu) * rs
                    gMean += dy[idx] * w
                    gxMean += dy[idx] * w * xhat
                    dw += dy[idx] * xhat
                    db += dy[idx]
                }
                dweight?[ch] += dw
                dbias?[ch] += db
            }
            gMean /= Float(size)
            gxMean /= Float(size)
            if let dx {
                for cc in 0..<cpg {
                    let w = weight?[g &* cpg &+ cc] ?? 1
                    for i in 0..<hw {
                        let idx = base &+ cc &* hw &+ i
                        let xhat = (x[idx] - mu) * rs
                        dx[idx] += rs * (dy[idx] * w - gMean - xhat * gxMean)
                    }
                }
            }
        }
    }
}
