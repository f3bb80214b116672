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
            config.outChannels % 2 == 0,
            config.inChannels == config.outChannels / 2 || config.inChannels == config.outChannels + 1
        else {
            throw UNetError.invalidConfig(
                key: "decoder",
                reason:
                    "the UNet (identity class embedding, time width \(config.timeEmbeddingDim), context width \(config.contextInputDim), \(config.outChannels) output channels) does not fit the text projection (time \(textProjection.config.timeEmbedDim), context \(textProjection.config.crossAttentionDim)) with learned-range output (in_channels C, or 2C + 1 for an inpainting decoder; out_channels 2C)"
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

    /// Packs both networks' `Linear` weights once for sampling and drops their plain copies (a program that only
    /// samples: see `Module.prepareTreeForInference(keepingWeights:)`).
    public func prepareForInference() throws {
        try unet.prepareTreeForInference(keepingWeights: false)
        try textProjection.prepareTreeForInference(keepingWeights: false)
    }

    /// The image channels C (3 for RGB): half the UNet's learned-range output.
    public var imageChannels: Int { unet.config.outChannels / 2 }

    /// Whether the UNet takes GLIDE's inpainting inputs (the masked image and the keep mask, C + 1 extra input
    /// channels after x_t; `in_channels` = 2C + 1 in its config).
    public var takesInpaintingChannels: Bool { unet.config.inChannels == 2 * imageChannels + 1 }

    /// Samples images.
    ///
    /// - Parameters:
    ///   - imageEmbedding: `[B, D]` CLIP image embeddings.
    ///   - textEmbedding: `[R, D]` pooled CLIP text embeddings; with guidance (scale ≠ 1) R = 2B and the first B
    ///     rows are the empty caption's (the unconditional half), else R = B.
    ///   - textHidden: `[R, L, W]` CLIP last hidden states, rows as `textEmbedding`.
    ///   - mask: `[R, L]` text mask (1 = real token), rows as `textEmbedding`.
    ///   - size: output height and width; nil takes the UNet's `sample_size` (Karlo: 64).
    ///   - steps: respaced steps (Karlo's spacing 999 … 0; with `eta`, DDIM's 960 … 0 for 25).
    ///   - guidance: classifier-free guidance scale on ε (the variance channels come from the conditional half).
    ///   - imageGuidance: a separate scale for the image embedding (`DecodingOptions.imageGuidance`); then R = 3B
    ///     and the text rows are the empty caption's, then the captions twice.
    ///   - eta: nil runs Karlo's ancestral sampler with the learned variance; a value runs DDIM with that η
    ///     (0 = deterministic, the sampler that replays DDIM-inverted latents).
    ///   - clipsPrediction: whether each step clamps the predicted x₀ to [−1, 1] (off to replay an inverted latent).
    ///   - seed: Philox seed; x_T is drawn first, then each step's noise.
    ///   - noise: a starting x_T `[B, C, H, W]` to replay (or an inverted latent) instead of drawing one.
    ///   - progress: called after each step with (step index, step count).
    public func sample(
        imageEmbedding: Tensor, textEmbedding: Tensor, textHidden: Tensor, mask: Tensor?, size: Int? = nil,
        steps: Int = 25, guidance: Float = 8, imageGuidance: Float? = nil, eta: Double? = nil,
        clipsPrediction: Bool = true, seed: UInt64,
        noise: Tensor? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Output {
        guard !takesInpaintingChannels else {
            throw UNetError.missingInput(
                name: "mask", reason: "this decoder takes inpainting channels; sample it with Inpainting")
        }
        let denoiser = try self.denoiser(
            imageEmbedding: imageEmbedding, textEmbedding: textEmbedding, textHidden: textHidden, mask: mask,
            guidance: guidance, imageGuidance: imageGuidance)
        guard let size = size ?? unet.config.sampleSize else {
            throw UNetError.invalidInput(
                name: "size", shape: [], expected: "a size (no sample_size in the decoder's config.json)")
        }
        let shape = [imageEmbedding.shape[0], imageChannels, size, size]
        try validateSpatial(shape)
        let sampler = try self.sampler(eta: eta, clipsPrediction: clipsPrediction)
        let timesteps = try self.timesteps(steps: steps, eta: eta)
        let model = denoiser.model(shape: shape, extraChannels: nil)
        return try ReplayableSampling.run(
            shape: shape, timesteps: timesteps, sampler: sampler, model: model, seed: seed, noise: noise,
            progress: progress)
    }

    /// The respaced timesteps of a sampler: Karlo's 999 … 0 for its ancestral sampler; diffusers' DDIM `leading`
    /// spacing (960 … 0 for 25 steps) for DDIM and for inversion. DDIM must not start at 999: there ᾱ ≈ 2e-9, so
    /// x₀ = (x − √(1−ᾱ) ε)/√ᾱ multiplies any error in ε by 2·10⁴, which only the clamp to [−1, 1] hides — and an
    /// inverted latent is replayed without it. At 960 the factor is 16.
    func timesteps(steps: Int, eta: Double?) throws -> TimestepSchedule {
        if eta == nil {
            return try TimestepSchedule.karlo(steps: steps, trainingSteps: schedule.trainingSteps)
        }
        return try TimestepSchedule.ddim(steps: steps, trainingSteps: schedule.trainingSteps)
    }

    /// The reverse-step rule: Karlo's ancestral DDPM step with learned-range variance, or DDIM with η.
    func sampler(eta: Double?, clipsPrediction: Bool = true) throws -> any DiffusionSampler {
        let clipping: SampleClipping = clipsPrediction ? .unit : .off
        if let eta {
            return try DDIMSampler(schedule: schedule, predictionType: .epsilon, clipping: clipping, eta: eta)
        }
        return try DDPMSampler(
            schedule: schedule, predictionType: .epsilon, varianceType: .learnedRange, clipping: clipping,
            convention: .unclip)
    }

    /// Checks that `[B, C, H, W]` fits the UNet's down-sampling (H and W positive multiples of 2^(levels − 1)).
    func validateSpatial(_ shape: [Int]) throws {
        let factor = 1 << (unet.config.levels - 1)
        guard shape[2] > 0, shape[3] > 0, shape[2] % factor == 0, shape[3] % factor == 0 else {
            throw UNetError.invalidInput(
                name: "size", shape: Array(shape[2...]), expected: "positive multiples of \(factor)")
        }
    }
}
