import Diffusion
import Foundation
import NN

/// Trains a `PriorTransformer` with Karlo's objective: noise the normalised image embedding
/// x₀ = (image.embed − clip_mean) / clip_std to a uniformly drawn timestep of the cosine schedule
/// (x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε), predict x₀ from (x_t, t, text conditioning), minimise the mean squared error. The
/// text conditioning of `conditioningDropout` of the items is replaced by the empty prompt's encoding — exactly the
/// `unconditional.safetensors` that `PriorSampler` contrasts with under classifier-free guidance.
///
/// A checkpoint is a model folder `unclip-prior` loads (`config.json`, `diffusion_pytorch_model.safetensors` holding
/// the EMA weights when enabled, `unconditional.safetensors`) plus `training.safetensors` (raw weights, AdamW
/// moments, step, random stream) and `ema.safetensors`, so training resumes bit-exactly.
///
/// **Randomness.** One `PhiloxRandom` stream; each step draws B words (item = word mod N), B words (t = word mod
/// 1000), B uniforms (dropped when < the rate), then B·D normals (ε).
// Follows Karlo's prior training objective (kakaobrain/karlo, GaussianDiffusion with model_mean_type=START_X).
public final class PriorTrainer {
    /// The training-state file inside a checkpoint folder.
    public static let stateFileName = "training.safetensors"
    /// The EMA weights inside a checkpoint folder (when `emaDecay` is set).
    public static let emaFileName = "ema.safetensors"
    /// The exported weights inside a checkpoint folder (the first name `PriorTransformer(directory:)` looks for).
    public static let weightFileName = PriorTransformer.weightFileNames[0]

    /// The model being trained (its raw weights).
    public let model: PriorTransformer
    /// The training pairs.
    public let data: PriorTrainingData
    /// The empty prompt's conditioning (batch 1), substituted for dropped captions.
    public let unconditional: PriorConditioning
    /// The optimisation settings.
    public let options: PriorTrainingOptions
    /// AdamW over every parameter except `clip_mean` / `clip_std` (data statistics, not learned).
    public let optimizer: AdamW
    /// The noise schedule (Karlo's prior: squared cosine over 1000 steps, as `PriorSampler` samples it).
    public let schedule: NoiseSchedule
    /// The batch, timestep, dropout and noise stream.
    public private(set) var random: PhiloxRandom
    /// The averaged weights (`options.emaDecay`), in optimizer order; decay warms up as min(d, (1+n)/(10+n)).
    public private(set) var ema: [Tensor]?
    private let names: [String]

    /// A fresh run: `configuration`'s model initialised from `options.seed`, `clip_mean`/`clip_std` set from the
    /// training image embeddings.
    public static func fresh(
        configuration: PriorConfiguration, data: PriorTrainingData, unconditional: PriorConditioning,
        options: PriorTrainingOptions
    ) throws -> PriorTrainer {
        let model = try PriorTransformer(configuration)
        try model.initializeParameters(seed: options.seed)
        let (mean, std) = data.imageStatistics()
        try model.clipMean.update(Tensor(shape: model.clipMean.shape, scalars: mean))
        try model.clipStd.update(Tensor(shape: model.clipStd.shape, scalars: std))
        return try PriorTrainer(model: model, data: data, unconditional: unconditional, options: options)
    }

    /// Resumes from a checkpoint folder written by `saveCheckpoint(to:)`.
    public static func resuming(from directory: String, data: PriorTrainingData, options: PriorTrainingOptions)
        throws -> PriorTrainer
    {
        let model = try PriorTransformer(directory: directory)
        guard let unconditional = try PriorSampler.unconditional(inModelDirectory: directory) else {
            throw PriorError.badModelFile(path: directory, reason: "no \(PriorSampler.unconditionalFileName)")
        }
        let trainer = try PriorTrainer(model: model, data: data, unconditional: unconditional, options: options)
        let path = directory + "/" + stateFileName
        do {
            trainer.random = try TrainingCheckpoint.restore(
                from: path, names: trainer.names, optimizer: trainer.optimizer)
        } catch {
            throw PriorError.badModelFile(path: path, reason: "\(error)")
        }
        if options.emaDecay != nil {
            let emaPath = directory + "/" + emaFileName
            do {
                let file = try WeightFile(contentsOf: emaPath)
                let shadow = try trainer.names.map { try file.tensor($0) }
                guard zip(shadow, trainer.optimizer.parameters).allSatisfy({ $0.shape == $1.shape }) else {
                    throw PriorError.badModelFile(path: emaPath, reason: "EMA shapes do not match the model")
                }
                trainer.ema = shadow
            } catch let error as PriorError {
                throw error
            } catch {
                throw PriorError.badModelFile(path: emaPath, reason: "\(error)")
            }
        }
        return trainer
    }

