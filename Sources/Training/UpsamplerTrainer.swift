import Diffusion
import Foundation
import NN
import UNet

/// Trains a super-resolution `UNetModel` (diffusers' `UNet2DModel`, `[x_t, low-res]` on the channel axis) with
/// the ε- or v-prediction MSE of the squared-cosine schedule that `SuperResolution` samples with, optionally
/// min-SNR weighted; AdamW with warm-up and cosine decay, gradient clipping, constant-decay EMA. Its whole state (weights,
/// moments, step, data stream, EMA) checkpoints and resumes exactly.
public final class UpsamplerTrainer {
    public let model: UNetModel
    public let data: UpsamplerBatchSource
    public let options: UpsamplerTrainingOptions
    public let schedule: NoiseSchedule
    public let optimizer: AdamW
    public let learningRates: WarmupCosineSchedule
    public private(set) var ema: ExponentialMovingAverage?
    /// The data stream (part of the checkpoint).
    public private(set) var random: PhiloxRandom
    let names: [String]

    /// What one step did.
    public struct StepResult: Sendable {
        /// The (weighted) loss.
        public var loss: Float
        /// The unweighted MSE of the prediction (ε or v) against its target.
        public var epsilonError: Float
        public var gradientNorm: Float
        public var learningRate: Float
    }

    public init(model: UNetModel, data: UpsamplerBatchSource, options: UpsamplerTrainingOptions) throws {
        let c = model.config
        guard c.inChannels == 6, c.outChannels == 3, !c.usesContext, !c.classEmbeddingIsIdentity else {
            throw TrainingError.badOption(
                "an upsampler UNet takes [x_t, low-res] (6 channels in, 3 out) and no context or class input")
        }
        let factor = 1 << (c.levels - 1)
        guard data.cropSize % factor == 0 else {
            throw TrainingError.badOption("crop size \(data.cropSize) is not a multiple of \(factor) (UNet levels)")
        }
        self.model = model
        self.data = data
        self.options = options
        schedule = try NoiseSchedule(.squaredCosine, trainingSteps: 1000)
        let parameters = model.parameters()
        names = parameters.map(\.key)
        optimizer = AdamW(
            parameters: parameters.map(\.value), learningRate: options.learningRate, beta1: 0.9, beta2: 0.999,
            eps: 1e-8, weightDecay: options.weightDecay)
        learningRates = WarmupCosineSchedule(
            peak: options.learningRate, minimum: options.learningRate * options.minimumLearningRateRatio,
            warmupSteps: options.warmupSteps, totalSteps: options.steps)
        ema = options.emaDecay.map {
            ExponentialMovingAverage(parameters: parameters.map(\.value), decay: $0, warmup: false)
        }
        random = PhiloxRandom(seed: options.seed)
    }

    /// Steps taken so far.
    public var step: Int { optimizer.step }

    /// One optimizer step on a fresh batch.
    @discardableResult
    public func trainStep() throws -> StepResult {
        let lr = learningRates.learningRate(at: optimizer.step)
        optimizer.learningRate = lr
        let (high, low) = try data.batch(size: options.batchSize, random: &random)  // [B, 3, c, c] each
        let b = options.batchSize
        let timesteps = random.nextWords(count: b).map { Int($0 % UInt32(schedule.trainingSteps)) }
        let noise = try random.normal(shape: high.shape)  // ε: [B, 3, c, c]
        return try step(high: high, low: low, timesteps: timesteps, noise: noise, learningRate: lr)
    }

    /// One optimizer step on given data (tests drive it with a fixed batch).
    public func step(high: Tensor, low: Tensor, timesteps: [Int], noise: Tensor, learningRate lr: Float) throws
        -> StepResult
    {
        optimizer.learningRate = lr
        let (loss, error, tape) = try loss(high: high, low: low, timesteps: timesteps, noise: noise, recording: true)
        optimizer.zeroGrad()
        try tape.backward(loss)
        let norm =
            options.gradientClip > 0
            ? GradientClipping.clipByGlobalNorm(optimizer.parameters, maxNorm: options.gradientClip) : 0
        optimizer.update()
        try ema?.update(from: optimizer.parameters)
        return StepResult(loss: loss.value[flat: 0], epsilonError: error, gradientNorm: norm, learningRate: lr)
    }

