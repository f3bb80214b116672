import Foundation
import NN
import TensorStream

/// Builds `unclip-text` frames: tokens, mask, pooled embedding and hidden states for a batch of prompts.
public struct CLIPTextFrames {
    /// The text encoder; nil for a tokenizer-only stage.
    public let encoder: CLIPTextEncoder?
    public let tokenizer: CLIPTokenizer

    public init(encoder: CLIPTextEncoder?, tokenizer: CLIPTokenizer) {
        self.encoder = encoder
        self.tokenizer = tokenizer
    }

    /// A frame holding `text.tokens` I32 [B, T], `text.mask` BOOL [B, T] and, unless `tokensOnly`,
    /// `text.embed` F32 [B, D] and `text.hidden` F32 [B, T, W] when there is an encoder; metadata `prompt` is the
    /// JSON list of prompts. Over-long prompts are an error naming the prompt unless `truncate`.
    public func frame(prompts: [String], truncate: Bool) throws -> Frame {
        guard !prompts.isEmpty else { throw CLIPError.badInput("no prompts") }
        let batch: TokenBatch
        do {
            batch = try tokenizer.tokenize(prompts, truncate: truncate)
        } catch let TokenizerError.textTooLong(index, count, context) {
            throw CLIPError.badInput(
                "prompt \(index + 1) is \(count) tokens, over the \(context)-token context (use --truncate to cut it)")
        }
        var frame = Frame()
        frame.setMetadataList(prompts, for: "prompt")
        frame["text.tokens"] = try .int32(shape: batch.shape, batch.ids)
        frame["text.mask"] = try .bool(shape: batch.shape, batch.mask)
        guard let encoder else { return frame }
        let ids = batch.ids.map(Int.init), vocabulary = encoder.configuration.vocabularySize
        if let bad = ids.first(where: { $0 >= vocabulary }) {
            throw CLIPError.badInput(
                "token id \(bad) from the tokenizer is outside the model's \(vocabulary)-token vocabulary")
        }
        let out = try encoder(ids, batch: batch.count, length: batch.contextLength, tape: Tape(recording: false))
        frame["text.embed"] = try out.embeds.value.blob()  // [B, D]
        frame["text.hidden"] = try out.hidden.value.blob()  // [B, T, W]
        return frame
    }
}
