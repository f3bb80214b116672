import Foundation
import UNet

/// The shape of a new unCLIP decoder: a Karlo-layout `UNet2DConditionModel` (scale-shift residual blocks, identity
/// class embedding, added-KV attention at the lowest resolution only) and its `UnCLIPTextProjModel`, sized to the
/// embedded CLIP. It writes the two diffusers `config.json` files; the model itself is then read back from them,
/// so a trained folder loads in `unclip-decode` exactly as it was trained.
public struct DecoderArchitecture: Sendable, Equatable {
    /// Channels per resolution level (the last level attends).
    public var channels: [Int]
    /// Residual blocks per down level (up levels have one more).
    public var layersPerBlock: Int
    /// Channels per attention head.
    public var attentionHeadDim: Int
    /// Trained image size (`sample_size`).
    public var sampleSize: Int
    /// Width of the CLIP embeddings and text hidden states (`clip_embeddings_dim`; a new `DecoderTrainingRun`
    /// takes it from its CLIP).
    public var clipDimension: Int
    /// Context tokens made from the image embedding (Karlo: 4).
    public var extraContextTokens: Int
    /// GroupNorm groups.
    public var normGroups: Int
    /// GLIDE's inpainting inputs: x_t plus the kept image and the keep mask (in_channels 2C + 1).
    public var inpainting: Bool

    public init(
        channels: [Int] = [32, 64, 128], layersPerBlock: Int = 1, attentionHeadDim: Int = 32, sampleSize: Int = 64,
        clipDimension: Int = 128, extraContextTokens: Int = 4, normGroups: Int = 32, inpainting: Bool = false
    ) throws {
        guard !channels.isEmpty, channels.allSatisfy({ $0 > 0 && $0 % normGroups == 0 }), normGroups > 0 else {
            throw TrainingError.badOption("--channels must be positive multiples of the \(normGroups) norm groups")
        }
        guard let last = channels.last, attentionHeadDim > 0, last % attentionHeadDim == 0 else {
            throw TrainingError.badOption("--head-dim must divide the last level's channels")
        }
        guard layersPerBlock >= 1, layersPerBlock <= 8 else { throw TrainingError.badOption("--layers must be 1...8") }
        let factor = 1 << (channels.count - 1)
        guard sampleSize >= factor, sampleSize % factor == 0 else {
            throw TrainingError.badOption(
                "--size \(sampleSize) must be a multiple of \(factor) for \(channels.count) levels")
        }
        self.channels = channels
        self.layersPerBlock = layersPerBlock
        self.attentionHeadDim = attentionHeadDim
        self.sampleSize = sampleSize
        self.clipDimension = clipDimension
        self.extraContextTokens = extraContextTokens
        self.normGroups = normGroups
        self.inpainting = inpainting
    }

    /// Width of the time embedding (diffusers' default, 4 × the first level's channels).
    public var timeEmbeddingDimension: Int { 4 * channels[0] }
    /// Width of the context tokens (the attending level's channels).
    public var crossAttentionDimension: Int { channels[channels.count - 1] }

    /// `decoder/config.json`.
    public func unetConfigJSON() throws -> Data {
        let n = channels.count
        let down = (0..<n).map { $0 == n - 1 ? "SimpleCrossAttnDownBlock2D" : "ResnetDownsampleBlock2D" }
        let up = (0..<n).map { $0 == 0 ? "SimpleCrossAttnUpBlock2D" : "ResnetUpsampleBlock2D" }
        let config: [String: Any] = [
            "_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": attentionHeadDim,
            "block_out_channels": channels, "center_input_sample": false, "class_embed_type": "identity",
            "conv_in_kernel": 3, "conv_out_kernel": 3, "cross_attention_dim": crossAttentionDimension,
            "down_block_types": down, "flip_sin_to_cos": true, "freq_shift": 0,
            "in_channels": inpainting ? 7 : 3, "layers_per_block": layersPerBlock, "mid_block_scale_factor": 1,
            "mid_block_type": "UNetMidBlock2DSimpleCrossAttn", "norm_eps": 1e-5, "norm_num_groups": normGroups,
            "only_cross_attention": false, "out_channels": 6, "resnet_out_scale_factor": 1.0,
            "resnet_skip_time_act": false, "resnet_time_scale_shift": "scale_shift", "sample_size": sampleSize,
            "time_embedding_type": "positional", "up_block_types": up,
        ]
        return try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
    }

    /// `text_proj/config.json`.
    public func textProjectionConfigJSON() throws -> Data {
        let config: [String: Any] = [
            "_class_name": "UnCLIPTextProjModel", "clip_embeddings_dim": clipDimension,
            "clip_extra_context_tokens": extraContextTokens, "cross_attention_dim": crossAttentionDimension,
            "time_embed_dim": timeEmbeddingDimension,
        ]
        return try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
    }

    /// A zero-initialised decoder of this shape, built from the JSON it writes.
    public func makeDecoder() throws -> Decoder {
        try Decoder(
            unet: UNetModel(config: UNetConfig(json: unetConfigJSON())),
            textProjection: UnCLIPTextProjection(config: TextProjectionConfig(json: textProjectionConfigJSON())))
    }

    /// Writes `decoder/config.json` and `text_proj/config.json` under `folder`.
    public func writeConfigs(to folder: String) throws {
        let root = URL(fileURLWithPath: folder)
        for (sub, data) in [("decoder", try unetConfigJSON()), ("text_proj", try textProjectionConfigJSON())] {
            let dir = root.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try data.write(to: dir.appendingPathComponent("config.json"))
        }
    }
}
