import NN

/// One down level: residual blocks, each followed by added-KV attention when the level attends, then an optional
/// down-sampling residual block. Every output is kept as a skip connection. Follows diffusers'
/// ResnetDownsampleBlock2D and SimpleCrossAttnDownBlock2D (one class: the attention list is empty or not).
public final class UNetDownBlock: Module {
    let resnets: [ResnetBlock2D]
    let attentions: [AddedKVAttention]
    let downsamplers: [ResnetBlock2D]

    init(resnets: [ResnetBlock2D], attentions: [AddedKVAttention], downsamplers: [ResnetBlock2D]) {
        self.resnets = resnets
        self.attentions = attentions
        self.downsamplers = downsamplers
    }

    /// Number of skip connections this block leaves for the up path.
    var skipCount: Int { resnets.count + downsamplers.count }

    /// x: [B, Cin, H, W] → ([B, C, H', W'], skips: each [B, C, ·, ·]); H' = H/2 when the block down-samples.
    func callAsFunction(
        _ x: Variable, timeEmbedding: Variable, context: Variable?, contextMask: Tensor?, tape: Tape
    ) throws -> (Variable, [Variable]) {
        var h = x
        var skips: [Variable] = []
        for (i, resnet) in resnets.enumerated() {
            h = try resnet(h, timeEmbedding: timeEmbedding, tape: tape)  // h: [B, C, H, W]
            if i < attentions.count {
                guard let context else {
                    throw UNetError.missingInput(
                        name: "encoder_hidden_states", reason: "the down blocks attend to context")
                }
                h = try attentions[i](h, context: context, contextMask: contextMask, tape: tape)
            }
            skips.append(h)
        }
        for down in downsamplers {
            h = try down(h, timeEmbedding: timeEmbedding, tape: tape)  // h: [B, C, H/2, W/2]
            skips.append(h)
        }
        return (h, skips)
    }
}