    /// Trains `model` as it is (fresh, or loaded from a shipped folder for `--init`), with a fresh optimizer.
    public init(
        model: PriorTransformer, data: PriorTrainingData, unconditional: PriorConditioning,
        options: PriorTrainingOptions
    ) throws {
        try options.validate()
        let c = model.configuration
        guard data.imageWidth == c.embeddingDim, data.textWidth == c.resolvedEmbeddingProjDim,
            data.textLength == c.textLength, data.hiddenWidth == c.embeddingDim
        else {
            throw PriorError.badInput(
                name: "training data", shape: [data.count, data.textLength, data.hiddenWidth, data.imageWidth],
                expected:
                    "[N, \(c.textLength) tokens, \(c.embeddingDim) wide hidden states, \(c.embeddingDim) wide embeddings]"
            )
        }
        _ = try data.conditioning([0], replaced: [true], substitute: unconditional)  // validates its shapes
        self.model = model
        self.data = data
        self.unconditional = unconditional
        self.options = options
        schedule = try NoiseSchedule(.squaredCosine, trainingSteps: 1000)
        random = PhiloxRandom(seed: options.seed ^ 0x9e10_7a11)
        let trainable = model.parameters().filter { $0.value !== model.clipMean && $0.value !== model.clipStd }
        names = trainable.map(\.key)
        optimizer = AdamW(
            parameters: trainable.map(\.value), learningRate: options.learningRate, weightDecay: options.weightDecay)
        ema = options.emaDecay == nil ? nil : optimizer.parameters.map { $0.value }
    }

    /// Optimizer steps taken so far.
    public var step: Int { optimizer.step }

    /// The learning-rate schedule.
    public var learningRateSchedule: WarmupCosineSchedule {
        WarmupCosineSchedule(
            peak: options.learningRate, minimum: options.minimumLearningRate, warmupSteps: options.warmupSteps,
            totalSteps: options.steps)
    }

    /// One optimizer step on a random batch; returns its loss (mean squared error of x₀ in normalised space).
    @discardableResult
    public func trainStep() throws -> Float {
        let b = options.batchSize, n = data.count, d = data.imageWidth
        let indices = random.nextWords(count: b).map { Int($0) % n }
        let timesteps = random.nextWords(count: b).map { Int($0) % schedule.trainingSteps }
        let dropped = try random.uniform(shape: [b]).scalars.map { $0 < options.conditioningDropout }
        let noise = try random.normal(shape: [b, d])
        let tape = Tape()
        let loss = try loss(
            on: data, indices: indices, timesteps: timesteps, dropped: dropped, noise: noise, tape: tape)
        try tape.backward(loss)
        if options.gradientClip > 0 {
            _ = GradientClipping.clipByGlobalNorm(optimizer.parameters, maxNorm: options.gradientClip)
        }
        optimizer.learningRate = learningRateSchedule.learningRate(at: optimizer.step)
        optimizer.update()
        optimizer.zeroGrad()
        updateAverage()
        return loss.value.scalars[0]
    }

    /// The loss of `data`'s items at `indices`, noised to `timesteps` with `noise` [B, D], conditioning dropped where
    /// `dropped`, through `tape`.
    public func loss(
        on data: PriorTrainingData, indices: [Int], timesteps: [Int], dropped: [Bool], noise: Tensor, tape: Tape
    ) throws -> Variable {
        let b = indices.count, d = data.imageWidth
        let target = try normalised(data.images(indices))  // x₀: [B, D]
        var noisy = try Tensor(zeros: [b, d])
        let x0 = target.scalars, eps = noise.scalars
        noisy.withUnsafeMutableBufferPointer { p in
            for r in 0..<b {
                let abar = schedule.alphasCumprod[timesteps[r]]
                let (a, s) = (Float(abar.squareRoot()), Float((1 - abar).squareRoot()))
                for j in 0..<d { p[r * d + j] = a * x0[r * d + j] + s * eps[r * d + j] }
            }
        }
        let conditioning = try data.conditioning(indices, replaced: dropped, substitute: unconditional)
        let prediction = try model.forward(
            .constant(noisy), timesteps: timesteps.map(Float.init),
            textEmbedding: .constant(conditioning.textEmbedding),
            hiddenStates: conditioning.hiddenStates.map { .constant($0) }, mask: conditioning.mask, tape: tape)
        return try tape.mseLoss(prediction, target: target)
    }

