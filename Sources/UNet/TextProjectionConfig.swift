import Foundation

/// The sizes of an `UnCLIPTextProjection`, read from diffusers' `text_proj/config.json`.
public struct TextProjectionConfig: Equatable, Sendable {
    /// Context tokens made from the image embedding (Karlo: 4).
    public var clipExtraContextTokens: Int
    /// Width of the CLIP embeddings and text hidden states (Karlo: 768).
    public var clipEmbeddingsDim: Int
    /// Width of the decoder's time embedding (Karlo: 1280).
    public var timeEmbedDim: Int
    /// Width of the context tokens (Karlo: 1536).
    public var crossAttentionDim: Int

    public init(
        clipExtraContextTokens: Int = 4, clipEmbeddingsDim: Int = 768, timeEmbedDim: Int, crossAttentionDim: Int
    )
        throws
    {
        for (key, v, limit) in [
            ("clip_extra_context_tokens", clipExtraContextTokens, 256),
            ("clip_embeddings_dim", clipEmbeddingsDim, 16384),
            ("time_embed_dim", timeEmbedDim, 65536), ("cross_attention_dim", crossAttentionDim, 16384),
        ] where v <= 0 || v > limit {
            throw UNetError.invalidConfig(key: key, reason: "\(v) outside 1...\(limit)")
        }
        self.clipExtraContextTokens = clipExtraContextTokens
        self.clipEmbeddingsDim = clipEmbeddingsDim
        self.timeEmbedDim = timeEmbedDim
        self.crossAttentionDim = crossAttentionDim
    }

    /// Parses `config.json` bytes.
    public init(json data: Data) throws {
        let c = try ConfigReader(data: data)
        if let name = try c.string("_class_name"), name != "UnCLIPTextProjModel" {
            throw UNetError.unsupportedConfig(key: "_class_name", value: name)
        }
        try self.init(
            clipExtraContextTokens: try c.int("clip_extra_context_tokens", default: 4),
            clipEmbeddingsDim: try c.int("clip_embeddings_dim", default: 768),
            timeEmbedDim: try c.int("time_embed_dim"), crossAttentionDim: try c.int("cross_attention_dim"))
    }

    /// Reads a `config.json` file.
    public init(contentsOf path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw UNetError.checkpoint(path: path, reason: "cannot read config: \(error.localizedDescription)")
        }
        try self.init(json: data)
    }
}