    /// The loss of the current weights on given data: the weighted MSE (a scalar variable on `tape`), the plain
    /// MSE against the ε or v target, and the tape.
    public func loss(high: Tensor, low: Tensor, timesteps: [Int], noise: Tensor, recording: Bool) throws
        -> (loss: Variable, epsilonError: Float, tape: Tape)
    {
        let b = high.shape[0]
        guard high.rank == 4, high.shape == low.shape, high.shape == noise.shape, timesteps.count == b else {
            throw TrainingError.badInput(
                "high \(high.shape), low \(low.shape), noise \(noise.shape), \(timesteps.count) timesteps")
        }
        let item = high.count / b
        var noisy: [Float] = [], targets: [Float] = []
        noisy.reserveCapacity(high.count)
        targets.reserveCapacity(high.count)
        var roots: [Float] = []
        let type = options.predictionType
        let weighting = options.minSNRGamma.map { LossWeighting.minSNR(gamma: $0) } ?? .uniform
        for i in 0..<b {
            let range = (i * item)..<((i + 1) * item)
            let (x0, eps) = (Array(high.scalars[range]), Array(noise.scalars[range]))
            noisy += try schedule.addNoise(to: x0, noise: eps, at: timesteps[i])
            targets += try DiffusionLoss.target(
                for: type, original: x0, noise: eps, timestep: timesteps[i], schedule: schedule)
            let snr = schedule.signalToNoiseRatio(at: timesteps[i])
            roots.append(Float(weighting.weight(signalToNoiseRatio: snr, predictionType: type).squareRoot()))
        }
        let wanted = try Tensor(shape: high.shape, scalars: targets)  // ε or v: [B, 3, c, c]
        let xt = try Tensor(shape: high.shape, scalars: noisy)  // x_t: [B, 3, c, c]
        let input = try Tensor.concatenate([xt, low], axis: 1)  // [B, 6, c, c]
        let tape = Tape(recording: recording)
        let out = try model(.constant(input), timesteps: timesteps.map(Float.init), tape: tape)  // [B, 3, c, c]
        let error = try Self.meanSquare(out.value, wanted)
        // Σ_b w_b · mean_b((out − target)²) / B as the MSE of √w_b·out against √w_b·target.
        let scale = try Tensor(shape: [b, 1, 1, 1], scalars: roots)
        let weighted = try tape.multiply(out, .constant(scale))
        let target = try wanted.binary(.multiply, scale)
        return (try tape.mseLoss(weighted, target: target), error, tape)
    }

    static func meanSquare(_ a: Tensor, _ b: Tensor) throws -> Float {
        var s = 0.0
        let (pa, pb) = (a.scalars, b.scalars)
        for i in 0..<pa.count { s += Double(pa[i] - pb[i]) * Double(pa[i] - pb[i]) }
        return Float(s / Double(max(1, pa.count)))
    }

    /// Saves weights, AdamW state, step, data stream and EMA to `path` (written beside, then renamed).
    public func saveCheckpoint(to path: String) throws {
        try TrainerState.save(
            to: path, names: names, optimizer: optimizer, random: random, ema: ema,
            metadata: [
                "trainer": "upsampler", "steps.total": String(options.steps),
                "prediction_type": options.predictionType.rawValue,
            ])
    }

    /// Restores everything `saveCheckpoint` wrote.
    public func restoreCheckpoint(from path: String) throws {
        (random, ema) = try TrainerState.restore(from: path, names: names, optimizer: optimizer, emaDecay: ema?.decay)
    }

    /// The weights to export: the EMA's when there is one, else the current ones, under their checkpoint names.
    public func exportWeights() -> WeightFile {
        TrainerState.exportWeights(names: names, optimizer: optimizer, ema: ema)
    }
}
