/// Optimisation settings of `ARPriorTrainer`: AdamW with linear warm-up then cosine decay, global-norm clipping.
public struct ARPriorTrainingOptions: Equatable, Sendable {
    /// Total optimizer steps (the end of the cosine).
    public var steps = 1000
    /// Items per step.
    public var batchSize = 32
    /// Peak learning rate.
    public var learningRate: Float = 3e-4
    /// Learning rate at the end of the cosine.
    public var minimumLearningRate: Float = 3e-5
    /// Linear warm-up steps.
    public var warmupSteps = 100
    /// AdamW decoupled weight decay.
    public var weightDecay: Float = 0.01
    /// Global gradient-norm clip (0 = none).
    public var gradientClip: Float = 1
    /// Decay of an exponential moving average of the weights (nil = none). With it, the model folder's
    /// `model.safetensors` holds the averaged weights; `training.safetensors` keeps the raw ones.
    public var emaDecay: Float?
    /// Standard deviation, in buckets, of a Gaussian spread of each target code over its neighbours (0 = one-hot
    /// targets). Neighbouring buckets are close values, so a spread target teaches every logit near the true code
    /// at once instead of one class in `code_buckets`; the sampled value moves by about this many bucket widths.
    public var targetSmoothing: Double = 0
    /// Seed of the parameter initialisation and of the batch / dropout stream.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}
}
