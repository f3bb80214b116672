import Foundation
import TensorCore

/// The architecture of a diffusion UNet, read from a diffusers `config.json` of a `UNet2DConditionModel` (the
/// Karlo decoder) or a `UNet2DModel` (the Karlo super-resolution models). Both classes build the same network
/// from these fields; the super-resolution model is this config with residual blocks only and no context.
public struct UNetConfig: Equatable, Sendable {
    /// Which diffusers class the config came from; it decides the defaults of absent keys.
    public enum ModelClass: String, Sendable { case conditional = "UNet2DConditionModel", plain = "UNet2DModel" }
    /// A down block: residual blocks (with or without added-KV attention after each), then an optional
    /// down-sampling residual block.
    public enum DownBlockType: String, Sendable {
        case resnet = "ResnetDownsampleBlock2D", simpleCrossAttention = "SimpleCrossAttnDownBlock2D"
    }
    /// An up block: residual blocks over the concatenated skip connections, then an optional up-sampling one.
    public enum UpBlockType: String, Sendable {
        case resnet = "ResnetUpsampleBlock2D", simpleCrossAttention = "SimpleCrossAttnUpBlock2D"
    }
    /// The middle block.
    public enum MidBlockType: String, Sendable {
        /// Residual, added-KV attention, residual (`UNetMidBlock2DSimpleCrossAttn`).
        case simpleCrossAttention = "UNetMidBlock2DSimpleCrossAttn"
        /// Two residual blocks without attention (`UNetMidBlock2D` with `add_attention=False`).
        case resnet = "UNetMidBlock2D"
    }
    /// How a residual block applies the time embedding.
    public enum TimeConditioning: String, Sendable {
        /// Added to the activations before the second norm (`"default"`).
        case additive = "default"
        /// Split into scale and shift applied after the second norm: `norm(h)·(1+s)+t` (`"scale_shift"`).
        case scaleShift = "scale_shift"
    }
    /// A normalization of the context tokens inside each attention layer (`cross_attention_norm`).
    public enum ContextNorm: String, Sendable { case groupNorm = "group_norm" }

    public var modelClass: ModelClass
    public var inChannels: Int
    public var outChannels: Int
    /// The trained image size (`sample_size`), when the config gives one number; samplers default to it.
    public var sampleSize: Int?
    /// `sample = 2·sample − 1` before the first convolution.
    public var centerInputSample: Bool
    /// Sinusoidal timestep features: cosines first when true.
    public var flipSinToCos: Bool
    /// `downscale_freq_shift` of the sinusoid's frequencies.
    public var freqShift: Float
    public var downBlockTypes: [DownBlockType]
    public var upBlockTypes: [UpBlockType]
    /// Nil when the config has `mid_block_type: null`.
    public var midBlockType: MidBlockType?
    public var blockOutChannels: [Int]
    /// Residual blocks per down level (up levels have one more).
    public var layersPerBlock: [Int]
    /// Per down level: attention layers use only the context as keys and values (no `to_k`/`to_v`).
    public var onlyCrossAttention: [Bool]
    public var midBlockOnlyCrossAttention: Bool
    public var midBlockScaleFactor: Float
    /// The activation of residual blocks, the time MLP and the output (`act_fn`).
    public var activation: Activation
    public var normGroups: Int
    public var normEps: Float
    /// Per down level: the width of the context tokens fed to `add_k_proj`/`add_v_proj`.
    public var crossAttentionDim: [Int]
    /// When set, the context goes through `encoder_hid_proj` (Linear from this width to the cross-attention
    /// width) first (`encoder_hid_dim_type="text_proj"`).
    public var encoderHiddenDim: Int?
    /// Per down level: channels per attention head (diffusers' `attention_head_dim`; up block i reads entry i
    /// of the unreversed list and the middle block the last entry, as diffusers does).
    public var attentionHeadDim: [Int]
    /// `class_embed_type="identity"`: `class_labels` `[B, timeEmbeddingDim]` are added to the time embedding.
    public var classEmbeddingIsIdentity: Bool
    public var timeConditioning: TimeConditioning
    /// `resnet_skip_time_act`: the residual blocks project the time embedding without activating it first.
    public var skipTimeActivation: Bool
    /// Residual block outputs are divided by this.
    public var resnetOutputScaleFactor: Float
    /// Width of the time embedding (default 4 × `block_out_channels[0]`).
    public var timeEmbeddingDim: Int
    /// An activation applied to the summed time embedding before the blocks see it (`time_embedding_act_fn`).
    public var timeEmbeddingActivation: Activation?
    /// An activation after the time MLP's second layer (`timestep_post_act`).
    public var timestepPostActivation: Activation?
    public var contextNorm: ContextNorm?
    public var convInKernel: Int
    public var convOutKernel: Int
    /// Whether `conv_norm_out` exists (diffusers drops it when `norm_num_groups` is null).
    public var hasOutputNorm: Bool

