import NN

// Follows Hugging Face transformers' CLIPVisionModelWithProjection.

/// What the image encoder returns for a batch of images.
public struct CLIPImageOutput {
    /// Projected pooled features `[B, E]` (not normalised): `image.embed`.
    public var embeds: Variable
    /// ViT: the class token after `post_layernorm` `[B, C]`; ResNet: the same as `embeds`.
    public var pooled: Variable
    /// ViT: encoder output `[B, N+1, C]` (before `post_layernorm`, as transformers' `last_hidden_state`);
    /// ResNet: the attention pool's input tokens `[B, HW+1, C]`.
    public var hidden: Variable
}

/// The image tower with its projection: a ViT (keys `vision_model.*`, `visual_projection.weight`, no bias) or a
/// ModifiedResNet (OpenAI's keys `visual.*`, projected by its attention pool), chosen by the configuration.
public final class CLIPImageEncoder: Module {
    public let visionModel: CLIPVisionTransformer?
    public let visualProjection: Linear?
    public let visual: CLIPResNet?
    public let configuration: CLIPVisionConfiguration

    public init(_ c: CLIPVisionConfiguration) throws {
        if let layers = c.resnetLayers {
            visual = try CLIPResNet(
                layers: layers, width: c.hiddenSize, heads: c.attentionHeads, imageSize: c.imageSize,
                outputDim: c.projectionDim)
            visionModel = nil
            visualProjection = nil
        } else {
            visual = nil
            visionModel = try CLIPVisionTransformer(c)
            visualProjection = try Linear(c.hiddenSize, c.projectionDim, bias: false)
        }
        configuration = c
    }

    /// pixels: [B, 3, S, S], normalised with the CLIP mean/std → embeds [B, E].
    public func callAsFunction(_ pixels: Variable, tape: Tape) throws -> CLIPImageOutput {
        if let visual {
            let s = pixels.shape, size = configuration.imageSize
            guard s.count == 4, s[1] == 3, s[2] == size, s[3] == size else {
                throw CLIPError.badInput("image tensor \(s), the model takes [B, 3, \(size), \(size)]")
            }
            let (pooled, tokens) = try visual(pixels, tape: tape)
            return CLIPImageOutput(embeds: pooled, pooled: pooled, hidden: tokens)
        }
        guard let visionModel, let visualProjection else { throw CLIPError.badInput("image encoder has no tower") }
        let (hidden, pooled) = try visionModel(pixels, tape: tape)
        return CLIPImageOutput(embeds: try visualProjection(pooled, tape: tape), pooled: pooled, hidden: hidden)
    }

    /// Inference on normalised pixels `[B, 3, S, S]`.
    public func encode(pixels: Tensor) throws -> CLIPImageOutput {
        try self(.constant(pixels), tape: Tape(recording: false))
    }
}
