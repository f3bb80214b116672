import Foundation

/// Point-wise activation functions, forward next to backward, over flat buffers of `n` floats.
///
/// Backward kernels take the forward input `x` and the output gradient `dy` and *accumulate* into `dx`
/// (`dx += dy · f'(x)`), as autograd sums gradients over uses.
public enum Activation: Sendable, CaseIterable {
    /// GELU with the exact Gauss error function: `0.5·x·(1 + erf(x/√2))` (PyTorch `gelu`, CLIP-L, UNets).
    case gelu
    /// GELU, tanh approximation: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (`approximate="tanh"`).
    case geluTanh
    /// `x·σ(1.702·x)` (OpenAI CLIP).
    case quickGelu
    /// `x·σ(x)`, also called swish (UNets, time embeddings).
    case silu

    /// y[i] = f(x[i]) for i in 0..<n. `x` and `y` may be the same buffer.
    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int,
        pool: ThreadPool = .shared
    ) {
        pool.parallelFor(n, grain: 1 << 15) { r in
            apply(x + r.lowerBound, y + r.lowerBound, count: r.count)
        }
    }

    /// y[i] = f(x[i]) for i in 0..<n on the calling thread (for kernels that fuse an activation into their own
    /// pass). `x` and `y` may be the same buffer.
    @inline(__always)
    func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        switch self {
        case .gelu:
            for i in 0..<n { y[i] = 0.5 * x[i] * (1 + erf(x[i] * 0.70710678118654752)) }
        case .geluTanh:
            for i in 0..<n {
                let v = x[i]
                let u = 0.7978845608028654 * (v + 0.044715 * v * v * v)
                y[i] = 0.5 * v * (1 + Activation.tanhFast(u))
            }
        case .quickGelu:
            for i in 0..<n { y[i] = x[i] / (1 + exp(-1.702 * x[i])) }
        case .silu:
            for i in 0..<n { y[i] = x[i] / (1 + exp(-x[i])) }
        }
    }

    /// dx[i] += dy[i] · f'(x[i]) for i in 0..<n.
    public func backward(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count n: Int,
        pool: ThreadPool = .shared
    ) {
        pool.parallelFor(n, grain: 1 << 14) { r in
            switch self {
            case .gelu:
                for i in r {
                    let v = x[i]
                    let cdf = 0.5 * (1 + erf(v * 0.70710678118654752))
                    let pdf = exp(-0.5 * v * v) * 0.3989422804014327
                    dx[i] += dy[i] * (cdf + v * pdf)
                }
            case .geluTanh:
                for i in r {
                    let v = x[i]
                    let u = 0.7978845608028654 * (v + 0.044715 * v * v * v)
                    let t = Activation.tanhFast(u)
                    let du = 0.7978845608028654 * (1 + 3 * 0.044715 * v * v)
                    dx[i] += dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du)
                }
            case .quickGelu:
                for i in r {
                    let s = 1 / (1 + exp(-1.702 * x[i]))
                    dx[i] += dy[i] * (s + 1.702 * x[i] * s * (1 - s))
                }
            case .silu:
                for i in r {
                    let s = 1 / (1 + exp(-x[i]))
                    dx[i] += dy[i] * s * (1 + x[i] * (1 - s))
                }
            }
        }
    }

    /// tanh through `exp` (which vectorizes with libmvec; `tanhf` does not): `1 − 2/(e^{2u} + 1)`.
    /// Absolute error ≤ ~1.2e-7; saturates cleanly for large |u|.
    @inline(__always)
    static func tanhFast(_ u: Float) -> Float {
        1 - 2 / (exp(2 * u) + 1)
    }
}
