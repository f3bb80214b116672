/// Optimisation settings of `PriorTrainer`: AdamW with linear warm-up then cosine decay, global-norm clipping, an
/// optional EMA of the weights and the classifier-free-guidance dropout rate.
public struct PriorTrainingOptions: Equatable, Sendable {
    /// Total optimizer steps (the end of the cosine).
    public var steps = 2000
    /// Pairs per step.
    public var batchSize = 64
    /// Peak learning rate.
    public var learningRate: Float = 3e-4
    /// Learning rate at the end of the cosine.
    public var minimumLearningRate: Float = 3e-5
    /// Linear warm-up steps.
    public var warmupSteps = 100
    /// AdamW decoupled weight decay (Karlo's prior: 0.05 on a 1B model; small models need less).
    public var weightDecay: Float = 0.01
    /// Global gradient-norm clip (0 = none).
    public var gradientClip: Float = 1
    /// Decay of an exponential moving average of the weights (nil = none); with it the exported weights are the
    /// average.
    public var emaDecay: Float?
    /// Fraction of items whose text conditioning is replaced by the empty prompt's (classifier-free guidance).
    public var conditioningDropout: Float = 0.1
    /// Seed of the parameter initialisation and of the batch / timestep / noise / dropout stream.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}

    /// Throws naming the first option out of range.
    public func validate() throws {
        guard steps >= 1 else { throw PriorError.badOption(name: "steps", reason: "must be ≥ 1, got \(steps)") }
        guard batchSize >= 1 else {
            throw PriorError.badOption(name: "batch", reason: "must be ≥ 1, got \(batchSize)")
        }
        guard learningRate > 0, minimumLearningRate >= 0, warmupSteps >= 0 else {
            throw PriorError.badOption(name: "lr", reason: "learning rates must be positive, warm-up ≥ 0")
        }
        if let decay = emaDecay, !(decay > 0 && decay < 1) {
            throw PriorError.badOption(name: "ema", reason: "decay must be in (0, 1), got \(decay)")
        }
        guard conditioningDropout >= 0, conditioningDropout < 1 else {
            throw PriorError.badOption(name: "dropout", reason: "must be in [0, 1), got \(conditioningDropout)")
        }
    }
}
