import NN

// Follows Hugging Face transformers' CLIPVisionEmbeddings and CLIPVisionTransformer.

/// Patch convolution (no bias), class token and learned positions.
/// Keys: `class_embedding` [C], `patch_embedding.weight` [C, 3, P, P], `position_embedding.weight` [N+1, C].
public final class CLIPVisionEmbeddings: Module {
    public let classEmbedding: Variable
    public let patchEmbedding: Conv2d
    public let positionEmbedding: Embedding
    public let imageSize: Int

    public init(_ c: CLIPVisionConfiguration) throws {
        classEmbedding = Variable(try Tensor(untouchedZeros: [c.hiddenSize]))
        patchEmbedding = try Conv2d(
            c.channels, c.hiddenSize, kernelSize: c.patchSize, stride: c.patchSize, bias: false)
        positionEmbedding = try Embedding(c.gridSize * c.gridSize + 1, c.hiddenSize)
        imageSize = c.imageSize
    }

    /// pixels: [B, 3, S, S] (normalised) → [B, N+1, C]
    public func callAsFunction(_ pixels: Variable, tape: Tape) throws -> Variable {
        let s = pixels.shape
        guard s.count == 4, s[1] == patchEmbedding.weight.shape[1], s[2] == imageSize, s[3] == imageSize else {
            throw CLIPError.badInput(
                "image tensor \(s), the model takes [B, \(patchEmbedding.weight.shape[1]), \(imageSize), \(imageSize)]")
        }
        let b = s[0], c = classEmbedding.shape[0]
        let p = try patchEmbedding(pixels, tape: tape)  // p: [B, C, g, g]
        let n = p.shape[2] * p.shape[3]
        let patches = try tape.permute(tape.reshape(p, [b, c, n]), [0, 2, 1])  // [B, N, C]
        let cls = try tape.add(
            .constant(Tensor(zeros: [b, 1, c])), tape.reshape(classEmbedding, [1, 1, c]))  // [B, 1, C]
        let tokens = try tape.concatenate([cls, patches], axis: 1)  // [B, N+1, C]
        return try tape.add(tokens, tape.reshape(positionEmbedding.weight, [1, n + 1, c]))
    }
}

/// Embeddings, `pre_layrnorm` (sic, the checkpoint's spelling), encoder, `post_layernorm` on the class token.
public final class CLIPVisionTransformer: Module {
    public let embeddings: CLIPVisionEmbeddings
    public let preLayrnorm: LayerNorm
    public let encoder: CLIPEncoder
    public let postLayernorm: LayerNorm

    public init(_ c: CLIPVisionConfiguration) throws {
        embeddings = try CLIPVisionEmbeddings(c)
        preLayrnorm = try LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        encoder = try CLIPEncoder(
            count: c.layers, width: c.hiddenSize, intermediate: c.intermediateSize, heads: c.attentionHeads,
            activation: Activation(configName: c.activation), eps: c.layerNormEps)
        postLayernorm = try LayerNorm(c.hiddenSize, eps: c.layerNormEps)
    }

    /// pixels: [B, 3, S, S] → hidden [B, N+1, C] (encoder output, before the post LN) and pooled [B, C].
    public func callAsFunction(_ pixels: Variable, tape: Tape) throws -> (hidden: Variable, pooled: Variable) {
        let x = try preLayrnorm(embeddings(pixels, tape: tape), tape: tape)  // x: [B, N+1, C]
        let h = try encoder(x, causal: false, tape: tape)  // h: [B, N+1, C]
        let (b, t, c) = (h.shape[0], h.shape[1], h.shape[2])
        let cls = try tape.split(h, sizes: t > 1 ? [1, t - 1] : [1], axis: 1)[0]  // [B, 1, C]
        let pooled = try postLayernorm(tape.reshape(cls, [b, c]), tape: tape)  // [B, C]
        return (h, pooled)
    }
}
