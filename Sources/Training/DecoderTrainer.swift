import Diffusion
import Foundation
import NN
import UNet

/// Trains an unCLIP decoder (the UNet and its text projection together) on `DecoderBatchBuilder` batches.
///
/// The UNet predicts ε and the learned-range variance (Karlo's output), so the loss is improved DDPM's hybrid
/// loss from `DiffusionLoss.hybrid`: the ε MSE (min-SNR-γ weighted when set) plus the variational bound that
/// trains the variance channels. The loss's analytic gradient with respect to the UNet output is fed back
/// through the tape as the constant of a surrogate Σ out · g. AdamW with warm-up and cosine decay, global gradient
/// clipping, and an EMA of the weights with diffusers' warm-up (decay min(cap, (1 + n)/(10 + n))), exported for
/// sampling. Its whole state (weights, moments, step, data stream, EMA and its update count) checkpoints and
/// resumes exactly.
public final class DecoderTrainer {
    public let decoder: Decoder
    public let data: DecoderBatchBuilder
    public let options: DecoderTrainingOptions
    public let optimizer: AdamW
    public let schedule: WarmupCosineSchedule
    public private(set) var ema: ExponentialMovingAverage
    /// The data stream (part of the checkpoint).
    public private(set) var random: PhiloxRandom
    /// Checkpoint names: `decoder.<key>` and `text_proj.<key>`, as the folder's two weight files.
    public let names: [String]

    /// What one step did.
    public struct StepResult: Sendable {
        public var loss: Float
        /// The ε (simple) part of the loss, unweighted mean squared error.
        public var simpleLoss: Float
        public var gradientNorm: Float
        public var learningRate: Float
    }

    public init(decoder: Decoder, data: DecoderBatchBuilder, options: DecoderTrainingOptions) throws {
        guard decoder.textProjection.config.clipEmbeddingsDim == data.clipDimension else {
            throw TrainingError.badOption(
                "the decoder takes \(decoder.textProjection.config.clipEmbeddingsDim)-wide CLIP embeddings, the CLIP makes \(data.clipDimension)"
            )
        }
        guard decoder.takesInpaintingChannels == data.inpainting else {
            throw TrainingError.badOption("the decoder's in_channels do not match the data (inpainting or not)")
        }
        self.decoder = decoder
        self.data = data
        self.options = options
        let parameters =
            decoder.unet.parameters().map { ("decoder." + $0.key, $0.value) }
            + decoder.textProjection.parameters().map { ("text_proj." + $0.key, $0.value) }
        names = parameters.map(\.0)
        optimizer = AdamW(
            parameters: parameters.map(\.1), learningRate: options.learningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8,
            weightDecay: options.weightDecay)
        schedule = WarmupCosineSchedule(
            peak: options.learningRate, minimum: options.learningRate * options.minimumLearningRateRatio,
            warmupSteps: options.warmupSteps, totalSteps: options.steps)
        ema = ExponentialMovingAverage(parameters: parameters.map(\.1), decay: options.emaDecay, warmup: true)
        random = PhiloxRandom(seed: options.seed)
    }

    /// Steps taken so far.
    public var step: Int { optimizer.step }

    /// The image side the next step trains at (the resolution schedule).
    public var resolution: Int {
        if let low = options.lowResolution, step < options.lowResolutionSteps { return low }
        return data.imageSize
    }

    /// Draws the next batch from the data stream.
    public func nextBatch() throws -> DecoderBatch {
        try data.batch(size: options.batchSize, resolution: resolution, random: &random)
    }

    /// One optimizer step on a fresh batch.
    @discardableResult
    public func trainStep() throws -> StepResult {
        try train(on: try nextBatch())
    }

    /// One optimizer step on `batch`.
    @discardableResult
    public func train(on batch: DecoderBatch) throws -> StepResult {
        let lr = schedule.learningRate(at: optimizer.step)
        optimizer.learningRate = lr
        optimizer.zeroGrad()
        let tape = Tape()
        let (out, loss) = try forward(batch, tape: tape)
        let surrogate = tape.sum(try tape.multiply(out, .constant(loss.gradient)))
        try tape.backward(surrogate)
        let norm =
            options.gradientClip > 0
            ? GradientClipping.clipByGlobalNorm(optimizer.parameters, maxNorm: options.gradientClip) : 0
        optimizer.update()
        try ema.update(from: optimizer.parameters)
        return StepResult(loss: loss.value, simpleLoss: loss.simple, gradientNorm: norm, learningRate: lr)
    }

    /// The loss on `batch` with the current weights (no update).
    public func loss(on batch: DecoderBatch) throws -> Float {
        try forward(batch, tape: Tape(recording: false)).loss.value
    }

