import Diffusion

/// Hyper-parameters of diffusion-upsampler training.
public struct UpsamplerTrainingOptions: Sendable, Equatable {
    /// Total optimizer steps (the cosine schedule ends here).
    public var steps: Int
    /// Crops per batch.
    public var batchSize: Int
    /// Peak learning rate.
    public var learningRate: Float
    /// Learning rate at the end of the cosine decay, as a fraction of the peak.
    public var minimumLearningRateRatio: Float
    public var warmupSteps: Int
    public var weightDecay: Float
    /// Global gradient-norm clip (0 disables).
    public var gradientClip: Float
    /// EMA decay of the weights (nil: no EMA). Constant decay, so that resuming is exact.
    public var emaDecay: Float?
    /// Min-SNR-γ loss weighting (nil: uniform).
    public var minSNRGamma: Double?
    /// What the UNet learns to output: ε (Karlo's upsamplers) or v (stable at the high-noise end, where x₀ from
    /// ε divides by √ᾱ ≈ 0; a small, briefly trained model needs that).
    public var predictionType: PredictionType
    /// Seed of the data stream (scenes, crops, corruptions, timesteps, noise); initialisation has its own.
    public var seed: UInt64

    public init(
        steps: Int, batchSize: Int = 8, learningRate: Float = 1e-3, minimumLearningRateRatio: Float = 0.05,
        warmupSteps: Int = 100, weightDecay: Float = 0, gradientClip: Float = 1, emaDecay: Float? = 0.995,
        minSNRGamma: Double? = 5, predictionType: PredictionType = .velocity, seed: UInt64 = 0
    ) throws {
        guard steps >= 0 else { throw TrainingError.badOption("--steps must be at least 0") }
        guard batchSize >= 1 else { throw TrainingError.badOption("--batch must be at least 1") }
        guard learningRate.isFinite, learningRate > 0 else { throw TrainingError.badOption("--lr must be positive") }
        guard (0...1).contains(minimumLearningRateRatio), warmupSteps >= 0, weightDecay >= 0, gradientClip >= 0 else {
            throw TrainingError.badOption("warm-up, weight decay and clipping must not be negative")
        }
        if let d = emaDecay, !(d > 0 && d < 1) { throw TrainingError.badOption("--ema must be in (0, 1)") }
        if let g = minSNRGamma, !(g > 0 && g.isFinite) { throw TrainingError.badOption("--min-snr must be positive") }
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.minimumLearningRateRatio = minimumLearningRateRatio
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.emaDecay = emaDecay
        self.minSNRGamma = minSNRGamma
        self.predictionType = predictionType
        self.seed = seed
    }
}
