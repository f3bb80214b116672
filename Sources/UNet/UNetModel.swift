import NN

/// A diffusion UNet built from a `UNetConfig`: the Karlo decoder (`UNet2DConditionModel` with added-KV attention,
/// identity class embedding and scale-shift residual blocks) and the Karlo super-resolution models
/// (`UNet2DModel` with residual blocks only) are two configs of this one class. Its key paths are diffusers'
/// checkpoint keys. Follows diffusers' UNet2DConditionModel and UNet2DModel.
public final class UNetModel: Module {
    public let config: UNetConfig

    let convIn: Conv2d
    let timeEmbedding: TimestepEmbedding
    let encoderHidProj: Linear?
    let downBlocks: [UNetDownBlock]
    let midBlock: UNetMidBlock?
    let upBlocks: [UNetUpBlock]
    let convNormOut: NN.GroupNorm?
    let convOut: Conv2d

    /// A zero-initialised model of `config`; load a checkpoint or call `initializeParameters(seed:)`.
    public init(config: UNetConfig) throws {
        try config.validate()
        self.config = config
        let ch = config.blockOutChannels, levels = config.levels
        let t = config.timeEmbeddingDim, groups = config.normGroups, eps = config.normEps
        convIn = try Conv2d(config.inChannels, ch[0], kernelSize: config.convInKernel, padding: config.convInKernel / 2)
        timeEmbedding = try TimestepEmbedding(
            inputDim: ch[0], embeddingDim: t, activation: config.fixedActivation,
            postActivation: config.timestepPostActivation)
        encoderHidProj = try config.encoderHiddenDim.map { try Linear($0, config.crossAttentionDim[0]) }

        func resnet(_ cin: Int, _ cout: Int, _ resampling: ResnetBlock2D.Resampling = .none, scale: Float? = nil)
            throws -> ResnetBlock2D
        {
            try ResnetBlock2D(
                inChannels: cin, outChannels: cout, timeEmbeddingDim: t, groups: groups, eps: eps,
                timeConditioning: config.timeConditioning, activation: config.activation,
                skipTimeActivation: config.skipTimeActivation,
                outputScaleFactor: scale ?? config.resnetOutputScaleFactor, resampling: resampling)
        }
        func attention(_ channels: Int, headDim: Int, contextDim: Int, onlyCross: Bool) throws -> AddedKVAttention {
            try AddedKVAttention(
                channels: channels, headDim: headDim, contextDim: contextDim, groups: groups,
                onlyCrossAttention: onlyCross, contextNorm: config.contextNorm)
        }

        var down: [UNetDownBlock] = []
        var output = ch[0]
        for i in 0..<levels {
            let input = output
            output = ch[i]
            let isLast = i == levels - 1
            let attends = config.downBlockTypes[i] == .simpleCrossAttention
            var resnets: [ResnetBlock2D] = [], attentions: [AddedKVAttention] = []
            for j in 0..<config.layersPerBlock[i] {
                resnets.append(try resnet(j == 0 ? input : output, output))
                if attends {
                    attentions.append(
                        try attention(
                            output, headDim: config.attentionHeadDim[i], contextDim: config.crossAttentionDim[i],
                            onlyCross: config.onlyCrossAttention[i]))
                }
            }
            let downsamplers = isLast ? [] : [try resnet(output, output, .down)]
            down.append(UNetDownBlock(resnets: resnets, attentions: attentions, downsamplers: downsamplers))
        }
        downBlocks = down

        switch config.midBlockType {
        case nil:
            midBlock = nil
        case .resnet?:
            // UNet2DModel builds one attention-less layer (two residual blocks); UNet2DConditionModel's
            // get_mid_block builds UNetMidBlock2D with no layers (one residual block).
            let count = config.modelClass == .plain ? 2 : 1
            midBlock = UNetMidBlock(
                resnets: try (0..<count).map { _ in
                    try resnet(ch[levels - 1], ch[levels - 1], scale: config.midBlockScaleFactor)
                },
                attentions: [])
        case .simpleCrossAttention?:
            let c = ch[levels - 1]
            midBlock = UNetMidBlock(
                resnets: try (0..<2).map { _ in try resnet(c, c, scale: config.midBlockScaleFactor) },
                attentions: [
                    try attention(
                        c, headDim: config.attentionHeadDim[levels - 1],
                        contextDim: config.crossAttentionDim[levels - 1],
                        onlyCross: config.midBlockOnlyCrossAttention)
                ])
        }

        var up: [UNetUpBlock] = []
        let reversed = Array(ch.reversed())
        let reversedLayers = Array(config.layersPerBlock.reversed())
        let reversedContext = Array(config.crossAttentionDim.reversed())
        let reversedOnlyCross = Array(config.onlyCrossAttention.reversed())
        output = reversed[0]
        for i in 0..<levels {
            let previous = output
            output = reversed[i]
            let input = reversed[min(i + 1, levels - 1)]
            let isLast = i == levels - 1
            let attends = config.upBlockTypes[i] == .simpleCrossAttention
            let count = reversedLayers[i] + 1
            var resnets: [ResnetBlock2D] = [], attentions: [AddedKVAttention] = []
            for j in 0..<count {
                let skipChannels = j == count - 1 ? input : output
                let resnetInput = j == 0 ? previous : output
                resnets.append(try resnet(resnetInput + skipChannels, output))
                if attends {
                    // diffusers passes the unreversed head size list to the up blocks.
                    attentions.append(
                        try attention(
                            output, headDim: config.attentionHeadDim[i], contextDim: reversedContext[i],
                            onlyCross: reversedOnlyCross[i]))
                }
            }
            let upsamplers = isLast ? [] : [try resnet(output, output, .up)]
            up.append(UNetUpBlock(resnets: resnets, attentions: attentions, upsamplers: upsamplers))
        }
        upBlocks = up
        convNormOut = config.hasOutputNorm ? try NN.GroupNorm(groups: groups, channels: ch[0], eps: eps) : nil
        convOut = try Conv2d(
            ch[0], config.outChannels, kernelSize: config.convOutKernel, padding: config.convOutKernel / 2)
    }
}
