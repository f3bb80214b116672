import Foundation
import TensorCore

// Follows diffusers' get_timestep_embedding (Timesteps module).

/// Sinusoidal timestep features `[B, dim]`: for frequency `f_i = exp(−ln(maxPeriod)·i / (dim/2 − shift))`,
/// `[sin(t·f_i) …, cos(t·f_i) …]`, or cosines first when `flipSinToCos`; an odd `dim` gets a zero last column.
/// Computed in float32 step by step as PyTorch does, so the features match the reference bit for bit on most
/// entries (the time MLP amplifies any difference).
public func sinusoidalTimestepFeatures(
    _ timesteps: [Float], dim: Int, flipSinToCos: Bool, downscaleFreqShift: Float, maxPeriod: Float = 10000
) throws -> Tensor {
    let half = dim / 2
    var out = try Tensor(zeros: [timesteps.count, dim])
    guard half > 0 else { return out }
    let logPeriod = -Float(log(Double(maxPeriod)))
    let denominator = Float(half) - downscaleFreqShift
    let frequencies = (0..<half).map { i in Foundation.exp(logPeriod * Float(i) / denominator) }
    out.withUnsafeMutableBufferPointer { p in
        for (b, t) in timesteps.enumerated() {
            let row = b * dim
            for i in 0..<half {
                let arg = t * frequencies[i]
                let s = Foundation.sin(arg), c = Foundation.cos(arg)
                p[row + i] = flipSinToCos ? c : s
                p[row + half + i] = flipSinToCos ? s : c
            }
        }
    }
    return out
}
