import Diffusion
import NN

extension Decoder {
    /// DDIM-inverts images to the x_T from which `decode` with η = 0 and the same steps, embedding and caption
    /// returns to them: the x_T half of unCLIP's bipartite latent (z_i, x_T). Chunked like `decode`.
    ///
    /// - Parameters:
    ///   - image: `[B, C, H, W]` in [−1, 1] (H and W multiples of the UNet's down-sampling).
    ///   - imageEmbedding: `[B, D]`, the images' own CLIP embeddings (z_i).
    ///   - caption: the B captions' encodings, or nil for the empty caption (as variations decode).
    ///   - unconditional: the empty caption's encodings (B = 1); needed without a caption or under guidance.
    ///   - options: `steps`, `guidance` (1 inverts exactly; others apply guidance on ε at every step) and
    ///     `batchLimit`; `eta` is ignored (inversion is deterministic).
    ///   - progress: called after each step with (step index, step count).
    /// - Returns: the latent x_T `[B, C, H, W]`.
    public func invert(
        image: Tensor, imageEmbedding: Tensor, caption: CaptionConditioning?, unconditional: CaptionConditioning?,
        options: DecodingOptions, progress: ((Int, Int) -> Void)? = nil
    ) throws -> Tensor {
        guard !takesInpaintingChannels else {
            throw UNetError.invalidConfig(key: "decoder", reason: "an inpainting decoder cannot invert images")
        }
        guard imageEmbedding.rank == 2, imageEmbedding.shape[0] > 0 else {
            throw UNetError.invalidInput(name: "image.embed", shape: imageEmbedding.shape, expected: "[B, D]")
        }
        let b = imageEmbedding.shape[0]
        guard image.rank == 4, image.shape[0] == b, image.shape[1] == imageChannels else {
            throw UNetError.invalidInput(
                name: "image", shape: image.shape, expected: "[\(b), \(imageChannels), H, W] to match image.embed")
        }
        try validateSpatial(image.shape)
        if let caption, caption.batchSize != b {
            throw UNetError.invalidInput(
                name: "text.embed", shape: caption.embedding.shape, expected: "[\(b), D] to match image.embed")
        }
        try validate(caption: caption, unconditional: unconditional)
        let timesteps = try self.timesteps(steps: options.steps, eta: 0)
        let inverter = DDIMInversion(schedule: schedule, predictionType: .epsilon)
        let out = try ChunkedSampling.run(batch: b, limit: options.batchLimit, seed: 0) { range, _ in
            let rows = try CaptionConditioning.decoderRows(
                conditional: caption?.items(range), unconditional: unconditional, batch: range.count,
                guided: options.isGuided)
            let denoiser = try self.denoiser(
                imageEmbedding: imageEmbedding.rows(range), textEmbedding: rows.embedding, textHidden: rows.hidden,
                mask: rows.mask, guidance: options.guidance)
            let chunk = try image.rows(range)  // chunk: [b, C, H, W]
            var step = 0
            let model = denoiser.model(shape: chunk.shape, extraChannels: nil)
            let counted: DenoisingModel = { x, t in
                defer {
                    step += 1
                    progress?(step - 1, timesteps.pairs.count)
                }
                return try model(x, t)
            }
            let latent = try inverter.invert(chunk.scalars, timesteps: timesteps, model: counted)
            let x = try Tensor(shape: chunk.shape, scalars: latent)
            return Output(image: x, noise: x)
        }
        return out.image
    }
}
