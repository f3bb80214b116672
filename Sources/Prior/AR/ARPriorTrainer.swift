import Foundation
import NN

/// Trains an `ARPrior` on (caption, text embedding, image embedding) triples: fits the codebook (PCA, code and
/// cosine quantisers) on the training set, then minimises the cross-entropy of every image code given the text
/// conditioning, the cosine token and the codes before it, with the conditioning replaced by the learned null for
/// `conditioning_dropout` of the items, optionally keeping an EMA of the weights. Checkpoints are model folders plus `training.safetensors` (AdamW state and
/// the random stream), so training resumes bit-exactly and any checkpoint is also a usable model.
///
/// **Randomness.** One `PhiloxRandom(options.seed)` stream; each step draws B words (item i = word mod N) and then
/// B uniforms (item dropped when < the dropout rate).
public final class ARPriorTrainer {
    /// The checkpoint file holding the optimizer state, inside a checkpoint folder.
    public static let stateFileName = "training.safetensors"
    /// The checkpoint file holding the EMA weights (when `emaDecay` is set), inside a checkpoint folder.
    public static let emaFileName = "ema.safetensors"

    /// The model being trained.
    public let prior: ARPrior
    /// The training triples.
    public let data: ARPriorTrainingData
    /// The optimisation settings.
    public let options: ARPriorTrainingOptions
    /// The optimizer over `prior.transformer.parameters()`.
    public let optimizer: AdamW
    /// The batch and dropout stream.
    public private(set) var random: PhiloxRandom
    /// The moving average of the weights (`options.emaDecay`), without warm-up.
    public private(set) var ema: ExponentialMovingAverage?
    private let names: [String]
    private let codes: [Int]  // [N, K]
    private let dots: [Int]  // [N]

    /// A fresh run: fits the codebook on `data`, sets `components` in the configuration to the PCA's count, and
    /// initialises the transformer from `options.seed`.
    public convenience init(
        configuration: ARPriorConfiguration, data: ARPriorTrainingData, options: ARPriorTrainingOptions
    ) throws {
        var c = configuration
        try c.validate()
        guard data.textLength == c.textLength, data.imageEmbeddings.shape[1] == c.embeddingDim else {
            throw PriorError.badInput(
                name: "training data", shape: [data.count, data.textLength, data.imageEmbeddings.shape[1]],
                expected: "[N, \(c.textLength) tokens, \(c.embeddingDim) wide embeddings]")
        }
        c.components = c.embeddingDim  // any valid value; replaced by the PCA's count below
        let codebook = try ARPriorCodebook(fitting: data.textEmbeddings, images: data.imageEmbeddings, configuration: c)
        c.components = codebook.pca.componentCount
        let transformer = try ARPriorTransformer(c)
        try transformer.initializeParameters(seed: options.seed)
        try self.init(
            prior: ARPrior(transformer: transformer, codebook: codebook), data: data, options: options,
            random: PhiloxRandom(seed: options.seed ^ 0x5eed_0a11))
    }

    /// Resumes from a checkpoint folder written by `saveCheckpoint(to:)` (its config, codebook and state).
    public convenience init(resumingFrom directory: String, data: ARPriorTrainingData, options: ARPriorTrainingOptions)
        throws
    {
        let configuration = try ARPriorConfiguration(contentsOf: directory + "/config.json")
        let codebook = try ARPriorCodebook(
            contentsOf: directory + "/" + ARPriorCodebook.fileName, configuration: configuration)
        let prior = try ARPrior(transformer: ARPriorTransformer(configuration), codebook: codebook)
        try self.init(prior: prior, data: data, options: options, random: PhiloxRandom(seed: 0))
        do {
            random = try TrainingCheckpoint.restore(
                from: directory + "/" + Self.stateFileName, names: names, optimizer: optimizer)
        } catch {
            throw PriorError.badModelFile(path: directory + "/" + Self.stateFileName, reason: "\(error)")
        }
        if let decay = options.emaDecay {
            let path = directory + "/" + Self.emaFileName
            let shadow: [Variable]
            do {
                let file = try WeightFile(contentsOf: path)
                shadow = try names.map { Variable(try file.tensor($0), requiresGrad: false) }
            } catch {
                throw PriorError.badModelFile(path: path, reason: "\(error)")
            }
            guard zip(shadow, optimizer.parameters).allSatisfy({ $0.shape == $1.shape }) else {
                throw PriorError.badModelFile(path: path, reason: "EMA shapes do not match the model")
            }
            ema = ExponentialMovingAverage(parameters: shadow, decay: decay, warmup: false)
        }
    }

    /// Continues a trained model folder (its config, codebook and weights) with a fresh optimizer and random stream,
    /// e.g. a shipped model whose training state was not kept. The codebook is not refitted.
    public convenience init(
        initializingFrom directory: String, data: ARPriorTrainingData, options: ARPriorTrainingOptions
    ) throws {
        try self.init(
            prior: ARPrior(directory: directory), data: data, options: options,
            random: PhiloxRandom(seed: options.seed ^ 0x5eed_0a11))
    }

