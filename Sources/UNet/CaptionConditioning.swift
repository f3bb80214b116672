import NN

/// The caption's CLIP encodings for a decoder batch of B items: `text.embed`, `text.hidden` and optionally
/// `text.mask` of a frame, or the empty caption's (a model folder's `unconditional.safetensors`, B = 1).
public struct CaptionConditioning {
    /// `[B, D]` pooled text embeddings.
    public var embedding: Tensor
    /// `[B, L, W]` last hidden states.
    public var hidden: Tensor
    /// `[B, L]`, 1 for real tokens; nil attends to every token.
    public var mask: Tensor?

    /// Conditioning whose tensors agree on B and L; throws naming the tensor that does not.
    public init(embedding: Tensor, hidden: Tensor, mask: Tensor? = nil) throws {
        guard embedding.rank == 2, embedding.shape[0] > 0 else {
            throw UNetError.invalidInput(name: "text.embed", shape: embedding.shape, expected: "[B, D]")
        }
        let b = embedding.shape[0]
        guard hidden.rank == 3, hidden.shape[0] == b, hidden.shape[1] > 0 else {
            throw UNetError.invalidInput(name: "text.hidden", shape: hidden.shape, expected: "[\(b), L, W]")
        }
        if let mask, mask.shape != [b, hidden.shape[1]] {
            throw UNetError.invalidInput(name: "text.mask", shape: mask.shape, expected: "[\(b), \(hidden.shape[1])]")
        }
        self.embedding = embedding
        self.hidden = hidden
        self.mask = mask
    }

    /// Number of items B.
    public var batchSize: Int { embedding.shape[0] }

    /// Items `range` (for decoding a batch in chunks).
    public func items(_ range: Range<Int>) throws -> CaptionConditioning {
        try CaptionConditioning(
            embedding: embedding.rows(range), hidden: hidden.rows(range), mask: mask?.rows(range))
    }

    /// The text rows of `Decoder.sample` for B = `conditional.batchSize` images: with guidance the empty caption
    /// repeated B times, then the captions (2B rows), and with `captionTwice` (separate image guidance) the
    /// captions once more (3B rows); without guidance, the captions alone. A missing mask on one side
    /// becomes all ones when the other side has one. `conditional` nil (a frame with an image embedding only, as
    /// for variations) decodes from the empty caption.
    public static func decoderRows(
        conditional: CaptionConditioning?, unconditional: CaptionConditioning?, batch: Int, guided: Bool,
        captionTwice: Bool = false
    ) throws -> CaptionConditioning {
        let null = try unconditional.map { u -> CaptionConditioning in
            guard u.batchSize == 1 else {
                throw UNetError.invalidInput(
                    name: "unconditional text.embed", shape: u.embedding.shape, expected: "[1, D]")
            }
            return try u.items(0..<1).repeated(batch)
        }
        guard let captions = conditional ?? null else {
            throw UNetError.missingInput(
                name: "text.embed", reason: "the frame has no caption and the model folder no unconditional.safetensors"
            )
        }
        guard captions.batchSize == batch else {
            throw UNetError.invalidInput(
                name: "text.embed", shape: captions.embedding.shape, expected: "[\(batch), D] to match image.embed")
        }
        guard guided else { return captions }
        guard let null else {
            throw UNetError.missingInput(
                name: "unconditional.safetensors",
                reason: "guidance needs the empty caption's text.embed/text.hidden/text.mask in the model folder")
        }
        guard null.embedding.shape[1] == captions.embedding.shape[1],
            Array(null.hidden.shape.dropFirst()) == Array(captions.hidden.shape.dropFirst())
        else {
            throw UNetError.invalidInput(
                name: "unconditional text.hidden", shape: null.hidden.shape,
                expected: "[1] + \(Array(captions.hidden.shape.dropFirst())) like the frame's text.hidden")
        }
        let parts = captionTwice ? [null, captions, captions] : [null, captions]
        var mask: Tensor? = nil
        if null.mask != nil || captions.mask != nil {
            let ones = try Tensor(repeating: 1, shape: [batch, captions.hidden.shape[1]])
            mask = try Tensor.concatenate(parts.map { $0.mask ?? ones }, axis: 0)
        }
        return try CaptionConditioning(
            embedding: Tensor.concatenate(parts.map(\.embedding), axis: 0),
            hidden: Tensor.concatenate(parts.map(\.hidden), axis: 0), mask: mask)
    }

    /// The (single) item repeated `count` times.
    func repeated(_ count: Int) throws -> CaptionConditioning {
        try CaptionConditioning(
            embedding: Tensor.concatenate(Array(repeating: embedding, count: count), axis: 0),
            hidden: Tensor.concatenate(Array(repeating: hidden, count: count), axis: 0),
            mask: mask.map { try Tensor.concatenate(Array(repeating: $0, count: count), axis: 0) })
    }
}

extension Tensor {
    /// Items `range` of a batch: [B, …] → [range.count, …] (for sampling in chunks).
    public func items(_ range: Range<Int>) throws -> Tensor {
        guard rank > 0, range.lowerBound >= 0, range.upperBound <= shape[0] else {
            throw UNetError.invalidInput(name: "batch", shape: shape, expected: "items \(range) of the leading axis")
        }
        return try rows(range)
    }

    /// Slices `range` of the leading axis: [B, …] → [range.count, …].
    func rows(_ range: Range<Int>) throws -> Tensor {
        let b = shape[0]
        if range == 0..<b { return self }
        let sizes = [range.lowerBound, range.count, b - range.upperBound]
        return try split(sizes: sizes, axis: 0)[1]
    }
}

extension CaptionConditioning {
    /// A frame's caption tensors, any of which may be absent: nil when there is no `text.embed` (an image
    /// embedding alone, decoded from the empty caption), an error when `text.embed` comes without `text.hidden`.
    public init?(frameEmbedding embedding: Tensor?, hidden: Tensor?, mask: Tensor?) throws {
        guard let embedding else { return nil }
        guard let hidden else {
            throw UNetError.missingInput(name: "text.hidden", reason: "the decoder reads the caption's hidden states")
        }
        try self.init(embedding: embedding, hidden: hidden, mask: mask)
    }
}
