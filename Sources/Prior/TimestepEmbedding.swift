import Foundation
import NN

/// The timestep conditioning: a sinusoidal projection of the (possibly fractional) timestep, then
/// Linear → activation → Linear. Keys `linear_1`, `linear_2`.
// Follows diffusers' Timesteps(flip_sin_to_cos=True, downscale_freq_shift=0) and TimestepEmbedding.
public final class TimestepEmbedding: Module {
    public let linear1: Linear
    public let linear2: Linear
    /// The activation between the two layers.
    public let activation: Activation
    /// Width of the sinusoidal projection (the first layer's input).
    public let channels: Int

    /// `channels` sinusoidal features → `hiddenDim` → `outDim`.
    public init(channels: Int, hiddenDim: Int, outDim: Int, activation: Activation) throws {
        linear1 = try Linear(channels, hiddenDim)
        linear2 = try Linear(hiddenDim, outDim)
        self.activation = activation
        self.channels = channels
    }

    override public var checkpointKeys: [String: String] { ["linear1": "linear_1", "linear2": "linear_2"] }

    /// timesteps: B values → [B, outDim]
    public func callAsFunction(_ timesteps: [Float], tape: Tape) throws -> Variable {
        let projected = Variable.constant(try Self.sinusoids(timesteps, channels: channels))  // [B, channels]
        let hidden = try linear1(projected, tape: tape)  // [B, hiddenDim]
        let activated = tape.activation(hidden, activation)
        return try linear2(activated, tape: tape)  // [B, outDim]
    }

    /// The sinusoidal embedding [B, channels]: cos(t·f_i) for the first half, sin(t·f_i) for the second, with
    /// f_i = exp(−ln(10000) · i / half), and a zero column when `channels` is odd. Rounded in float32 in the
    /// reference's order (frequencies, then products) so that t = 999 gives the same angles.
    public static func sinusoids(_ timesteps: [Float], channels: Int) throws -> Tensor {
        let half = channels / 2
        let logPeriod = Float(-Foundation.log(10000.0))
        var frequencies = [Float](repeating: 0, count: half)
        for i in 0..<half { frequencies[i] = Foundation.exp(logPeriod * Float(i) / Float(half)) }
        var out = try Tensor(zeros: [timesteps.count, channels])
        out.withUnsafeMutableBufferPointer { p in
            for (b, t) in timesteps.enumerated() {
                let row = b * channels
                for i in 0..<half {
                    let angle = Double(t * frequencies[i])
                    p[row + i] = Float(Foundation.cos(angle))
                    p[row + half + i] = Float(Foundation.sin(angle))
                }
            }
        }
        return out
    }
}
