import Foundation
import TensorCore

/// A whole AR-prior training job, the body of `unclip-train prior-ar`: reads tensor-stream shards of
/// (`text.tokens`, `text.mask`, `text.embed`, `image.embed`) frames, holds out the last items, fits the codebook and
/// trains (or resumes), checkpointing the folder, and ends with the held-out evaluation against the
/// text-embedding baseline. The folder is a model folder for `unclip-prior-ar` at every checkpoint.
public enum ARPriorTrainingRun {
    /// What to train and where.
    public struct Setup {
        /// The model / checkpoint folder.
        public var folder: String
        /// Tensor-stream shard files, read in order.
        public var shards: [String]
        /// Items held out (the last ones) for evaluation.
        public var heldOut = 100
        /// Continue from `folder` when it holds a checkpoint.
        public var resume = false
        /// Otherwise start from this model folder's config, codebook and weights with a fresh optimizer.
        public var initialModel: String? = nil
        /// Model sizes; `embedding_dim` and `text_length` are taken from the data.
        public var configuration = ARPriorConfiguration()
        /// Optimisation settings.
        public var options = ARPriorTrainingOptions()
        /// Steps between checkpoints.
        public var checkpointEvery = 100
        /// Steps between log lines.
        public var logEvery = 10
        /// The sampler used for the held-out evaluation (guidance, temperature, top-p).
        public var evaluationGuidance: Float = 1
        public var evaluationTemperature: Float = 1
        public var evaluationTopP: Float = 1

        /// A setup with the defaults.
        public init(folder: String, shards: [String]) {
            self.folder = folder
            self.shards = shards
        }
    }

    /// Runs the job; `shouldStop` is polled between steps (a stop still checkpoints). Returns the evaluation.
    public static func run(_ setup: Setup, shouldStop: () -> Bool = { false }, log: (String) -> Void) throws
        -> ARPriorEvaluation
    {
        let all = try ARPriorTrainingData(shards: setup.shards)
        let (training, heldOut) = try all.splitting(heldOut: setup.heldOut)
        log("data: \(training.count) training and \(heldOut.count) held-out items, D = \(all.imageEmbeddings.shape[1])")
        let trainer: ARPriorTrainer
        let statePath = setup.folder + "/" + ARPriorTrainer.stateFileName
        if setup.resume && FileManager.default.fileExists(atPath: statePath) {
            trainer = try ARPriorTrainer(resumingFrom: setup.folder, data: training, options: setup.options)
            log("resumed at step \(trainer.step)")
        } else if let source = setup.initialModel {
            trainer = try ARPriorTrainer(initializingFrom: source, data: training, options: setup.options)
            log("initialised from \(source) (its codebook kept; fresh optimizer)")
        } else {
            var c = setup.configuration
            c.embeddingDim = all.imageEmbeddings.shape[1]
            c.textLength = all.textLength
            c.maxComponents = min(c.maxComponents, c.embeddingDim)
            c.components = min(c.components, c.embeddingDim)  // replaced by the PCA's count when fitted
            trainer = try ARPriorTrainer(configuration: c, data: training, options: setup.options)
            let pca = trainer.prior.codebook.pca
            log(
                "codebook: \(pca.componentCount) components hold \(String(format: "%.4f", pca.explainedFraction)) "
                    + "of the variance; \(trainer.prior.transformer.parameterCount) parameters")
        }
        let logFile = setup.folder + "/log.tsv"
        let loop = TrainingLoop(
            total: setup.options.steps, logFile: logFile, logEvery: setup.logEvery,
            checkpointEvery: setup.checkpointEvery)
        try loop.run(
            step: { trainer.step },
            train: {
                let loss = try trainer.trainStep()
                return StepReport(
                    loss: Double(loss), learningRate: Double(trainer.schedule.learningRate(at: trainer.step - 1)))
            },
            checkpoint: { try trainer.saveCheckpoint(to: setup.folder) }, shouldStop: shouldStop, log: log)
        let model = trainer.ema == nil ? trainer.prior : try ARPrior(directory: setup.folder)  // EMA weights
        var sampler = ARPriorSampler(prior: model)
        sampler.guidanceScale = setup.evaluationGuidance
        sampler.temperature = setup.evaluationTemperature
        sampler.topP = setup.evaluationTopP
        let evaluation = try ARPriorEvaluation(
            prior: model, heldOut: heldOut, sampler: sampler, seed: setup.options.seed)
        log(
            "held-out: cosine(sampled, true) \(evaluation.sampledCosine), baseline cosine(text, true) "
                + "\(evaluation.baselineCosine), codebook ceiling \(evaluation.reconstructionCosine), "
                + "loss \(evaluation.loss)")
        TrainingLoop.append(
            "\(trainer.step)\theldout_cosine\t\(evaluation.sampledCosine)\tbaseline_cosine\t\(evaluation.baselineCosine)"
                + "\tceiling_cosine\t\(evaluation.reconstructionCosine)\theldout_loss\t\(evaluation.loss)", to: logFile)
        return evaluation
    }
}
