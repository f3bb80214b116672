import NN

/// Text embeddings for lists of sentences (class prompts, frame prompts): tokenizer plus text tower, in batches.
public struct CLIPTextEmbedder {
    public let encoder: CLIPTextEncoder
    public let tokenizer: CLIPTokenizer
    /// Sentences per encoder call.
    public var batchSize = 64

    public init(encoder: CLIPTextEncoder, tokenizer: CLIPTokenizer) {
        self.encoder = encoder
        self.tokenizer = tokenizer
    }

    /// The projected text embeddings `[N, D]` (`text.embed`, not normalised) of `texts`. A text longer than the
    /// context is an error naming it.
    public func embed(_ texts: [String]) throws -> FeatureRows {
        guard !texts.isEmpty else { throw CLIPError.badInput("no texts to encode") }
        var values: [Double] = []
        var width = 0
        for start in stride(from: 0, to: texts.count, by: max(batchSize, 1)) {
            let chunk = Array(texts[start..<min(texts.count, start + max(batchSize, 1))])
            let batch: TokenBatch
            do {
                batch = try tokenizer.tokenize(chunk, truncate: false)
            } catch let TokenizerError.textTooLong(index, count, context) {
                throw CLIPError.badInput("'\(chunk[index])' is \(count) tokens, over the \(context)-token context")
            }
            let ids = batch.ids.map(Int.init)
            if let bad = ids.first(where: { $0 >= encoder.configuration.vocabularySize }) {
                throw CLIPError.badInput(
                    "token id \(bad) is outside the model's \(encoder.configuration.vocabularySize)-token vocabulary")
            }
            let out = try encoder(ids, batch: batch.count, length: batch.contextLength, tape: Tape(recording: false))
            let embeds = out.embeds.value  // [n, D]
            width = embeds.shape[1]
            values += embeds.scalars.map(Double.init)
        }
        return try FeatureRows(count: texts.count, width: width, values: values)
    }
}
