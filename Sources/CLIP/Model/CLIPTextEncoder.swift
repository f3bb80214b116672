import NN

// Follows Hugging Face transformers' CLIPTextModelWithProjection.

/// What the text encoder returns for a batch of token rows.
public struct CLIPTextOutput {
    /// Projected pooled features `[B, E]` (not normalised): `text.embed`.
    public var embeds: Variable
    /// Pooled features before the projection `[B, C]`.
    public var pooled: Variable
    /// Per-token states after the final layer norm `[B, T, C]`: `text.hidden`.
    public var hidden: Variable
}

/// The text tower with its projection. Keys: `text_model.*`, `text_projection.weight` (no bias).
public final class CLIPTextEncoder: Module {
    public let textModel: CLIPTextTransformer
    public let textProjection: Linear
    public let configuration: CLIPTextConfiguration

    public init(_ c: CLIPTextConfiguration) throws {
        textModel = try CLIPTextTransformer(c)
        textProjection = try Linear(c.hiddenSize, c.projectionDim, bias: false)
        configuration = c
    }

    /// ids: [B, T] row-major → embeds [B, E], pooled [B, C], hidden [B, T, C].
    public func callAsFunction(_ ids: [Int], batch: Int, length: Int, keyPadding: Tensor? = nil, tape: Tape) throws
        -> CLIPTextOutput
    {
        guard batch > 0, length > 0, ids.count == batch * length else {
            throw CLIPError.badInput("\(ids.count) token ids for a [\(batch), \(length)] batch")
        }
        let (hidden, pooled) = try textModel(ids, batch: batch, length: length, keyPadding: keyPadding, tape: tape)
        return CLIPTextOutput(embeds: try textProjection(pooled, tape: tape), pooled: pooled, hidden: hidden)
    }

    /// Inference on a token tensor `[B, T]` (any integer-valued float tensor, as read from a frame).
    public func encode(tokens: Tensor, keyPadding: Tensor? = nil) throws -> CLIPTextOutput {
        guard tokens.rank == 2 else { throw CLIPError.badInput("token tensor \(tokens.shape), expected [B, T]") }
        var ids: [Int] = []
        ids.reserveCapacity(tokens.count)
        for v in tokens.scalars {
            guard v.isFinite, v >= 0, v < Float(configuration.vocabularySize), v == v.rounded() else {
                throw CLIPError.badInput("token id \(v) outside 0..<\(configuration.vocabularySize)")
            }
            ids.append(Int(v))
        }
        return try self(
            ids, batch: tokens.shape[0], length: tokens.shape[1], keyPadding: keyPadding, tape: Tape(recording: false))
    }
}
