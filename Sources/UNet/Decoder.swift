import Diffusion
import NN

/// unCLIP's decoder: a CLIP image embedding (and the caption's CLIP encodings) to a small image, by ancestral
/// sampling of the decoder UNet with learned-range variance and classifier-free guidance on ε.
/// Follows the decoder loop of diffusers' UnCLIPPipeline (with UnCLIPScheduler) and Karlo's sampler.
public struct Decoder {
    public let unet: UNetModel
    public let textProjection: UnCLIPTextProjection
    /// The training noise schedule (Karlo: squared cosine, 1000 steps).
    public let schedule: NoiseSchedule

    public init(unet: UNetModel, textProjection: UnCLIPTextProjection, schedule: NoiseSchedule? = nil) throws {
        let config = unet.config
        guard config.classEmbeddingIsIdentity, config.timeEmbeddingDim == textProjection.config.timeEmbedDim,
            config.contextInputDim == textProjection.config.crossAttentionDim,
            config.outChannels == 2 * config.inChannels
        else {
            throw UNetError.invalidConfig(
                key: "decoder",
                reason:
                    "the UNet (identity class embedding, time width \(config.timeEmbeddingDim), context width \(config.contextInputDim), \(config.outChannels) output channels) does not fit the text projection (time \(textProjection.config.timeEmbedDim), context \(textProjection.config.crossAttentionDim)) with learned-range output"
            )
        }
        self.unet = unet
        self.textProjection = textProjection
        self.schedule = try schedule ?? NoiseSchedule(.squaredCosine, trainingSteps: 1000)
    }

    /// The result of `sample`: the image and the starting noise (so a run can be replayed).
    public struct Output {
        /// `[B, C, H, W]`, clamped to [−1, 1].
        public var image: Tensor
        /// `[B, C, H, W]`: x_T.
        public var noise: Tensor
    }

    /// Samples images.
    ///
    /// - Parameters:
    ///   - imageEmbedding: `[B, D]` CLIP image embeddings.
    ///   - textEmbedding: `[R, D]` pooled CLIP text embeddings; with guidance (scale ≠ 1) R = 2B and the first B
    ///     rows are the empty caption's (the unconditional half), else R = B.
    ///   - textHidden: `[R, L, W]` CLIP last hidden states, rows as `textEmbedding`.
    ///   - mask: `[R, L]` text mask (1 = real token), rows as `textEmbedding`.
    ///   - size: output height and width; nil takes the UNet's `sample_size` (Karlo: 64).
    ///   - steps: respaced DDPM steps (Karlo's spacing: 999 … 0).
    ///   - guidance: classifier-free guidance scale on ε (the variance channels come from the conditional half).
    ///   - seed: Philox seed; x_T is drawn first, then each step's noise.
    ///   - noise: a starting x_T `[B, C, H, W]` to replay instead of drawing one.
    ///   - progress: called after each step with (step index, step count).
    public func sample(
        imageEmbedding: Tensor, textEmbedding: Tensor, textHidden: Tensor, mask: Tensor?, size: Int? = nil,
        steps: Int = 25, guidance: Float = 8, seed: UInt64, noise: Tensor? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Output {
        let guide = try ClassifierFreeGuidance(scale: guidance)
        guard imageEmbedding.rank == 2, imageEmbedding.shape[0] > 0 else {
            throw UNetError.invalidInput(name: "image.embed", shape: imageEmbedding.shape, expected: "[B, D]")
        }
        let b = imageEmbedding.shape[0], rows = guide.isActive ? 2 * b : b
        guard textEmbedding.rank == 2, textEmbedding.shape[0] == rows else {
            throw UNetError.invalidInput(
                name: "text.embed", shape: textEmbedding.shape,
                expected: "[\(rows), D] (unconditional rows first under guidance)")
        }
        // Conditioning, computed once: context [R, K+L, C], time term [R, T], mask [R, K+L].
        let cond = try textProjection.predict(
            imageEmbedding: imageEmbedding, textEmbedding: textEmbedding, textHidden: textHidden,
            classifierFreeGuidance: guide.isActive)
        let contextMask = try mask.map { m -> Tensor in
            guard m.shape == [rows, textHidden.shape[1]] else {
                throw UNetError.invalidInput(
                    name: "text.mask", shape: m.shape, expected: "[\(rows), \(textHidden.shape[1])]")
            }
            return try textProjection.contextMask(textMask: m)
        }
        guard let size = size ?? unet.config.sampleSize, size > 0, size % (1 << (unet.config.levels - 1)) == 0 else {
            throw UNetError.invalidInput(
                name: "size", shape: [size ?? 0],
                expected: "a positive multiple of \(1 << (unet.config.levels - 1)) (no sample_size in config.json)")
        }
        let channels = unet.config.inChannels
        let shape = [b, channels, size, size]
        let count = shape.reduce(1, *)
        let sampler = try DDPMSampler(
            schedule: schedule, predictionType: .epsilon, varianceType: .learnedRange, clipping: .unit,
            convention: .unclip)
        let timesteps = try TimestepSchedule.karlo(steps: steps, trainingSteps: schedule.trainingSteps)
        let unet = self.unet
        let model: DenoisingModel = { flat, t in
            var x = try Tensor(shape: shape, scalars: flat)  // x: [B, C, H, W]
            if guide.isActive { x = try Tensor.concatenate([x, x], axis: 0) }  // x: [2B, C, H, W]
            let out = try unet.predict(
                sample: x, timesteps: [Float(t)], context: cond.context, contextMask: contextMask,
                classLabels: cond.timeEmbedding)  // out: [R, 2C, H, W]
            let split = try ModelOutput(splittingChannelsOf: out.scalars, batchSize: rows)
            return guide.isActive ? try guide.combine(batched: split) : split
        }
        var loop: DenoisingLoop
        var source = PhiloxNoiseSource(seed: seed)
        if let noise {
            guard noise.shape == shape else {
                throw UNetError.invalidInput(name: "noise", shape: noise.shape, expected: "\(shape)")
            }
            // Skip the draws x_T would have taken, so a replayed x_T gets the same step noise as the original run.
            _ = source.normals(count: count)
            loop = DenoisingLoop(
                initialSample: noise.scalars, timesteps: timesteps, sampler: sampler, noise: source, model: model)
        } else {
            loop = DenoisingLoop(
                sampleCount: count, timesteps: timesteps, sampler: sampler, noise: source, model: model)
        }
        let start = try Tensor(shape: shape, scalars: loop.sample)
        while let step = try loop.nextStep() { progress?(step.index, step.count) }
        // The final sample clamped to [−1, 1], as the reference pipeline does.
        let image = loop.sample.map { Swift.min(Swift.max($0, -1), 1) }
        return Output(image: try Tensor(shape: shape, scalars: image), noise: start)
    }
}