    private init(prior: ARPrior, data: ARPriorTrainingData, options: ARPriorTrainingOptions, random: PhiloxRandom)
        throws
    {
        guard options.batchSize >= 1, options.steps >= 1, options.warmupSteps >= 0 else {
            throw PriorError.badOption(name: "training options", reason: "batch size and steps must be ≥ 1")
        }
        if let decay = options.emaDecay, !(decay > 0 && decay < 1) {
            throw PriorError.badOption(name: "ema", reason: "decay must be in (0, 1), got \(decay)")
        }
        guard data.textLength == prior.configuration.textLength else {
            throw PriorError.badInput(
                name: "text.tokens", shape: [data.count, data.textLength],
                expected: "[N, \(prior.configuration.textLength)]")
        }
        self.prior = prior
        self.data = data
        self.options = options
        self.random = random
        let parameters = prior.transformer.parameters()
        names = parameters.map(\.key)
        optimizer = AdamW(
            parameters: parameters.map(\.value), learningRate: options.learningRate, weightDecay: options.weightDecay)
        ema = options.emaDecay.map {
            ExponentialMovingAverage(parameters: parameters.map(\.value), decay: $0, warmup: false)
        }
        codes = try prior.codebook.encode(images: data.imageEmbeddings)
        dots = try prior.codebook.dotTokens(text: data.textEmbeddings, images: data.imageEmbeddings)
    }

    /// Optimizer steps taken so far.
    public var step: Int { optimizer.step }

    /// The learning-rate schedule.
    public var schedule: WarmupCosineSchedule {
        WarmupCosineSchedule(
            peak: options.learningRate, minimum: options.minimumLearningRate, warmupSteps: options.warmupSteps,
            totalSteps: options.steps)
    }

    /// One optimizer step on a random batch; returns its mean cross-entropy per code (nats).
    @discardableResult
    public func trainStep() throws -> Float {
        let b = options.batchSize, n = data.count
        let indices = random.nextWords(count: b).map { Int($0) % n }
        let dropped = try random.uniform(shape: [b]).scalars.map {
            Double($0) < prior.configuration.conditioningDropout
        }
        let tape = Tape()
        let loss = try loss(indices: indices, dropped: dropped, tape: tape)
        try tape.backward(loss)
        if options.gradientClip > 0 {
            _ = GradientClipping.clipByGlobalNorm(optimizer.parameters, maxNorm: options.gradientClip)
        }
        optimizer.learningRate = schedule.learningRate(at: optimizer.step)
        optimizer.update()
        optimizer.zeroGrad()
        try ema?.update(from: optimizer.parameters)
        return loss.value.scalars[0]
    }

    /// Mean cross-entropy per code of the items at `indices` (conditioning dropped where `dropped`), through `tape`.
    func loss(indices: [Int], dropped: [Bool], tape: Tape) throws -> Variable {
        let k = prior.configuration.components
        let batch = try data.rows(indices)
        let inputs = try ARPriorInputs(
            tokens: batch.tokens, mask: batch.mask, textEmbedding: batch.textEmbeddings,
            dotTokens: indices.map { dots[$0] }, codes: indices.flatMap { codes[($0 * k)..<($0 * k + k - 1)] },
            dropped: dropped)
        let logits = try prior.transformer.forward(inputs, tape: tape)  // [B, K, V]
        let flat = try tape.reshape(logits, [indices.count * k, prior.configuration.codeBuckets])  // [B·K, V]
        let targets = indices.flatMap { codes[($0 * k)..<($0 * k + k)] }
        guard options.targetSmoothing > 0 else { return try tape.crossEntropy(flat, targets: targets) }
        return try tape.crossEntropy(flat, distributions: smoothedTargets(targets))
    }

    /// Target distributions [targets.count, V]: a Gaussian of `targetSmoothing` buckets around each code, cut at
    /// four standard deviations and at the ends of the range, normalised.
    public func smoothedTargets(_ targets: [Int]) throws -> Tensor {
        let v = prior.configuration.codeBuckets, sigma = options.targetSmoothing
        let reach = Int((4 * sigma).rounded(.up))
        let weights = (0...reach).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        var out = try Tensor(zeros: [targets.count, v])
        out.withUnsafeMutableBufferPointer { q in
            for (row, code) in targets.enumerated() {
                let range = max(0, code - reach)...min(v - 1, code + reach)
                let total = range.reduce(Float(0)) { $0 + weights[abs($1 - code)] }
                for j in range { q[row * v + j] = weights[abs(j - code)] / total }
            }
        }
        return out
    }

    /// Trains until `step == options.steps` (or `until`), calling `log(step, loss)` after every step and saving a
    /// checkpoint to `checkpointDirectory` every `checkpointEvery` steps and at the end.
    public func train(
        until last: Int? = nil, checkpointDirectory: String? = nil, checkpointEvery: Int = 0,
        log: ((Int, Float) -> Void)? = nil
    ) throws {
        let end = min(last ?? options.steps, options.steps)
        while step < end {
            let value = try trainStep()
            log?(step, value)
            if let checkpointDirectory, checkpointEvery > 0, step % checkpointEvery == 0 {
                try saveCheckpoint(to: checkpointDirectory)
            }
        }
        if let checkpointDirectory { try saveCheckpoint(to: checkpointDirectory) }
    }

    /// Writes a checkpoint folder: the model folder (`config.json`, `model.safetensors`, `codebook.safetensors`)
    /// and `training.safetensors` with the optimizer state and the random stream.
    public func saveCheckpoint(to directory: String) throws {
        try prior.save(to: directory)
        if let ema {
            let file = WeightFile(tensors: Array(zip(names, ema.shadow)).map { (name: $0.0, tensor: $0.1) })
            try file.write(to: directory + "/" + Self.emaFileName)
            try file.write(to: directory + "/" + ARPrior.weightFileName)  // the folder's model: the average
        }
        try TrainingCheckpoint.save(
            to: directory + "/" + Self.stateFileName, names: names, optimizer: optimizer, random: random,
            metadata: ["trainer": "ARPriorTrainer"])
    }
}
