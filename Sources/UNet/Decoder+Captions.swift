import NN

extension Decoder {
    /// Decodes a batch from per-item conditioning, in chunks of `options.batchLimit`: the text rows of each chunk
    /// (the empty caption under guidance, then the captions) are assembled by `CaptionConditioning.decoderRows`.
    ///
    /// - Parameters:
    ///   - imageEmbedding: `[B, D]`.
    ///   - caption: the B captions' encodings, or nil to decode from the empty caption (variations).
    ///   - unconditional: the empty caption's encodings (B = 1); required under guidance.
    ///   - start: x_T `[B, C, H, W]` to replay or an inverted latent; nil draws it.
    public func decode(
        imageEmbedding: Tensor, caption: CaptionConditioning?, unconditional: CaptionConditioning?,
        options: DecodingOptions, seed: UInt64, start: Tensor? = nil, progress: ((Int, Int) -> Void)? = nil
    ) throws -> Output {
        guard imageEmbedding.rank == 2, imageEmbedding.shape[0] > 0 else {
            throw UNetError.invalidInput(name: "image.embed", shape: imageEmbedding.shape, expected: "[B, D]")
        }
        let b = imageEmbedding.shape[0]
        if let caption, caption.batchSize != b {
            throw UNetError.invalidInput(
                name: "text.embed", shape: caption.embedding.shape, expected: "[\(b), D] to match image.embed")
        }
        if let start, start.shape.first != b {
            throw UNetError.invalidInput(name: "noise", shape: start.shape, expected: "[\(b), C, H, W]")
        }
        try validate(caption: caption, unconditional: unconditional)
        return try ChunkedSampling.run(batch: b, limit: options.batchLimit, seed: seed) { range, chunkSeed in
            let rows = try CaptionConditioning.decoderRows(
                conditional: caption?.items(range), unconditional: unconditional, batch: range.count,
                guided: options.isGuided, captionTwice: options.imageGuidance != nil)
            return try sample(
                imageEmbedding: imageEmbedding.rows(range), textEmbedding: rows.embedding, textHidden: rows.hidden,
                mask: rows.mask, size: options.size, steps: options.steps, guidance: options.guidance,
                imageGuidance: options.imageGuidance, eta: options.eta, clipsPrediction: options.clipsPrediction,
                seed: chunkSeed,
                noise: start?.rows(range), progress: progress)
        }
    }

    /// Checks the caption tensors' widths against the text projection's CLIP width, naming the tensor (and
    /// whether it came from the frame or from the model folder's empty caption).
    func validate(caption: CaptionConditioning?, unconditional: CaptionConditioning?) throws {
        let d = textProjection.config.clipEmbeddingsDim
        for (prefix, c) in [("", caption), ("unconditional.safetensors ", unconditional)] {
            guard let c else { continue }
            guard c.embedding.shape[1] == d else {
                throw UNetError.invalidInput(
                    name: prefix + "text.embed", shape: c.embedding.shape, expected: "[\(c.batchSize), \(d)]")
            }
            guard c.hidden.shape[2] == d else {
                throw UNetError.invalidInput(
                    name: prefix + "text.hidden", shape: c.hidden.shape,
                    expected: "[\(c.batchSize), \(c.hidden.shape[1]), \(d)]")
            }
        }
    }
}
