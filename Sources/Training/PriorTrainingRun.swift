import CLIP
import Foundation
import NN
import Prior
import Shapes
import TensorStream

/// The bodies of `unclip-train prior` and `unclip-train prior-ar`: encode (or read from the cache) the Shapes
/// training pairs and a held-out validation set with the embedded CLIP, then train the diffusion prior
/// (`PriorTrainer`) or the autoregressive prior (`ARPriorTrainingRun`) in a model folder, checkpointing as it goes.
public enum PriorTrainingRun {
    /// What to train on and where.
    public struct Setup: Sendable {
        /// The model / checkpoint folder.
        public var folder: String
        /// The CLIP whose embeddings the prior maps between.
        public var clipFolder = "pipelines/models/clip"
        /// Where encoded data sets are cached (nil: `folder/data`).
        public var cacheFolder: String? = nil
        /// Training pairs (train split) and validation pairs (test split, for the logged held-out numbers).
        public var trainPairs = 20000, validationPairs = 500
        /// Seed of the scene and caption draws.
        public var dataSeed: UInt64 = 0
        /// Continue from the folder's checkpoint.
        public var resume = false
        /// Start from this model folder's config and weights with a fresh optimizer (continue a shipped model).
        public var initialModel: String? = nil
        /// Diffusion prior size: heads × head width, layers.
        public var heads = 4, headDim = 64, layers = 4
        /// Steps between checkpoints, log lines and held-out losses.
        public var checkpointEvery = 100, logEvery = 10, validateEvery = 200

        public init(folder: String) { self.folder = folder }

        var cache: String { cacheFolder ?? URL(fileURLWithPath: folder).appendingPathComponent("data").path }
    }

    /// The encoded training and validation sets for `setup`.
    static func data(_ setup: Setup, log: (String) -> Void) throws -> (
        train: (String, [Frame]), valid: (String, [Frame])
    ) {
        let train = try PriorDataSet(split: .train, count: setup.trainPairs, seed: setup.dataSeed)
        let valid = try PriorDataSet(split: .test, count: setup.validationPairs, seed: setup.dataSeed ^ 0x7e57)
        let a = try train.cached(clipFolder: setup.clipFolder, cacheFolder: setup.cache, log: log)
        let b = try valid.cached(clipFolder: setup.clipFolder, cacheFolder: setup.cache, log: log)
        return ((a.path, a.frames), (b.path, b.frames))
    }

    /// Trains the diffusion prior until `options.steps` or `shouldStop()` (polled between steps; a stop still
    /// checkpoints). Returns the trainer.
    @discardableResult
    public static func runDiffusion(
        _ setup: Setup, options: PriorTrainingOptions, shouldStop: () -> Bool = { false }, log: (String) -> Void
    ) throws -> PriorTrainer {
        try RunFolder.prepare(
            setup.folder, checkpoint: setup.folder + "/" + PriorTrainer.stateFileName, resume: setup.resume)
        let (trainFrames, validFrames) = try data(setup, log: log)
        let train = try PriorTrainingData(frames: trainFrames.1)
        let valid = try PriorTrainingData(frames: validFrames.1)
        log("data: \(train.count) training pairs (\(trainFrames.0)), \(valid.count) validation pairs")
        let trainer: PriorTrainer
        if setup.resume {
            trainer = try PriorTrainer.resuming(from: setup.folder, data: train, options: options)
            log("resumed at step \(trainer.step)")
        } else {
            let (clip, tokenizer) = try PriorDataSet.loadCLIP(setup.clipFolder)
            let empty = try PriorDataSet.emptyPrompt(model: clip, tokenizer: tokenizer)
            let unconditional = try PriorConditioning(
                textEmbedding: Tensor(empty.tensor("text.embed")), hiddenStates: Tensor(empty.tensor("text.hidden")),
                mask: Tensor(empty.tensor("text.mask")))
            if let source = setup.initialModel {
                let model = try PriorTransformer(directory: source)
                trainer = try PriorTrainer(model: model, data: train, unconditional: unconditional, options: options)
                log("initialised from \(source) (its clip_mean/clip_std kept; fresh optimizer)")
            } else {
                guard train.hiddenWidth == train.imageWidth else {
                    throw TrainingError.badInput(
                        "the prior needs text.hidden width (\(train.hiddenWidth)) = image.embed width "
                            + "(\(train.imageWidth))")
                }
                var c = PriorConfiguration()
                c.heads = setup.heads
                c.headDim = setup.headDim
                c.layers = setup.layers
                c.embeddingDim = train.imageWidth
                c.textLength = train.textLength
                c.embeddingProjDim = train.textWidth == train.imageWidth ? nil : train.textWidth
                trainer = try PriorTrainer.fresh(
                    configuration: c, data: train, unconditional: unconditional, options: options)
            }
            log("\(trainer.model.parameterCount) parameters, width \(trainer.model.configuration.innerDim)")
        }
        let logPath = setup.folder + "/log.tsv"
        let loop = TrainingLoop(
            total: options.steps, logFile: logPath, logEvery: setup.logEvery, checkpointEvery: setup.checkpointEvery,
            evaluateEvery: setup.validateEvery)
        try loop.run(
            step: { trainer.step },
            train: {
                let loss = try trainer.trainStep()
                let lr = trainer.learningRateSchedule.learningRate(at: trainer.step - 1)
                return StepReport(loss: Double(loss), learningRate: Double(lr))
            },
            checkpoint: { try trainer.saveCheckpoint(to: setup.folder) },
            evaluate: {
                let value = try trainer.heldOutLoss(valid)
                log("step \(trainer.step) held-out loss \(value)")
                TrainingLoop.append("\(trainer.step)\theldout_loss\t\(value)", to: logPath)
            },
            shouldStop: shouldStop, log: log)
        return trainer
    }

    /// Trains the autoregressive prior with `ARPriorTrainingRun` on the same pairs (the validation set is its
    /// held-out set); `configuration`'s data sizes and caption vocabulary are taken from the data and the CLIP.
    @discardableResult
    public static func runAutoregressive(
        _ setup: Setup, configuration: ARPriorConfiguration, options: ARPriorTrainingOptions,
        shouldStop: () -> Bool = { false }, log: (String) -> Void
    ) throws -> ARPriorEvaluation {
        try RunFolder.prepare(
            setup.folder, checkpoint: setup.folder + "/" + ARPriorTrainer.stateFileName, resume: setup.resume)
        let (train, valid) = try data(setup, log: log)
        let clipConfig = try CLIPConfiguration(contentsOf: setup.clipFolder + "/config.json")
        var run = ARPriorTrainingRun.Setup(folder: setup.folder, shards: [train.0, valid.0])
        run.heldOut = setup.validationPairs
        run.resume = setup.resume
        run.initialModel = setup.initialModel
        run.configuration = configuration
        run.configuration.textVocabSize = clipConfig.text?.vocabularySize ?? configuration.textVocabSize
        run.options = options
        run.checkpointEvery = setup.checkpointEvery
        run.logEvery = setup.logEvery
        return try ARPriorTrainingRun.run(run, shouldStop: shouldStop, log: log)
    }
}