    /// The UNet output `[B, 2C, H, W]` for `batch` and the batch-mean hybrid loss with its gradient.
    func forward(_ batch: DecoderBatch, tape: Tape) throws -> (
        output: Variable, loss: (value: Float, simple: Float, gradient: Tensor)
    ) {
        let cond = try decoder.textProjection(
            imageEmbedding: batch.imageEmbedding, dropsImage: batch.dropsImage,
            textEmbedding: .constant(batch.caption.embedding), textHidden: .constant(batch.caption.hidden),
            tape: tape)  // context [B, K + L, C], time term [B, T]
        let contextMask = try decoder.textProjection.contextMask(textMask: batch.caption.mask)  // [B, K + L]
        let out = try decoder.unet(
            .constant(batch.input), timesteps: batch.timesteps.map(Float.init), context: cond.context,
            contextMask: contextMask, classLabels: cond.timeEmbedding, tape: tape)  // out: [B, 2C, H, W]
        return (out, try lossAndGradient(output: out.value, batch: batch))
    }

    /// The batch mean of the hybrid loss over items and its gradient with respect to the output `[B, 2C, H, W]`.
    func lossAndGradient(output: Tensor, batch: DecoderBatch) throws -> (value: Float, simple: Float, gradient: Tensor)
    {
        let b = batch.count
        let per = batch.original.count / b  // C·H·W
        let values = output.scalars, x0 = batch.original.scalars, eps = batch.noise.scalars
        let noisy = batch.input.scalars
        let inputPer = batch.input.count / b
        let weighting: LossWeighting = options.minSNRGamma.map { .minSNR(gamma: $0) } ?? .uniform
        var gradient = [Float](repeating: 0, count: values.count)
        var total = 0.0, simple = 0.0
        for item in 0..<b {
            let o = item * 2 * per, x = item * per
            let output = ModelOutput(
                prediction: Array(values[o..<(o + per)]), varianceValues: Array(values[(o + per)..<(o + 2 * per)]))
            let t = batch.timesteps[item]
            let loss = try DiffusionLoss.hybrid(
                original: Array(x0[x..<(x + per)]), noise: Array(eps[x..<(x + per)]),
                noisy: Array(noisy[(item * inputPer)..<(item * inputPer + per)]), timestep: t, output: output,
                predictionType: .epsilon, schedule: decoder.schedule, weighting: weighting,
                variationalBoundWeight: options.variationalBoundWeight)
            total += loss.value
            var mse = 0.0
            for i in 0..<per {
                let d = Double(output.prediction[i] - eps[x + i])
                mse += d * d
            }
            simple += mse / Double(per)
            let scale = 1 / Float(b)
            for i in 0..<per {
                gradient[o + i] = loss.predictionGradient[i] * scale
                gradient[o + per + i] = loss.varianceGradient[i] * scale
            }
        }
        return (
            Float(total / Double(b)), Float(simple / Double(b)), try Tensor(shape: output.shape, scalars: gradient)
        )
    }

    /// Saves weights, AdamW state, step, data stream and EMA (with its update count) to `path` and `path.ema`
    /// (each written beside, then renamed).
    public func saveCheckpoint(to path: String, metadata extra: [String: String] = [:]) throws {
        var metadata = extra
        metadata["trainer"] = "decoder"
        metadata["steps.total"] = String(options.steps)
        try TrainerState.save(
            to: path, names: names, optimizer: optimizer, random: random, ema: ema, metadata: metadata)
    }

    /// Restores everything `saveCheckpoint` wrote.
    public func restoreCheckpoint(from path: String) throws {
        do {
            random = try TrainingCheckpoint.restore(from: path, names: names, optimizer: optimizer)
            let file = try WeightFile(contentsOf: path + ".ema")
            guard let updates = file.metadata["ema.updates"].flatMap(Int.init) else {
                throw TrainingError.badCheckpoint(path: path + ".ema", reason: "no ema.updates metadata")
            }
            let shadow = try names.map { try file.tensor($0) }
            for (s, p) in zip(shadow, optimizer.parameters) where s.shape != p.shape {
                throw TensorError.shapeMismatch(op: "EMA restore", lhs: p.shape, rhs: s.shape)
            }
            ema = ExponentialMovingAverage(
                shadow: shadow, decay: options.emaDecay, warmup: true, updates: updates)
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.badCheckpoint(path: path, reason: "\(error)")
        }
    }

    /// The EMA weights as the folder's two weight files: (`decoder/…`, `text_proj/…`), under diffusers' keys.
    public func exportWeights() -> (decoder: WeightFile, textProjection: WeightFile) {
        var unet = WeightFile(metadata: ["format": "pt"]), proj = WeightFile(metadata: ["format": "pt"])
        for (i, name) in names.enumerated() {
            if name.hasPrefix("decoder.") {
                unet.tensors.append((String(name.dropFirst("decoder.".count)), ema.shadow[i]))
            } else {
                proj.tensors.append((String(name.dropFirst("text_proj.".count)), ema.shadow[i]))
            }
        }
        return (unet, proj)
    }
}
