import Foundation

/// Softmax over the last dimension of a `[rows, cols]` buffer.
public enum Softmax {
    /// y[r, :] = exp(x[r, :] − max) / Σ exp(x[r, :] − max). Rows that are all −∞ give zeros. `x` may equal `y`.
    public static func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
        pool: ThreadPool = .shared
    ) {
        pool.parallelFor(rows, grain: max(1, 8192 / max(1, cols))) { range in
            for r in range {
                let xr = x + r &* cols, yr = y + r &* cols
                let m = VectorOps.max(xr, cols)
                if m == -.infinity {
                    yr.update(repeating: 0, count: cols)
                    continue
                }
                if UnsafePointer(yr) != xr { yr.update(from: xr, count: cols) }
                let sum = VectorOps.expSubtracting(yr, cols, m)
                let inv = 1 / sum
                for j in 0..<cols { yr[j] *= inv }
            }
        }
    }

    /// dx[r, j] += y[r, j] · (dy[r, j] − Σ_k dy[r, k] · y[r, k]), from the forward output `y`.
    public static func backward(
        y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, pool: ThreadPool = .shared
    ) {
        pool.parallelFor(rows, grain: max(1, 8192 / max(1, cols))) { range in
            for r in range {
                let o = r &* cols
                let dot = VectorOps.dot(dy + o, y + o, cols)
                for j in 0..<cols { dx[o &+ j] += y[o &+ j] * (dy[o &+ j] - dot) }
            }
        }
    }
}
