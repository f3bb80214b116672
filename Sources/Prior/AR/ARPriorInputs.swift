import TensorCore

/// One batch of B items as the AR prior reads it: the conditioning (caption tokens with their mask, the CLIP text
/// embedding, the cosine token) and a prefix of n image codes per item.
public struct ARPriorInputs {
    /// Caption token ids, row-major [B, T].
    public var tokens: [Int]
    /// True for real caption tokens, row-major [B, T] (the first token always counts as real).
    public var mask: [Bool]
    /// `text.embed` [B, D].
    public var textEmbedding: Tensor
    /// The quantised text–image cosine per item [B].
    public var dotTokens: [Int]
    /// The first n image codes per item, row-major [B, n] (n = 0 … K − 1).
    public var codes: [Int]
    /// Items whose text conditioning (caption and text embedding) is replaced by the learned null [B].
    public var dropped: [Bool]

    /// Inputs whose sizes agree with the batch of `textEmbedding`; throws naming the input that does not.
    public init(
        tokens: [Int], mask: [Bool], textEmbedding: Tensor, dotTokens: [Int], codes: [Int] = [],
        dropped: [Bool]? = nil
    ) throws {
        guard textEmbedding.rank == 2, textEmbedding.shape[0] >= 1 else {
            throw PriorError.badInput(name: "text.embed", shape: textEmbedding.shape, expected: "[B, D]")
        }
        let b = textEmbedding.shape[0]
        guard tokens.count % b == 0, tokens.count >= b else {
            throw PriorError.badInput(name: "text.tokens", shape: [tokens.count], expected: "[\(b), T]")
        }
        guard mask.count == tokens.count else {
            throw PriorError.badInput(name: "text.mask", shape: [mask.count], expected: "[\(b), \(tokens.count / b)]")
        }
        guard dotTokens.count == b else {
            throw PriorError.badInput(name: "dot tokens", shape: [dotTokens.count], expected: "[\(b)]")
        }
        guard codes.count % b == 0 else {
            throw PriorError.badInput(name: "codes", shape: [codes.count], expected: "[\(b), n]")
        }
        guard dropped == nil || dropped?.count == b else {
            throw PriorError.badInput(name: "dropped", shape: [dropped?.count ?? 0], expected: "[\(b)]")
        }
        self.tokens = tokens
        self.mask = mask
        self.textEmbedding = textEmbedding
        self.dotTokens = dotTokens
        self.codes = codes
        self.dropped = dropped ?? Array(repeating: false, count: b)
    }

    /// Batch size B.
    public var batchSize: Int { textEmbedding.shape[0] }
    /// Caption length T.
    public var textLength: Int { tokens.count / batchSize }
    /// Codes per item n.
    public var codeCount: Int { codes.count / batchSize }
}