    /// Number of resolution levels.
    public var levels: Int { blockOutChannels.count }
    /// Whether any block attends to context tokens.
    public var usesContext: Bool {
        downBlockTypes.contains(.simpleCrossAttention) || upBlockTypes.contains(.simpleCrossAttention)
            || midBlockType == .simpleCrossAttention
    }
    /// The activation of the time MLP and after `conv_norm_out`: `act_fn`, except that `UNet2DModel` always uses
    /// SiLU there.
    public var fixedActivation: Activation { modelClass == .plain ? .silu : activation }
    /// The width of the context tokens the caller passes (before `encoder_hid_proj`).
    public var contextInputDim: Int { encoderHiddenDim ?? crossAttentionDim[0] }
}

extension UNetConfig {
    /// Reads a diffusers `config.json` file.
    public init(contentsOf path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw UNetError.checkpoint(path: path, reason: "cannot read config: \(error.localizedDescription)")
        }
        try self.init(json: data)
    }

    /// Parses diffusers `config.json` bytes. Keys this implementation does not model must hold their default
    /// (or be absent); anything else is an `unsupportedConfig` error naming the key.
    public init(json data: Data) throws {
        let c = try ConfigReader(data: data)
        let className = try c.string("_class_name") ?? "UNet2DConditionModel"
        guard let modelClass = ModelClass(rawValue: className) else {
            throw UNetError.unsupportedConfig(key: "_class_name", value: className)
        }
        self.modelClass = modelClass
        let conditional = modelClass == .conditional
        inChannels = try c.int("in_channels", default: conditional ? 4 : 3)
        outChannels = try c.int("out_channels", default: conditional ? 4 : 3)
        sampleSize = c.raw("sample_size") is [Any] ? nil : try c.optionalInt("sample_size")
        centerInputSample = try c.bool("center_input_sample", default: false)
        flipSinToCos = try c.bool("flip_sin_to_cos", default: true)
        freqShift = try c.float("freq_shift", default: 0)
        blockOutChannels = try c.ints(
            "block_out_channels", default: conditional ? [320, 640, 1280, 1280] : [224, 448, 672, 896])
        let n = blockOutChannels.count
        guard n > 0, blockOutChannels.allSatisfy({ $0 > 0 }) else {
            throw UNetError.invalidConfig(key: "block_out_channels", reason: "needs positive channel counts")
        }
        func parse<T: RawRepresentable>(_ key: String, _ names: [String]) throws -> [T] where T.RawValue == String {
            guard names.count == n else {
                throw UNetError.invalidConfig(key: key, reason: "expected \(n) entries (one per block_out_channels)")
            }
            return try names.map {
                guard let t = T(rawValue: $0) else { throw UNetError.unsupportedConfig(key: key, value: $0) }
                return t
            }
        }
        downBlockTypes = try parse("down_block_types", try c.strings("down_block_types"))
        upBlockTypes = try parse("up_block_types", try c.strings("up_block_types"))
        if c.values["mid_block_type"] == nil {
            // Absent: the class default. diffusers' conditional default (UNetMidBlock2DCrossAttn) is not built here.
            guard !conditional else {
                throw UNetError.unsupportedConfig(key: "mid_block_type", value: "UNetMidBlock2DCrossAttn")
            }
            midBlockType = .resnet
        } else if let name = try c.string("mid_block_type") {
            guard let t = MidBlockType(rawValue: name) else {
                throw UNetError.unsupportedConfig(key: "mid_block_type", value: name)
            }
            midBlockType = t
        } else {
            midBlockType = nil
        }
        if modelClass == .plain, try c.bool("add_attention", default: true), midBlockType != nil {
            throw UNetError.unsupportedConfig(key: "add_attention", value: "true (self-attention middle block)")
        }
        layersPerBlock = try c.perLevelInts("layers_per_block", count: n, default: 2)
        guard layersPerBlock.allSatisfy({ $0 >= 1 }) else {
            throw UNetError.invalidConfig(key: "layers_per_block", reason: "needs at least 1")
        }
        let onlyCross = try c.perLevelBools("only_cross_attention", count: n, default: false)
        onlyCrossAttention = onlyCross
        if let v = c.raw("mid_block_only_cross_attention") {
            guard let b = v as? Bool else {
                throw UNetError.invalidConfig(key: "mid_block_only_cross_attention", reason: "expected true or false")
            }
            midBlockOnlyCrossAttention = b
        } else {
            // diffusers: a single boolean `only_cross_attention` also sets the middle block's; a list does not.
            midBlockOnlyCrossAttention = (c.raw("only_cross_attention") as? Bool) ?? false
        }
        midBlockScaleFactor = try c.float("mid_block_scale_factor", default: 1)
        let act = try c.string("act_fn") ?? "silu"
        guard let activation = Self.activation(act) else {
            throw UNetError.unsupportedConfig(key: "act_fn", value: act)
        }
        self.activation = activation
        guard let groups = try c.optionalInt("norm_num_groups") ?? (c.values["norm_num_groups"] == nil ? 32 : nil)
        else {
            throw UNetError.unsupportedConfig(key: "norm_num_groups", value: "null")
        }
        guard groups > 0 else { throw UNetError.invalidConfig(key: "norm_num_groups", reason: "must be positive") }
        normGroups = groups
        hasOutputNorm = true
        normEps = try c.float("norm_eps", default: 1e-5)
        crossAttentionDim = try c.perLevelInts("cross_attention_dim", count: n, default: 1280)
        encoderHiddenDim = try c.optionalInt("encoder_hid_dim")
        if let type = try c.string("encoder_hid_dim_type"), type != "text_proj" {
            throw UNetError.unsupportedConfig(key: "encoder_hid_dim_type", value: type)
        }
        if encoderHiddenDim != nil, Set(crossAttentionDim).count != 1 {
            throw UNetError.unsupportedConfig(key: "cross_attention_dim", value: "a list together with encoder_hid_dim")
        }
        attentionHeadDim = try c.perLevelInts("attention_head_dim", count: n, default: 8)
        if try c.optionalInt("num_attention_heads") != nil {
            throw UNetError.unsupportedConfig(key: "num_attention_heads", value: "set (diffusers rejects it too)")
        }
        switch try c.string("class_embed_type") {
        case nil: classEmbeddingIsIdentity = false
        case "identity": classEmbeddingIsIdentity = true
        case let other?: throw UNetError.unsupportedConfig(key: "class_embed_type", value: other)
        }
        let shift = try c.string("resnet_time_scale_shift") ?? "default"
        guard let tc = TimeConditioning(rawValue: shift) else {
            throw UNetError.unsupportedConfig(key: "resnet_time_scale_shift", value: shift)
        }
        timeConditioning = tc
        skipTimeActivation = try c.bool("resnet_skip_time_act", default: false)
        resnetOutputScaleFactor = try c.float("resnet_out_scale_factor", default: 1)
        timeEmbeddingDim = try c.optionalInt("time_embedding_dim") ?? blockOutChannels[0] * 4
        func optionalActivation(_ key: String) throws -> Activation? {
            guard let name = try c.string(key) else { return nil }
            guard let a = Self.activation(name) else { throw UNetError.unsupportedConfig(key: key, value: name) }
            return a
        }
        timeEmbeddingActivation = try optionalActivation("time_embedding_act_fn")
        timestepPostActivation = try optionalActivation("timestep_post_act")
        if let norm = try c.string("cross_attention_norm") {
            guard let cn = ContextNorm(rawValue: norm) else {
                throw UNetError.unsupportedConfig(key: "cross_attention_norm", value: norm)
            }
            contextNorm = cn
        } else {
            contextNorm = nil
        }
        convInKernel = try c.int("conv_in_kernel", default: 3)
        convOutKernel = try c.int("conv_out_kernel", default: 3)
        guard convInKernel % 2 == 1, convOutKernel % 2 == 1 else {
            throw UNetError.invalidConfig(key: "conv_in_kernel", reason: "kernels must be odd")
        }
        // Variants this implementation does not build must be at their defaults.
        if let t = try c.string("time_embedding_type"), t != "positional" {
            throw UNetError.unsupportedConfig(key: "time_embedding_type", value: t)
        }
        for key in [
            "addition_embed_type", "num_class_embeds", "time_cond_proj_dim", "projection_class_embeddings_input_dim",
        ] where c.raw(key) != nil {
            throw UNetError.unsupportedConfig(key: key, value: "\(c.raw(key)!)")
        }
        for key in ["class_embeddings_concat", "dual_cross_attention", "use_linear_projection", "upcast_attention"] {
            if try c.bool(key, default: false) { throw UNetError.unsupportedConfig(key: key, value: "true") }
        }
        try validate()
    }

    /// Checks the channel arithmetic the blocks rely on.
    func validate() throws {
        // Sizes a model file could get wrong, checked before anything is allocated.
        let limits: [(String, [Int], ClosedRange<Int>)] = [
            ("in_channels", [inChannels], 1...4096), ("out_channels", [outChannels], 1...4096),
            ("block_out_channels", blockOutChannels, 1...16384), ("layers_per_block", layersPerBlock, 1...64),
            ("cross_attention_dim", crossAttentionDim, 1...16384),
            ("time_embedding_dim", [timeEmbeddingDim], 1...65536),
            ("encoder_hid_dim", encoderHiddenDim.map { [$0] } ?? [], 1...16384),
            ("conv_in_kernel", [convInKernel], 1...15), ("conv_out_kernel", [convOutKernel], 1...15),
        ]
        for (key, values, range) in limits where !values.allSatisfy(range.contains) {
            throw UNetError.invalidConfig(key: key, reason: "\(values) outside \(range)")
        }
        guard levels <= 8 else {
            throw UNetError.invalidConfig(key: "block_out_channels", reason: "more than 8 levels")
        }
        for (i, ch) in blockOutChannels.enumerated() {
            guard ch % normGroups == 0 else {
                throw UNetError.invalidConfig(
                    key: "norm_num_groups", reason: "\(normGroups) does not divide \(ch) channels")
            }
            // Down block i and up block i (whose width is the reversed list's entry i) read head size entry i.
            let upChannels = blockOutChannels[levels - 1 - i]
            for (attends, width) in [
                (downBlockTypes[i] == .simpleCrossAttention, ch),
                (upBlockTypes[i] == .simpleCrossAttention, upChannels),
            ]
            where attends && (attentionHeadDim[i] <= 0 || width % attentionHeadDim[i] != 0) {
                throw UNetError.invalidConfig(
                    key: "attention_head_dim", reason: "\(attentionHeadDim[i]) does not divide \(width) channels")
            }
        }
        if midBlockType == .simpleCrossAttention, let head = attentionHeadDim.last,
            head <= 0 || blockOutChannels[levels - 1] % head != 0
        {
            throw UNetError.invalidConfig(
                key: "attention_head_dim", reason: "does not divide the middle block's channels")
        }
        if contextNorm == .groupNorm, usesContext, crossAttentionDim.contains(where: { $0 % 32 != 0 }) {
            throw UNetError.invalidConfig(
                key: "cross_attention_norm", reason: "group_norm needs 32 | cross_attention_dim")
        }
    }

    static func activation(_ name: String) -> Activation? {
        switch name {
        case "silu", "swish": return .silu
        case "gelu": return .gelu
        default: return nil
        }
    }
}
