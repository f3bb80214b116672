import NN

/// A residual block with time conditioning: GroupNorm → activation → (resample) → conv3×3 → time term →
/// GroupNorm → activation → conv3×3, plus the (resampled, 1×1-projected when channels change) input, divided by
/// `outputScaleFactor`. Dropout is an identity at inference and is not modelled. Follows diffusers'
/// ResnetBlock2D (pre-norm, no FIR kernels).
public final class ResnetBlock2D: Module {
    /// Resampling inside the block, applied to both paths after the first activation (Karlo's `resblock_updown`).
    public enum Resampling: Sendable { case none, up, down }

    let norm1: NN.GroupNorm
    let conv1: Conv2d
    let timeEmbProj: Linear
    let norm2: NN.GroupNorm
    let conv2: Conv2d
    let convShortcut: Conv2d?
    let resampling: Resampling
    let timeConditioning: UNetConfig.TimeConditioning
    let activation: Activation
    let skipTimeActivation: Bool
    let outputScaleFactor: Float

    public let inChannels: Int
    public let outChannels: Int

    public init(
        inChannels: Int, outChannels: Int, timeEmbeddingDim: Int, groups: Int, eps: Float,
        timeConditioning: UNetConfig.TimeConditioning, activation: Activation, skipTimeActivation: Bool = false,
        outputScaleFactor: Float = 1, resampling: Resampling = .none
    ) throws {
        norm1 = try NN.GroupNorm(groups: groups, channels: inChannels, eps: eps)
        conv1 = try Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1)
        let timeWidth = timeConditioning == .scaleShift ? 2 * outChannels : outChannels
        timeEmbProj = try Linear(timeEmbeddingDim, timeWidth)
        norm2 = try NN.GroupNorm(groups: groups, channels: outChannels, eps: eps)
        conv2 = try Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1)
        convShortcut = inChannels == outChannels ? nil : try Conv2d(inChannels, outChannels, kernelSize: 1)
        self.resampling = resampling
        self.timeConditioning = timeConditioning
        self.activation = activation
        self.skipTimeActivation = skipTimeActivation
        self.outputScaleFactor = outputScaleFactor
        self.inChannels = inChannels
        self.outChannels = outChannels
    }

    /// x: [B, Cin, H, W], timeEmbedding: [B, T] → [B, Cout, H', W'] (H' = 2H up, H/2 down, else H)
    public func callAsFunction(_ x: Variable, timeEmbedding: Variable, tape: Tape) throws -> Variable {
        var input = x
        var h = try norm1(x, modulation: nil, activation: activation, tape: tape)  // h: [B, Cin, H, W]
        switch resampling {
        case .none: break
        case .up:
            input = try tape.upsampleNearest2x(input)  // input: [B, Cin, 2H, 2W]
            h = try tape.upsampleNearest2x(h)
        case .down:
            input = try tape.averagePool(input, kernel: 2)  // input: [B, Cin, H/2, W/2]
            h = try tape.averagePool(h, kernel: 2)
        }
        h = try conv1(h, tape: tape)  // h: [B, Cout, H', W']
        let t = skipTimeActivation ? timeEmbedding : tape.activation(timeEmbedding, activation)
        let batch = x.shape[0]
        let projected = try timeEmbProj(t, tape: tape)  // projected: [B, Cout] or [B, 2·Cout]
        switch timeConditioning {
        case .additive:
            h = try tape.add(h, try tape.reshape(projected, [batch, outChannels, 1, 1]))
            h = try norm2(h, modulation: nil, activation: activation, tape: tape)
        case .scaleShift:
            let parts = try tape.split(projected, sizes: [outChannels, outChannels], axis: 1)  // [B, Cout] each
            h = try norm2(h, modulation: (parts[0], parts[1]), activation: activation, tape: tape)
        }
        h = try conv2(h, tape: tape)  // h: [B, Cout, H', W']
        if let convShortcut { input = try convShortcut(input, tape: tape) }
        let sum = try tape.add(input, h)
        return outputScaleFactor == 1 ? sum : tape.scale(sum, by: 1 / outputScaleFactor)
    }
}