    /// The loss on `heldOut` pairs with fixed draws (timestep (997·i) mod 1000, noise from `seed`, no dropout) and
    /// the current raw weights: comparable across steps.
    public func heldOutLoss(_ heldOut: PriorTrainingData, seed: UInt64 = 7, batch: Int = 256) throws -> Float {
        var rng = PhiloxRandom(seed: seed)
        var total = 0.0
        for start in stride(from: 0, to: heldOut.count, by: batch) {
            let indices = Array(start..<min(heldOut.count, start + batch))
            let value = try loss(
                on: heldOut, indices: indices, timesteps: indices.map { ($0 * 997) % schedule.trainingSteps },
                dropped: indices.map { _ in false }, noise: rng.normal(shape: [indices.count, heldOut.imageWidth]),
                tape: Tape(recording: false))
            total += Double(value.value.scalars[0]) * Double(indices.count)
        }
        return Float(total / Double(max(heldOut.count, 1)))
    }

    /// x₀ = (embedding − clip_mean) / clip_std, [B, D].
    func normalised(_ embeddings: Tensor) throws -> Tensor {
        let d = embeddings.shape[1], mean = model.clipMean.value.scalars, std = model.clipStd.value.scalars
        var values = embeddings.scalars
        for i in values.indices { values[i] = (values[i] - mean[i % d]) / std[i % d] }
        return try Tensor(shape: embeddings.shape, scalars: values)
    }

    private func updateAverage() {
        guard let decay = options.emaDecay, var shadow = ema else { return }
        let n = Float(optimizer.step - 1)
        let d = min(decay, (1 + n) / (10 + n))
        for (i, p) in optimizer.parameters.enumerated() {
            shadow[i].withUnsafeMutableBufferPointer { s in
                let x = p.value.storage.pointer
                for j in 0..<s.count { s[j] = d * s[j] + (1 - d) * x[j] }
            }
        }
        ema = shadow
    }

    /// The exported weights: every parameter under its diffusers key, the EMA values for the trained ones when an
    /// EMA is kept.
    public func exportedWeights() -> WeightFile {
        var averaged: [String: Tensor] = [:]
        if let ema { for (name, value) in zip(names, ema) { averaged[name] = value } }
        return WeightFile(
            tensors: model.parameters().map { ($0.key, averaged[$0.key] ?? $0.value.value) },
            metadata: ["format": "pt", "unclip.steps": String(step)])
    }

    /// The exported model as a new `PriorTransformer` (for evaluation).
    public func exportedModel() throws -> PriorTransformer {
        let copy = try PriorTransformer(model.configuration)
        try copy.load(exportedWeights().tensors, layout: .diffusers)
        return copy
    }

    /// Writes the checkpoint folder (created when missing): model folder files plus the training state.
    public func saveCheckpoint(to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let config = try JSONSerialization.data(
                withJSONObject: model.configuration.json, options: [.prettyPrinted, .sortedKeys])
            try config.write(to: URL(fileURLWithPath: directory + "/config.json"), options: .atomic)
        } catch {
            throw PriorError.badModelFile(path: directory, reason: "cannot write: \(error.localizedDescription)")
        }
        var null = WeightFile(tensors: [("text.embed", unconditional.textEmbedding)])
        if let h = unconditional.hiddenStates { null.tensors.append(("text.hidden", h)) }
        if let m = unconditional.mask { null.tensors.append(("text.mask", m)) }
        try null.write(to: directory + "/" + PriorSampler.unconditionalFileName)
        try exportedWeights().write(to: directory + "/" + Self.weightFileName)
        if let ema {
            try WeightFile(tensors: Array(zip(names, ema)).map { (name: $0.0, tensor: $0.1) })
                .write(to: directory + "/" + Self.emaFileName)
        }
        try TrainingCheckpoint.save(
            to: directory + "/" + Self.stateFileName, names: names, optimizer: optimizer, random: random,
            metadata: ["trainer": "PriorTrainer"])
    }
}
