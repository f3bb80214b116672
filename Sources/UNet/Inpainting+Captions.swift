import NN

extension Inpainting {
    /// Inpaints a batch from per-item conditioning, in chunks of `options.batchLimit` (see `Decoder.decode`).
    ///
    /// - Parameters:
    ///   - image: `[B, C, H, W]` in [−1, 1].
    ///   - mask: `[B, 1, H, W]`, 1 = regenerate.
    ///   - imageEmbedding: `[B, D]`.
    ///   - caption: the B captions' encodings, or nil for the empty caption.
    ///   - unconditional: the empty caption's encodings (B = 1); required under guidance.
    ///   - start: x_T `[B, C, H, W]` to replay; nil draws it.
    public func inpaint(
        image: Tensor, mask: Tensor, imageEmbedding: Tensor, caption: CaptionConditioning?,
        unconditional: CaptionConditioning?, options: DecodingOptions, seed: UInt64, start: Tensor? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Decoder.Output {
        guard imageEmbedding.rank == 2, imageEmbedding.shape[0] > 0 else {
            throw UNetError.invalidInput(name: "image.embed", shape: imageEmbedding.shape, expected: "[B, D]")
        }
        let b = imageEmbedding.shape[0]
        guard image.rank == 4, image.shape[0] == b else {
            throw UNetError.invalidInput(
                name: "image", shape: image.shape, expected: "[\(b), \(decoder.imageChannels), H, W]")
        }
        guard mask.rank == 4, mask.shape[0] == b else {
            throw UNetError.invalidInput(
                name: "mask", shape: mask.shape, expected: "[\(b), 1, \(image.shape[2]), \(image.shape[3])]")
        }
        if let caption, caption.batchSize != b {
            throw UNetError.invalidInput(
                name: "text.embed", shape: caption.embedding.shape, expected: "[\(b), D] to match image.embed")
        }
        if let start, start.shape.first != b {
            throw UNetError.invalidInput(name: "inpaint.noise", shape: start.shape, expected: "\(image.shape)")
        }
        try decoder.validate(caption: caption, unconditional: unconditional)
        return try ChunkedSampling.run(batch: b, limit: options.batchLimit, seed: seed) { range, chunkSeed in
            let rows = try CaptionConditioning.decoderRows(
                conditional: caption?.items(range), unconditional: unconditional, batch: range.count,
                guided: options.isGuided)
            return try sample(
                image: image.rows(range), mask: mask.rows(range), imageEmbedding: imageEmbedding.rows(range),
                textEmbedding: rows.embedding, textHidden: rows.hidden, textMask: rows.mask, steps: options.steps,
                guidance: options.guidance, eta: options.eta, resample: options.resample, seed: chunkSeed,
                noise: start?.rows(range), progress: progress)
        }
    }
}
