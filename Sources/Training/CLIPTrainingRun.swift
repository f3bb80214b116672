import CLIP
import Foundation
import NN
import Shapes

/// A whole `unclip-train clip` run in a model folder: vocabulary, config, training loop with periodic logging,
/// evaluation, checkpoints and export; resumable from the folder's `checkpoint.safetensors`.
///
/// Folder contents: `config.json`, `merges.txt` + `vocab.json` (the trained BPE), `model.safetensors` (exported
/// weights, EMA when enabled: a model folder `unclip-text`/`unclip-image` load), `checkpoint.safetensors`
/// (+ `.ema`) with the full training state, and `log.tsv` (step, loss, scale, lr, and evaluations).
public final class CLIPTrainingRun {
    /// The shape of a new model and the bookkeeping intervals.
    public struct Setup: Sendable {
        public var folder: String
        public var resume = false
        public var modelSeed: UInt64 = 0
        public var width = 128, layers = 4, heads = 4, projection = 128
        public var imageSize = 64, patchSize = 8, contextLength = 32
        public var mergeCount = 1000, vocabularyScenes = 5000
        public var checkpointEvery = 100, evaluateEvery = 200, logEvery = 10
        public var evaluationPairs = 1000, evaluationScenes = 500
        /// Train on seeds `0..<sceneCount` only (nil: unlimited fresh scenes).
        public var sceneCount: Int? = nil
        /// Train on this folder (`captions.tsv`) or tensor stream instead of rendering Shapes scenes; a new run then
        /// trains its vocabulary on these captions.
        public var dataPath: String? = nil
        /// Which Shapes scenes to render (a curriculum may start with single objects; may change on resume).
        public var sampling: SamplingOptions = .full
        /// Groups of scenes that differ only in their first object's shape (`ShapesBatchSource.shapeGroup`).
        public var shapeGroup = 1
        /// Start a new run from this model folder's config, vocabulary and weights (a fresh optimizer), e.g. to
        /// continue training a shipped model whose full checkpoint was not kept.
        public var initialModel: String? = nil

        public init(folder: String) { self.folder = folder }
    }

    public let setup: Setup
    public let trainer: CLIPTrainer
    var checkpointPath: String { path("checkpoint.safetensors") }

    func path(_ name: String) -> String { URL(fileURLWithPath: setup.folder).appendingPathComponent(name).path }

    public init(setup: Setup, options: CLIPTrainingOptions) throws {
        self.setup = setup
        let checkpoint = URL(fileURLWithPath: setup.folder).appendingPathComponent("checkpoint.safetensors").path
        try RunFolder.prepare(setup.folder, checkpoint: checkpoint, resume: setup.resume)
        let model: CLIPModel
        let tokenizer: CLIPTokenizer
        if setup.resume {
            let config = try CLIPConfiguration(contentsOf: setup.folder + "/config.json")
            guard let text = config.text else {
                throw TrainingError.badCheckpoint(path: setup.folder, reason: "config.json has no text_config")
            }
            tokenizer = try CLIPTokenizer(folder: setup.folder, contextLength: text.maxPositions)
            model = try CLIPModel(config)
        } else if let source = setup.initialModel {
            (model, tokenizer) = try Self.copyModel(from: source, to: setup.folder)
        } else {
            let corpus =
                try setup.dataPath.map { try CaptionedImageSet(path: $0, imageSize: setup.imageSize).captions }
                ?? ShapesVocabulary.corpus(scenes: setup.vocabularyScenes, variants: 8)
            let (trained, merges) = try ShapesVocabulary.train(
                corpus: corpus, mergeCount: setup.mergeCount, contextLength: setup.contextLength)
            try ShapesVocabulary.write(tokenizer: trained, merges: merges, to: setup.folder)
            tokenizer = trained
            let config = try CLIPConfiguration.embedded(
                vocabularySize: trained.vocabularySize, contextLength: setup.contextLength,
                endTokenID: Int(trained.endID), width: setup.width, layers: setup.layers, heads: setup.heads,
                projection: setup.projection, imageSize: setup.imageSize, patchSize: setup.patchSize)
            try config.huggingFaceJSON(startTokenID: Int(trained.startID)).write(
                to: URL(fileURLWithPath: setup.folder).appendingPathComponent("config.json"))
            model = try CLIPModel(config)
            try model.initializeParameters(seed: setup.modelSeed)
            if let t = model.logitScale { try t.update(Tensor(repeating: config.logitScaleInit, shape: t.shape)) }
        }
        guard let size = model.image?.configuration.imageSize else {
            throw TrainingError.badCheckpoint(path: setup.folder, reason: "config.json has no vision_config")
        }
        let data: any CLIPBatchSource =
            try setup.dataPath.map { try CaptionedImageSet(path: $0, imageSize: size) }
            ?? ShapesBatchSource(
                imageSize: size, sceneCount: setup.sceneCount, options: setup.sampling, shapeGroup: setup.shapeGroup)
        trainer = try CLIPTrainer(model: model, tokenizer: tokenizer, data: data, options: options)
        if setup.resume { try trainer.restoreCheckpoint(from: checkpoint) }
    }

