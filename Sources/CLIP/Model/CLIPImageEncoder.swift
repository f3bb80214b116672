import NN

// Follows Hugging Face transformers' CLIPVisionModelWithProjection.

/// What the image encoder returns for a batch of images.
public struct CLIPImageOutput {
    /// Projected pooled features `[B, E]` (not normalised): `image.embed`.
    public var embeds: Variable
    /// The class token after `post_layernorm` `[B, C]`.
    public var pooled: Variable
    /// Encoder output `[B, N+1, C]` (before `post_layernorm`, as transformers' `last_hidden_state`).
    public var hidden: Variable
}

/// The ViT image tower with its projection. Keys: `vision_model.*`, `visual_projection.weight` (no bias).
public final class CLIPImageEncoder: Module {
    public let visionModel: CLIPVisionTransformer
    public let visualProjection: Linear
    public let configuration: CLIPVisionConfiguration

    public init(_ c: CLIPVisionConfiguration) throws {
        visionModel = try CLIPVisionTransformer(c)
        visualProjection = try Linear(c.hiddenSize, c.projectionDim, bias: false)
        configuration = c
    }

    /// pixels: [B, 3, S, S], normalised with the CLIP mean/std → embeds [B, E].
    public func callAsFunction(_ pixels: Variable, tape: Tape) throws -> CLIPImageOutput {
        let (hidden, pooled) = try visionModel(pixels, tape: tape)
        return CLIPImageOutput(embeds: try visualProjection(pooled, tape: tape), pooled: pooled, hidden: hidden)
    }

    /// Inference on normalised pixels `[B, 3, S, S]`.
    public func encode(pixels: Tensor) throws -> CLIPImageOutput {
        try self(.constant(pixels), tape: Tape(recording: false))
    }
}
