/// Hyper-parameters of unCLIP decoder training (and of the inpainting decoder, the same loop).
public struct DecoderTrainingOptions: Sendable, Equatable {
    /// Total optimizer steps (the cosine schedule ends here).
    public var steps: Int
    public var batchSize: Int
    /// Peak learning rate.
    public var learningRate: Float
    /// Learning rate at the end of the cosine decay, as a fraction of the peak.
    public var minimumLearningRateRatio: Float
    public var warmupSteps: Int
    public var weightDecay: Float
    /// Global gradient-norm clip (0 disables).
    public var gradientClip: Float
    /// EMA decay cap; the decay warms up as min(cap, (1 + n)/(10 + n)) over the n updates so far.
    public var emaDecay: Float
    /// How often a row's CLIP image embedding is replaced by the learned null embedding (unCLIP: 10%).
    public var imageDropout: Double
    /// How often a row's caption is replaced by the empty caption (unCLIP: 50%).
    public var captionDropout: Double
    /// Min-SNR-γ weighting of the ε loss (nil: uniform, the plain simple loss).
    public var minSNRGamma: Double?
    /// Weight of the variational-bound term that trains the learned variance (improved DDPM's hybrid loss: 1).
    public var variationalBoundWeight: Double
    /// A resolution schedule: train at this side for the first `lowResolutionSteps` steps (the UNet is fully
    /// convolutional), then at the decoder's `sample_size`. Nil trains at `sample_size` throughout.
    public var lowResolution: Int?
    public var lowResolutionSteps: Int
    /// Seed of the data stream (scenes, captions, timesteps, noise, dropout, masks).
    public var seed: UInt64

    public init(
        steps: Int, batchSize: Int = 32, learningRate: Float = 1e-3, minimumLearningRateRatio: Float = 0.05,
        warmupSteps: Int = 100, weightDecay: Float = 0, gradientClip: Float = 1, emaDecay: Float = 0.999,
        imageDropout: Double = 0.1, captionDropout: Double = 0.5, minSNRGamma: Double? = 5,
        variationalBoundWeight: Double = 1, lowResolution: Int? = nil, lowResolutionSteps: Int = 0, seed: UInt64 = 0
    ) throws {
        if let r = lowResolution, r < 8 { throw TrainingError.badOption("--low-res must be at least 8") }
        guard lowResolutionSteps >= 0 else { throw TrainingError.badOption("--low-res-steps must not be negative") }
        guard steps >= 0 else { throw TrainingError.badOption("--steps must be at least 0") }
        guard batchSize >= 1 else { throw TrainingError.badOption("--batch must be at least 1") }
        guard learningRate.isFinite, learningRate > 0 else { throw TrainingError.badOption("--lr must be positive") }
        guard (0...1).contains(minimumLearningRateRatio), warmupSteps >= 0, weightDecay >= 0, gradientClip >= 0 else {
            throw TrainingError.badOption("warm-up, weight decay and clipping must not be negative")
        }
        guard emaDecay > 0, emaDecay < 1 else { throw TrainingError.badOption("--ema must be in (0, 1)") }
        guard (0...1).contains(imageDropout), (0...1).contains(captionDropout) else {
            throw TrainingError.badOption("--drop-image and --drop-caption must be in [0, 1]")
        }
        if let g = minSNRGamma, !(g > 0) { throw TrainingError.badOption("--min-snr must be positive") }
        guard variationalBoundWeight >= 0 else { throw TrainingError.badOption("--vb-weight must not be negative") }
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.minimumLearningRateRatio = minimumLearningRateRatio
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.emaDecay = emaDecay
        self.imageDropout = imageDropout
        self.captionDropout = captionDropout
        self.minSNRGamma = minSNRGamma
        self.variationalBoundWeight = variationalBoundWeight
        self.lowResolution = lowResolution
        self.lowResolutionSteps = lowResolutionSteps
        self.seed = seed
    }
}
