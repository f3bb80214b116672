import CLIP
import Foundation
import NN
import Shapes
import UNet

/// A whole `unclip-train decoder` (or `inpaint`) run in a folder that is itself a decoder model folder:
/// `decoder/` and `text_proj/` (diffusers configs and the exported EMA weights), `unconditional.safetensors` (the
/// CLIP encoding of the empty caption, for guidance), `checkpoint.safetensors` (+ `.ema`) with the full training
/// state, `training.json` (the CLIP folder used) and `log.tsv`. `unclip-decode --model FOLDER` loads it as is.
public final class DecoderTrainingRun {
    /// What to build or continue, and the bookkeeping intervals.
    public struct Setup: Sendable {
        public var folder: String
        public var resume = false
        /// The frozen CLIP whose embeddings condition the decoder (on resume, nil reads `training.json`).
        public var clipFolder: String? = nil
        /// The architecture of a new model.
        public var architecture: DecoderArchitecture
        public var modelSeed: UInt64 = 0
        /// Start a new run from this decoder folder's configs and weights (a fresh optimizer). An inpainting run
        /// from a plain decoder gets GLIDE's extra input channels, zero-initialised.
        public var initialModel: String? = nil
        public var sampling: SamplingOptions = SamplingOptions(objectCounts: 1...3)
        public var checkpointEvery = 100, evaluateEvery = 500, logEvery = 10
        /// Held-out scenes decoded at each evaluation (0: none).
        public var evaluationScenes = 48
        public var evaluation = DecodingOptions(steps: 25, guidance: 8, batchLimit: 16)

        public init(folder: String, architecture: DecoderArchitecture) {
            self.folder = folder
            self.architecture = architecture
        }
    }

    public let setup: Setup
    public let trainer: DecoderTrainer
    public let clipFolder: String
    var checkpointPath: String { path("checkpoint.safetensors") }

    func path(_ name: String) -> String { URL(fileURLWithPath: setup.folder).appendingPathComponent(name).path }

