/// Layer normalization over the last dimension (PyTorch `LayerNorm(C)`), llm.c style.
///
/// Shapes: x, y, dx, dy `[rows, C]`; weight, bias, dweight, dbias `[C]`; mean, rstd `[rows]`.
public enum LayerNorm {
    /// y = (x − mean) · rstd · weight + bias with rstd = 1/√(var + eps) (biased variance).
    /// Writes the per-row `mean` and `rstd` when given (the backward needs them).
    public static func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>?,
        bias: UnsafePointer<Float>?, rows: Int, channels c: Int, eps: Float,
        mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil, pool: ThreadPool = .shared
    ) {
        pool.parallelFor(rows, grain: max(1, 8192 / max(1, c))) { range in
            for r in range {
                let xr = x + r &* c, yr = y + r &* c
                let mu = VectorOps.sum(xr, c) / Float(c)
                let v = VectorOps.sumSquaredDeviation(xr, c, from: mu)
                let rs = 1 / (v / Float(c) + eps).squareRoot()
                switch (weight, bias) {
                case let (w?, b?): for j in 0..<c { yr[j] = (xr[j] - mu) * rs * w[j] + b[j] }
                case let (w?, nil): for j in 0..<c { yr[j] = (xr[j] - mu) * rs * w[j] }
                case let (nil, b?): for j in 0..<c { yr[j] = (xr[j] - mu) * rs + b[j] }
                case (nil, nil): for j in 0..<c { yr[j] = (xr[j] - mu) * rs }
                }
                mean?[r] = mu
                rstd?[r] = rs
            }
        }
    }

    /// Accumulates dx, and dweight/dbias when given, from dy and the saved mean/rstd.
    /// dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)) with g = dy · weight and x̂ the normalized input.
    /// dweight and dbias are summed serially over rows (they are shared by all rows).
    public static func backward(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, channels c: Int,
        dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?
    ) {
        for r in 0..<rows {
            let xr = x + r &* c, g = dy + r &* c
            let mu = mean[r], rs = rstd[r]
            var gMean: Float = 0, gxMean: Float = 0
            for j in 0..<c {
                let xhat = (xr[j] - mu) * rs
                let gj = g[j] * (weight?[j] ?? 1)
                gMean += gj
                gxMean += gj * xhat
                dweight?[j] += g[j] * xhat
                dbias?[j] += g[j]
            }
            gMean /= Float(c)
            gxMean /= Float(c)
            if let dx {
                let dxr = dx + r &* c
                for j in 0..<c {
                    let xhat = (xr[j] - mu) * rs
                    let gj = g[j] * (weight?[j] ?? 1)
                    dxr[j] += rs * (gj - gMean - xhat * gxMean)
                }
            }
        }
    }
}
