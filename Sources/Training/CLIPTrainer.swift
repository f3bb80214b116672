import CLIP
import Foundation
import NN

/// Contrastive training of a `CLIPModel` on Shapes batches: symmetric cross-entropy with the learned temperature
/// (clamped at ln 100 after every step, as CLIP does), AdamW with warm-up and cosine decay, gradient clipping and
/// optional EMA. Its whole state (weights, moments, step, data stream, EMA) checkpoints and resumes exactly.
public final class CLIPTrainer {
    /// The largest log scale: exp(t) ≤ 100.
    public static let maximumLogScale = Float(Foundation.log(100.0))

    public let model: CLIPModel
    public let tokenizer: CLIPTokenizer
    public let data: any CLIPBatchSource
    public let options: CLIPTrainingOptions
    public let optimizer: AdamW
    public let schedule: WarmupCosineSchedule
    /// The weight average (constant decay, no warm-up: its state is the shadow alone, so it resumes exactly).
    public private(set) var ema: ExponentialMovingAverage?
    /// The data stream (part of the checkpoint).
    public private(set) var random: PhiloxRandom
    let names: [String]
    let textEncoder: CLIPTextEncoder
    let imageEncoder: CLIPImageEncoder
    let logScale: Variable

    /// What one step did.
    public struct StepResult: Sendable {
        public var loss: Float
        public var logScale: Float
        public var gradientNorm: Float
        public var learningRate: Float
    }

    public init(model: CLIPModel, tokenizer: CLIPTokenizer, data: any CLIPBatchSource, options: CLIPTrainingOptions)
        throws
    {
        guard let text = model.text, let image = model.image, let t = model.logitScale else {
            throw TrainingError.badOption("contrastive training needs both towers and logit_scale")
        }
        guard image.configuration.imageSize == data.imageSize else {
            throw TrainingError.badOption(
                "the model takes \(image.configuration.imageSize)-pixel images, the data is \(data.imageSize)")
        }
        guard tokenizer.vocabularySize <= text.configuration.vocabularySize,
            tokenizer.contextLength <= text.configuration.maxPositions
        else {
            throw TrainingError.badOption("the tokenizer does not fit the text tower (vocabulary or context)")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.data = data
        self.options = options
        textEncoder = text
        imageEncoder = image
        logScale = t
        let parameters = model.parameters()
        names = parameters.map(\.key)
        optimizer = AdamW(
            parameters: parameters.map(\.value), learningRate: options.learningRate, beta1: 0.9, beta2: 0.98,
            eps: 1e-6, weightDecay: options.weightDecay)
        schedule = WarmupCosineSchedule(
            peak: options.learningRate, minimum: options.learningRate * options.minimumLearningRateRatio,
            warmupSteps: options.warmupSteps, totalSteps: options.steps)
        ema = options.emaDecay.map {
            ExponentialMovingAverage(parameters: parameters.map(\.value), decay: $0, warmup: false)
        }
        random = PhiloxRandom(seed: options.seed)
    }

    /// Steps taken so far.
    public var step: Int { optimizer.step }

    /// Token ids of `captions`, trimmed to the longest row: ids [B, T] row-major and T.
    func tokenRows(_ captions: [String]) throws -> (ids: [Int], length: Int) {
        let batch = try tokenizer.tokenize(captions)
        let length = Int(batch.endPositions.max() ?? 0) + 1
        var ids: [Int] = []
        ids.reserveCapacity(batch.count * length)
        for r in 0..<batch.count { ids += batch.row(r).prefix(length).map(Int.init) }
        return (ids, length)
    }

    /// One optimizer step on a fresh batch.
    @discardableResult
    public func trainStep() throws -> StepResult {
        let lr = schedule.learningRate(at: optimizer.step)
        optimizer.learningRate = lr
        let (pixels, captions) = try data.batch(size: options.batchSize, random: &random)  // [B, 3, S, S], B
        let (ids, length) = try tokenRows(captions)
        let tape = Tape()
        let image = try imageEncoder(.constant(pixels), tape: tape).embeds  // [B, E]
        let text = try textEncoder(ids, batch: options.batchSize, length: length, tape: tape).embeds  // [B, E]
        let t = logScale.value[flat: 0]
        let loss = try ContrastiveLoss(image: image.value, text: text.value, logScale: t)
        let surrogate = try loss.surrogate(image: image, text: text, logScale: logScale, tape: tape)
        optimizer.zeroGrad()
        try tape.backward(surrogate)
        let norm =
            options.gradientClip > 0
            ? GradientClipping.clipByGlobalNorm(optimizer.parameters, maxNorm: options.gradientClip) : 0
        optimizer.update()
        try Self.clampLogScale(logScale)
        try ema?.update(from: optimizer.parameters)
        return StepResult(loss: loss.loss, logScale: logScale.value[flat: 0], gradientNorm: norm, learningRate: lr)
    }

    /// Clamps the log scale at ln 100 (CLIP's `logit_scale.clamp_(0, ln 100)`).
    public static func clampLogScale(_ t: Variable) throws {
        t.withMutableValue { v in for i in 0..<v.count { v[i] = min(max(v[i], 0), maximumLogScale) } }
    }

    /// Saves weights, AdamW state, step, data stream and EMA to `path` (written beside, then renamed).
    public func saveCheckpoint(to path: String) throws {
        try TrainerState.save(
            to: path, names: names, optimizer: optimizer, random: random, ema: ema,
            metadata: ["trainer": "clip", "steps.total": String(options.steps)])
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
