import Diffusion
import NN

/// unCLIP's diffusion upsampler: a low-resolution image, already resized to the output size, to a sharp image,
/// by ancestral sampling of a `UNet2DModel` that sees `[x_t, low-res]` on the channel axis. Karlo runs its first
/// steps with `super_res_first` and the last step with `super_res_last` (fine-tuned with a GAN loss).
/// Follows the super-resolution loop of diffusers' UnCLIPPipeline (UnCLIPScheduler `fixed_small_log`; ε as Karlo,
/// or the `prediction_type` of the folder's `scheduler_config.json`).
public struct SuperResolution {
    public let first: UNetModel
    /// The model of the last step; nil runs `first` throughout.
    public let last: UNetModel?
    public let schedule: NoiseSchedule
    /// What the UNets output (Karlo's: ε).
    public let predictionType: PredictionType

    public init(
        first: UNetModel, last: UNetModel? = nil, schedule: NoiseSchedule? = nil,
        predictionType: PredictionType = .epsilon
    ) throws {
        for model in [first] + (last.map { [$0] } ?? []) {
            let c = model.config
            guard c.inChannels == 2 * c.outChannels, !c.usesContext, !c.classEmbeddingIsIdentity,
                c.inChannels == first.config.inChannels
            else {
                throw UNetError.invalidConfig(
                    key: "super_res",
                    reason:
                        "needs in_channels = 2 × out_channels and no context or class input (got \(c.inChannels) → \(c.outChannels))"
                )
            }
        }
        self.first = first
        self.last = last
        self.schedule = try schedule ?? NoiseSchedule(.squaredCosine, trainingSteps: 1000)
        self.predictionType = predictionType
    }

    /// Packs the UNets' `Linear` weights once for sampling and drops their plain copies (a program that only
    /// samples: see `Module.prepareTreeForInference(keepingWeights:)`).
    public func prepareForInference() throws {
        try first.prepareTreeForInference(keepingWeights: false)
        try last?.prepareTreeForInference(keepingWeights: false)
    }

    /// Samples the high-resolution images.
    ///
    /// - Parameters:
    ///   - lowResolution: `[B, C, H, W]`, the low-resolution images (clamped to [−1, 1]) resized to H × W
    ///     (the references use bicubic with antialias).
    ///   - steps: respaced steps (Karlo: 7, timesteps 999, 832, …, 0).
    ///   - seed: Philox seed; x_T is drawn first, then each step's noise.
    ///   - noise: a starting x_T `[B, C, H, W]` to replay instead of drawing one.
    /// - Returns: the images `[B, C, H, W]` clamped to [−1, 1], and x_T.
    public func sample(
        lowResolution: Tensor, steps: Int = 7, seed: UInt64, noise: Tensor? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Decoder.Output {
        let c = first.config.outChannels
        guard lowResolution.rank == 4, lowResolution.shape[0] > 0, lowResolution.shape[1] == c else {
            throw UNetError.invalidInput(name: "image", shape: lowResolution.shape, expected: "[B, \(c), H, W]")
        }
        let shape = lowResolution.shape
        let sampler = try DDPMSampler(
            schedule: schedule, predictionType: predictionType, varianceType: .fixedSmallLog, clipping: .unit,
            convention: .unclip)
        let timesteps = try TimestepSchedule.karlo(steps: steps, trainingSteps: schedule.trainingSteps)
        let lastTimestep = timesteps[timesteps.count - 1].timestep
        let (first, last) = (self.first, self.last ?? self.first)
        let model: DenoisingModel = { flat, t in
            let x = try Tensor(shape: shape, scalars: flat)  // x: [B, C, H, W]
            let input = try Tensor.concatenate([x, lowResolution], axis: 1)  // input: [B, 2C, H, W]
            let unet = t == lastTimestep ? last : first
            return ModelOutput(prediction: try unet.predict(sample: input, timesteps: [Float(t)]).scalars)
        }
        return try ReplayableSampling.run(
            shape: shape, timesteps: timesteps, sampler: sampler, model: model, seed: seed, noise: noise,
            progress: progress)
    }
}