    /// Copies `source`'s config and tokenizer files into `folder` and loads its weights.
    static func copyModel(from source: String, to folder: String) throws -> (CLIPModel, CLIPTokenizer) {
        let model = try CLIPModel(folder: source)
        guard let context = model.text?.configuration.maxPositions else {
            throw TrainingError.badCheckpoint(path: source, reason: "config.json has no text_config")
        }
        for name in ["config.json", "merges.txt", "vocab.json"] {
            let from = URL(fileURLWithPath: source).appendingPathComponent(name)
            let to = URL(fileURLWithPath: folder).appendingPathComponent(name)
            try? FileManager.default.removeItem(at: to)
            try FileManager.default.copyItem(at: from, to: to)
        }
        return (model, try CLIPTokenizer(folder: folder, contextLength: context))
    }

    /// Trains until `options.steps` or until `shouldStop()` says so (`TrainingLoop`), then checkpoints and exports.
    /// `log` receives one line per log interval and evaluation.
    public func run(shouldStop: () -> Bool, log: (String) -> Void) throws {
        let loop = TrainingLoop(
            total: trainer.options.steps, logFile: path("log.tsv"), logEvery: setup.logEvery,
            checkpointEvery: setup.checkpointEvery, evaluateEvery: setup.evaluateEvery)
        try loop.run(
            step: { trainer.step },
            train: {
                let r = try trainer.trainStep()
                return StepReport(
                    loss: Double(r.loss), learningRate: Double(r.learningRate), gradientNorm: Double(r.gradientNorm),
                    measures: [("scale", exp(Double(r.logScale)))])
            },
            checkpoint: checkpoint, evaluate: { try evaluate(log: log) }, shouldStop: shouldStop, log: log)
    }

    /// Saves the training state and exports `model.safetensors`.
    public func checkpoint() throws {
        try trainer.saveCheckpoint(to: checkpointPath)
        var weights = trainer.exportWeights()
        weights.metadata = ["format": "pt", "unclip.steps": String(trainer.step)]
        try RunFolder.write(weights, to: path("model.safetensors"))
    }

    /// Evaluates the exported weights (EMA when enabled) and logs the result.
    public func evaluate(log: (String) -> Void) throws {
        let model = try CLIPModel(trainer.model.configuration)
        try model.load(Dictionary(uniqueKeysWithValues: trainer.exportWeights().tensors.map { ($0.name, $0.tensor) }))
        try model.prepareTreeForInference()
        let e = try CLIPEvaluation(
            model: model, tokenizer: trainer.tokenizer, pairs: setup.evaluationPairs, scenes: setup.evaluationScenes)
        log("eval step \(trainer.step): \(e.summary)")
        appendLog(
            "\(trainer.step)\teval\tt2i\t\(e.textToImage)\ti2t\t\(e.imageToText)\tcolour\t\(e.colour)\tshape\t\(e.shape)"
                + "\tcolour_plain\t\(e.colourPlain)\tshape_plain\t\(e.shapePlain)\theldout_colour\t\(e.heldOutColour)"
                + "\theldout_shape\t\(e.heldOutShape)\tposition\t\(e.position)\tcount\t\(e.count)")
    }

    /// Evaluates the model folder `folder` (config.json, model.safetensors, tokenizer files).
    public static func evaluate(folder: String, pairs: Int, scenes: Int) throws -> CLIPEvaluation {
        let model = try CLIPModel(folder: folder)
        guard let context = model.text?.configuration.maxPositions else {
            throw TrainingError.badCheckpoint(path: folder, reason: "no text tower")
        }
        let tokenizer = try CLIPTokenizer(folder: folder, contextLength: context)
        try model.prepareTreeForInference()
        return try CLIPEvaluation(model: model, tokenizer: tokenizer, pairs: pairs, scenes: scenes)
    }

    func appendLog(_ line: String) { TrainingLoop.append(line, to: path("log.tsv")) }
}
