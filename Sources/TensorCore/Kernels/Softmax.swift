import Foundation

/// Softmax over the last dimension of a `[rows, cols]` buffer.
public enum Softmax {
    /// y[r, :] = exp(x[r, :] − max) / Σ exp(x[r, :] − max). Rows that are all −∞ give zeros. `x` may equal `y`.
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                               pool: ThreadPool = .shared) {
        pool.parallelFor(rows, grain: max(1, 8192 / max(1, cols))) { range in
            for r in range {
                let xr = x + r &* cols, yr = y + r &* cols
                var m = -Float.infinity
                for j in 0..<cols { m = max(m, xr[j]) }
                if m == -.infinity {
                    yr.update(repeating: 0, count: cols)
                    continue
                }
                var sum: Float = 0
                for j in 0..<cols {
                    let e = exp(xr[j] - m)
                    yr[j] = e
                    sum += e
                }
                let inv = 1 / sum
                for j in 0..<cols { yr[j] *= inv }
            }
        }
    }

    /// dx[r, j] += y[r, j] · (dy[r, j] − Σ_k dy[r, k] · y[r, k]), from the forward output `y`.
    public static func backward(y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                rows: Int, cols: Int, pool: ThreadPool = .shared) {
        pool.parallelFor(rows, grain: max(1, 8192 / max(1, cols))) { range in
            for r in range {
                let o = r &* cols
                var dot: Float = 0
                for j in 0..<cols { dot += dy[o &+ j] * y[o &+ j] }
                for j in 0..<cols { dx[o &+ j] += y[o &+ j] * (dy[o &+ j] - dot) }
            }
        }
    }
}
