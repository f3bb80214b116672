import NN

// Follows Hugging Face transformers' CLIPTextEmbeddings and CLIPTextTransformer.

/// Token and learned position embeddings. Keys: `token_embedding.weight`, `position_embedding.weight`.
public final class CLIPTextEmbeddings: Module {
    public let tokenEmbedding: Embedding
    public let positionEmbedding: Embedding

    public init(vocabularySize: Int, maxPositions: Int, width: Int) throws {
        tokenEmbedding = try Embedding(vocabularySize, width)
        positionEmbedding = try Embedding(maxPositions, width)
    }

    /// ids: [B, T] (T ≤ max positions) → [B, T, C]
    public func callAsFunction(_ ids: [Int], batch: Int, length: Int, tape: Tape) throws -> Variable {
        let positions = positionEmbedding.count
        guard length <= positions else {
            throw CLIPError.badInput("\(length) tokens per prompt, the model takes at most \(positions)")
        }
        let tokens = try tokenEmbedding(ids, shape: [batch, length], tape: tape)  // [B, T, C]
        let pos = try positionEmbedding(Array(0..<length), shape: [1, length], tape: tape)  // [1, T, C]
        return try tape.add(tokens, pos)
    }
}

/// Embeddings, causal pre-LN encoder, final layer norm, pooling at the end-of-text token.
/// Keys: `embeddings.*`, `encoder.layers.N.*`, `final_layer_norm`.
public final class CLIPTextTransformer: Module {
    public let embeddings: CLIPTextEmbeddings
    public let encoder: CLIPEncoder
    public let finalLayerNorm: LayerNorm
    public let eosTokenID: Int

    public init(_ c: CLIPTextConfiguration) throws {
        embeddings = try CLIPTextEmbeddings(
            vocabularySize: c.vocabularySize, maxPositions: c.maxPositions, width: c.hiddenSize)
        encoder = try CLIPEncoder(
            count: c.layers, width: c.hiddenSize, intermediate: c.intermediateSize, heads: c.attentionHeads,
            activation: Activation(configName: c.activation), eps: c.layerNormEps)
        finalLayerNorm = try LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        eosTokenID = c.eosTokenID
    }

    /// The pooled position of each row: argmax(ids) when `eos_token_id` is the legacy 2 (OpenAI's rule; the EOT id
    /// is the largest), otherwise the first position holding `eos_token_id` (0 when absent, as transformers does).
    public func poolingIndices(_ ids: [Int], batch: Int, length: Int) -> [Int] {
        (0..<batch).map { b in
            let row = ids[(b * length)..<((b + 1) * length)]
            if eosTokenID == 2 {
                var best = row.startIndex
                for i in row.indices where row[i] > row[best] { best = i }
                return best - row.startIndex
            }
            return (row.firstIndex(of: eosTokenID) ?? row.startIndex) - row.startIndex
        }
    }

    /// ids: [B, T] → hidden [B, T, C] (after the final LN) and pooled [B, C].
    /// `keyPadding` [B, T] (1 = attend) is optional; CLIP itself uses only the causal mask.
    public func callAsFunction(_ ids: [Int], batch: Int, length: Int, keyPadding: Tensor? = nil, tape: Tape) throws
        -> (hidden: Variable, pooled: Variable)
    {
        let x = try embeddings(ids, batch: batch, length: length, tape: tape)  // x: [B, T, C]
        let e = try encoder(x, causal: true, keyPadding: keyPadding, tape: tape)  // e: [B, T, C]
        let h = try finalLayerNorm(e, tape: tape)  // h: [B, T, C]
        // pooled[b] = h[b, index[b]], as a one-hot product so that gradients flow: [B, 1, T] · [B, T, C].
        var pick = try Tensor(zeros: [batch, 1, length])
        let index = poolingIndices(ids, batch: batch, length: length)
        pick.withUnsafeMutableBufferPointer { p in for b in 0..<batch { p[b * length + index[b]] = 1 } }
        let pooled = try tape.reshape(tape.matmul(.constant(pick), h), [batch, h.shape[2]])  // [B, C]
        return (h, pooled)
    }
}
