import NN

/// The middle block: a residual block, then for each further residual block an attention layer (when the block
/// attends) before it. Follows diffusers' UNetMidBlock2DSimpleCrossAttn and UNetMidBlock2D without attention.
public final class UNetMidBlock: Module {
    let resnets: [ResnetBlock2D]
    let attentions: [AddedKVAttention]

    init(resnets: [ResnetBlock2D], attentions: [AddedKVAttention]) {
        self.resnets = resnets
        self.attentions = attentions
    }

    /// x: [B, C, H, W] → [B, C, H, W]
    func callAsFunction(
        _ x: Variable, timeEmbedding: Variable, context: Variable?, contextMask: Tensor?, tape: Tape
    ) throws -> Variable {
        var h = x
        for (i, resnet) in resnets.enumerated() {
            if i > 0, i - 1 < attentions.count {
                guard let context else {
                    throw UNetError.missingInput(
                        name: "encoder_hidden_states", reason: "the middle block attends to context")
                }
                h = try attentions[i - 1](h, context: context, contextMask: contextMask, tape: tape)
            }
            h = try resnet(h, timeEmbedding: timeEmbedding, tape: tape)  // h: [B, C, H, W]
        }
        return h
    }
}