    public init(setup: Setup, options: DecoderTrainingOptions) throws {
        self.setup = setup
        let checkpoint = URL(fileURLWithPath: setup.folder).appendingPathComponent("checkpoint.safetensors").path
        try RunFolder.prepare(setup.folder, checkpoint: checkpoint, resume: setup.resume)
        if setup.resume {
            clipFolder = try setup.clipFolder ?? Self.recordedCLIP(in: setup.folder)
        } else {
            guard let clip = setup.clipFolder else {
                throw TrainingError.badOption("give the CLIP folder (--clip DIR)")
            }
            clipFolder = clip
        }
        let clip: CLIPModel
        let tokenizer: CLIPTokenizer
        do {
            clip = try CLIPModel(folder: clipFolder)
            guard let context = clip.text?.configuration.maxPositions else {
                throw TrainingError.badCheckpoint(path: clipFolder, reason: "config.json has no text_config")
            }
            tokenizer = try CLIPTokenizer(folder: clipFolder, contextLength: context)
            try clip.prepareTreeForInference()
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.badCheckpoint(path: clipFolder, reason: "cannot load the CLIP: \(error)")
        }
        let decoder: Decoder
        if setup.resume {
            decoder = try Self.decoder(configsIn: setup.folder)
        } else {
            if let source = setup.initialModel {
                decoder = try Self.copyModel(
                    from: source, to: setup.folder, inpainting: setup.architecture.inpainting)
            } else {
                // A new decoder reads the embeddings of the CLIP it is trained against, whatever their width.
                var architecture = setup.architecture
                architecture.clipDimension = clip.text?.configuration.projectionDim ?? architecture.clipDimension
                try architecture.writeConfigs(to: setup.folder)
                decoder = try Self.decoder(configsIn: setup.folder)
                try decoder.unet.initializeParameters(seed: setup.modelSeed)
                try decoder.textProjection.initializeParameters(seed: setup.modelSeed &+ 1)
                // GLIDE zero-initialises the output convolution: the untrained model predicts ε = 0, v = 0.
                for (key, p) in decoder.unet.parameters() where key.hasPrefix("conv_out.") {
                    try p.update(Tensor(zeros: p.shape))
                }
            }
            let record: [String: Any] = ["clip": URL(fileURLWithPath: clipFolder).standardizedFileURL.path]
            try JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys]).write(
                to: URL(fileURLWithPath: setup.folder).appendingPathComponent("training.json"))
        }
        guard let size = decoder.unet.config.sampleSize else {
            throw TrainingError.badCheckpoint(path: setup.folder, reason: "decoder/config.json has no sample_size")
        }
        let data = try DecoderBatchBuilder(
            clip: clip, tokenizer: tokenizer, imageSize: size, sampling: setup.sampling,
            dropout: ConditioningDropout(imageRate: options.imageDropout, captionRate: options.captionDropout),
            inpainting: decoder.takesInpaintingChannels, schedule: decoder.schedule)
        trainer = try DecoderTrainer(decoder: decoder, data: data, options: options)
        if setup.resume {
            try trainer.restoreCheckpoint(from: checkpoint)
        } else {
            try writeUnconditional()
        }
    }

    /// The decoder built from `folder`'s `decoder/config.json` and `text_proj/config.json` (zero weights).
    static func decoder(configsIn folder: String) throws -> Decoder {
        let root = URL(fileURLWithPath: folder)
        return try Decoder(
            unet: UNetModel(
                config: UNetConfig(contentsOf: root.appendingPathComponent("decoder/config.json").path)),
            textProjection: UnCLIPTextProjection(
                config: TextProjectionConfig(contentsOf: root.appendingPathComponent("text_proj/config.json").path)))
    }

    /// The CLIP folder recorded in `training.json`.
    static func recordedCLIP(in folder: String) throws -> String {
        let file = URL(fileURLWithPath: folder).appendingPathComponent("training.json")
        guard let data = try? Data(contentsOf: file),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let clip = object["clip"] as? String
        else {
            throw TrainingError.badCheckpoint(path: file.path, reason: "no CLIP folder recorded; pass --clip DIR")
        }
        return clip
    }

    /// Copies a decoder folder's configs into `folder` and loads its weights. With `inpainting` and a plain
    /// source, `in_channels` becomes 2C + 1 and `conv_in` gets zero weights for the new channels (GLIDE's
    /// fine-tuning start).
    static func copyModel(from source: String, to folder: String, inpainting: Bool) throws -> Decoder {
        let src = URL(fileURLWithPath: source), dst = URL(fileURLWithPath: folder)
        let trained = try Decoder.load(directory: source)
        for sub in ["decoder", "text_proj"] {
            try FileManager.default.createDirectory(
                at: dst.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var unetConfig =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: src.appendingPathComponent("decoder/config.json"))) as? [String: Any] ?? [:]
        let channels = trained.imageChannels
        let widen = inpainting && !trained.takesInpaintingChannels
        if widen { unetConfig["in_channels"] = 2 * channels + 1 }
        try JSONSerialization.data(withJSONObject: unetConfig, options: [.prettyPrinted, .sortedKeys]).write(
            to: dst.appendingPathComponent("decoder/config.json"))
        try Data(contentsOf: src.appendingPathComponent("text_proj/config.json")).write(
            to: dst.appendingPathComponent("text_proj/config.json"))
        let decoder = try Self.decoder(configsIn: folder)
        guard decoder.takesInpaintingChannels == inpainting else {
            throw TrainingError.badOption(
                "\(source) is \(trained.takesInpaintingChannels ? "an inpainting" : "a plain") decoder; it cannot start a \(inpainting ? "inpainting" : "plain") run"
            )
        }
        var weights = trained.unet.parameterDictionary().mapValues(\.value)
        if widen, let w = weights["conv_in.weight"] {
            // [C0, C, k, k] → [C0, 2C + 1, k, k], the new input channels zero.
            let (c0, k) = (w.shape[0], w.shape[2])
            let zeros = try Tensor(zeros: [c0, channels + 1, k, k])
            weights["conv_in.weight"] = try Tensor.concatenate([w, zeros], axis: 1)
        }
        try decoder.unet.load(weights)
        try decoder.textProjection.load(trained.textProjection.parameterDictionary().mapValues(\.value))
        return decoder
    }

    /// Writes `unconditional.safetensors`: the empty caption's `text.embed`, `text.hidden`, `text.mask`.
    func writeUnconditional() throws {
        let e = trainer.data.emptyCaption
        try WeightFile(
            tensors: [("text.embed", e.embedding), ("text.hidden", e.hidden), ("text.mask", e.mask)],
            metadata: ["format": "pt", "prompt": ""]
        ).write(to: path("unconditional.safetensors"))
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
                    measures: [("mse", Double(r.simpleLoss))])
            },
            checkpoint: checkpoint, evaluate: { if setup.evaluationScenes > 0 { try evaluate(log: log) } },
            shouldStop: shouldStop, log: log)
    }

    /// Saves the training state and exports the EMA weights into `decoder/` and `text_proj/`.
    public func checkpoint() throws {
        try trainer.saveCheckpoint(to: checkpointPath)
        var (unet, projection) = trainer.exportWeights()
        unet.metadata["unclip.steps"] = String(trainer.step)
        projection.metadata["unclip.steps"] = String(trainer.step)
        for (sub, file) in [("decoder", unet), ("text_proj", projection)] {
            let target = path(sub + "/" + UNetModel.weightsFileName)
            try RunFolder.write(file, to: target)
        }
    }

    /// Evaluates the exported folder (EMA weights) on held-out scenes and logs the result.
    public func evaluate(log: (String) -> Void) throws {
        let started = Date()
        var options = setup.evaluation
        let result: any SceneScores
        if trainer.decoder.takesInpaintingChannels {
            result = try InpaintingEvaluation(
                folder: setup.folder, data: trainer.data, scenes: setup.evaluationScenes, split: .test,
                options: options, seed: 0)
        } else {
            options.size = trainer.resolution
            result = try DecoderEvaluation(
                folder: setup.folder, data: trainer.data, scenes: setup.evaluationScenes, split: .test,
                options: options, seed: 0)
        }
        log(
            "eval step \(trainer.step) at \(result.imageSize)px: \(result.summary) (\(Int(Date().timeIntervalSince(started))) s)"
        )
        appendLog(
            "\(trainer.step)\teval\tsize\t\(result.imageSize)\tcolour\t\(result.colour)\tshape\t\(result.shape)\tposition\t\(result.position)"
                + "\tall\t\(result.all)\tscenes\t\(result.scenes)")
    }

    /// Evaluates the decoder folder `folder` with the CLIP `clip` (default: the one its `training.json` names) on
    /// `scenes` single-object scenes of `split` ("test" or "heldout"); optionally writes a PNG contact sheet
    /// (each scene's render, then its decoded image).
    public static func evaluate(
        folder: String, clip: String?, scenes: Int, split: String, steps: Int, guidance: Float, batch: Int,
        seed: UInt64, sheet: String?, size: Int? = nil, eta: Double? = nil
    ) throws -> DecoderEvaluation {
        let (data, which) = try evaluationData(folder: folder, clip: clip, split: split)
        let result = try DecoderEvaluation(
            folder: folder, data: data, scenes: scenes, split: which,
            options: DecodingOptions(steps: steps, guidance: guidance, eta: eta, batchLimit: batch, size: size),
            seed: seed)
        if let sheet { try result.writeContactSheet(to: sheet) }
        return result
    }

    /// Evaluates the inpainting of decoder folder `folder` (an inpainting decoder, or RePaint with a plain one)
    /// as `evaluate` does the decoding; `resample` is RePaint's r.
    public static func evaluateInpainting(
        folder: String, clip: String?, scenes: Int, split: String, steps: Int, guidance: Float, resample: Int,
        batch: Int, seed: UInt64, sheet: String?
    ) throws -> InpaintingEvaluation {
        let (data, which) = try evaluationData(folder: folder, clip: clip, split: split)
        let result = try InpaintingEvaluation(
            folder: folder, data: data, scenes: scenes, split: which,
            options: DecodingOptions(steps: steps, guidance: guidance, batchLimit: batch, resample: resample),
            seed: seed)
        if let sheet { try result.writeContactSheet(to: sheet) }
        return result
    }

    /// The conditioning of an evaluation: the CLIP `clip` (default: the one `folder`'s `training.json` names) and
    /// the held-out split named `split`.
    static func evaluationData(folder: String, clip: String?, split: String) throws -> (DecoderBatchBuilder, Split) {
        guard let which = Split(rawValue: split), which != .train else {
            throw TrainingError.badOption("--split must be test or heldout, not '\(split)'")
        }
        let clipFolder = try clip ?? recordedCLIP(in: folder)
        let model = try CLIPModel(folder: clipFolder)
        guard let context = model.text?.configuration.maxPositions else {
            throw TrainingError.badCheckpoint(path: clipFolder, reason: "config.json has no text_config")
        }
        try model.prepareTreeForInference()
        let decoder = try Self.decoder(configsIn: folder)
        let data = try DecoderBatchBuilder(
            clip: model, tokenizer: CLIPTokenizer(folder: clipFolder, contextLength: context),
            imageSize: decoder.unet.config.sampleSize ?? 64, dropout: ConditioningDropout(imageRate: 0, captionRate: 0),
            inpainting: false, schedule: decoder.schedule)
        return (data, which)
    }

    func appendLog(_ line: String) { TrainingLoop.append(line, to: path("log.tsv")) }
}
