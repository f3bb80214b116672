import NN

/// One up level: residual blocks over `[h, skip]` concatenated on channels (skips taken last-first), each followed
/// by added-KV attention when the level attends, then an optional up-sampling residual block. Follows diffusers'
/// ResnetUpsampleBlock2D and SimpleCrossAttnUpBlock2D.
public final class UNetUpBlock: Module {
    let resnets: [ResnetBlock2D]
    let attentions: [AddedKVAttention]
    let upsamplers: [ResnetBlock2D]

    init(resnets: [ResnetBlock2D], attentions: [AddedKVAttention], upsamplers: [ResnetBlock2D]) {
        self.resnets = resnets
        self.attentions = attentions
        self.upsamplers = upsamplers
    }

    /// x: [B, Cprev, H, W], skips: the last `resnets.count` are consumed (popped from the end)
    /// → [B, C, H', W'] with H' = 2H when the block up-samples.
    func callAsFunction(
        _ x: Variable, skips: inout [Variable], timeEmbedding: Variable, context: Variable?, contextMask: Tensor?,
        tape: Tape
    ) throws -> Variable {
        var h = x
        for (i, resnet) in resnets.enumerated() {
            guard let skip = skips.popLast() else {
                throw UNetError.invalidInput(name: "skip connections", shape: [], expected: "one per up residual block")
            }
            guard skip.shape[2] == h.shape[2], skip.shape[3] == h.shape[3] else {
                throw UNetError.invalidInput(
                    name: "sample", shape: skip.shape, expected: "spatial size \(h.shape[2...])")
            }
            h = try tape.concatenate([h, skip], axis: 1)  // h: [B, Cprev + Cskip, H, W]
            h = try resnet(h, timeEmbedding: timeEmbedding, tape: tape)  // h: [B, C, H, W]
            if i < attentions.count {
                guard let context else {
                    throw UNetError.missingInput(
                        name: "encoder_hidden_states", reason: "the up blocks attend to context")
                }
                h = try attentions[i](h, context: context, contextMask: contextMask, tape: tape)
            }
        }
        for up in upsamplers { h = try up(h, timeEmbedding: timeEmbedding, tape: tape) }  // h: [B, C, 2H, 2W]
        return h
    }
}
