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
        /// Two-object scenes with their composition hard negatives (`ShapesBatchSource.compositionGroups`).
        public var compositionGroups = false
        /// The fraction of pictures corrupted as a decoder's might be (`ShapesBatchSource.degradedFraction`).
        public var degradedFraction = 0.0
        /// Start a new run from this model folder's config, vocabulary and weights (a fresh optimizer), e.g. to
        /// continue training a shipped model whose full checkpoint was not kept.
        public var initialModel: String? = nil
        /// With `initialModel`: a new input side, a whole multiple of the model's (`CLIPTrainingRun.upscaled`).
        public var initialImageSize: Int? = nil

        public init(folder: String) { self.folder = folder }
    }

    public let setup: Setup
    public let trainer: CLIPTrainer
    var checkpointPath: String { path("checkpoint.safetensors") }

    func path(_ name: String) -> String { URL(fileURLWithPath: setup.folder).appendingPathComponent(name).path }

    public init(setup: Setup, options: CLIPTrainingOptions) throws {
        self.setup = setup
        if setup.dataPath != nil && (setup.shapeGroup > 1 || setup.compositionGroups || setup.degradedFraction > 0) {
            throw TrainingError.badOption(
                "--shape-group, --composition-groups and --degrade act on rendered Shapes scenes, not on --data")
        }
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
            (model, tokenizer) = try Self.copyModel(
                from: source, to: setup.folder, imageSize: setup.initialImageSize)
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
                imageSize: size, sceneCount: setup.sceneCount, options: setup.sampling, shapeGroup: setup.shapeGroup,
                compositionGroups: setup.compositionGroups, degradedFraction: setup.degradedFraction)
        trainer = try CLIPTrainer(model: model, tokenizer: tokenizer, data: data, options: options)
        if setup.resume { try trainer.restoreCheckpoint(from: checkpoint) }
    }

    /// Copies `source`'s config and tokenizer files into `folder` and loads its weights; with `imageSize`, the
    /// vision tower is first resized to that input side (`upscaled`) and the new config written instead.
    static func copyModel(
        from source: String, to folder: String, imageSize: Int? = nil
    ) throws -> (CLIPModel, CLIPTokenizer) {
        var model = try CLIPModel(folder: source)
        guard let context = model.text?.configuration.maxPositions else {
            throw TrainingError.badCheckpoint(path: source, reason: "config.json has no text_config")
        }
        for name in ["config.json", "merges.txt", "vocab.json"] {
            let from = URL(fileURLWithPath: source).appendingPathComponent(name)
            let to = URL(fileURLWithPath: folder).appendingPathComponent(name)
            try? FileManager.default.removeItem(at: to)
            try FileManager.default.copyItem(at: from, to: to)
        }
        let tokenizer = try CLIPTokenizer(folder: folder, contextLength: context)
        if let size = imageSize, size != model.configuration.vision?.imageSize {
            model = try upscaled(model, imageSize: size)
            try model.configuration.huggingFaceJSON(startTokenID: Int(tokenizer.startID)).write(
                to: URL(fileURLWithPath: folder).appendingPathComponent("config.json"))
        }
        return (model, tokenizer)
    }

    /// The same CLIP for `imageSize`-pixel inputs, a whole multiple f of its own: the patch grows to f times its
    /// side and each patch weight is spread over f × f pixels divided by f², so the grid and every other weight
    /// stay, and the model computes on an image what it computed on that image box-filtered down by f. Training
    /// on from there can use the finer detail (shapes at the edge of what 64 pixels resolve).
    public static func upscaled(_ model: CLIPModel, imageSize: Int) throws -> CLIPModel {
        guard let vision = model.configuration.vision, imageSize >= vision.imageSize,
            imageSize % vision.imageSize == 0
        else {
            throw TrainingError.badOption(
                "--image-size \(imageSize) with --init: needs a whole multiple of the model's "
                    + "\(model.configuration.vision?.imageSize ?? 0)")
        }
        let f = imageSize / vision.imageSize, p = vision.patchSize
        var config = model.configuration
        config.vision?.imageSize = imageSize
        config.vision?.patchSize = p * f
        let resized = try CLIPModel(config)
        var weights: [String: Tensor] = [:]
        for (key, variable) in model.parameters() { weights[key] = variable.value }
        let key = "vision_model.embeddings.patch_embedding.weight"
        guard let patch = weights[key], patch.rank == 4, patch.shape[2] == p, patch.shape[3] == p else {
            throw TrainingError.badCheckpoint(path: key, reason: "no [C, 3, \(p), \(p)] patch embedding")
        }
        let planes = patch.shape[0] * patch.shape[1], q = p * f, old = patch.scalars
        var spread = [Float](repeating: 0, count: planes * q * q)
        let weight = 1 / Float(f * f)
        for plane in 0..<planes {
            for y in 0..<q {
                for x in 0..<q { spread[(plane * q + y) * q + x] = old[(plane * p + y / f) * p + x / f] * weight }
            }
        }
        weights[key] = try Tensor(shape: [patch.shape[0], patch.shape[1], q, q], scalars: spread)
        try resized.load(weights)
        return resized
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
                + "\theldout_shape\t\(e.heldOutShape)\tposition\t\(e.position)\tbackground\t\(e.background)"
                + "\tcount\t\(e.count)"
                + "\tcomposition\t\(e.composition)")
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
