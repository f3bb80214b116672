import Foundation
import NN
import Shapes
import UNet

/// A whole `unclip-train upsampler` run in a model folder: config, training loop with periodic logging,
/// checkpoints and export; resumable from the folder's `checkpoint.safetensors`.
///
/// Folder contents: `config.json` (diffusers `UNet2DModel`, `sample_size` = the target size),
/// `scheduler_config.json` (the prediction type) and `diffusion_pytorch_model.safetensors` (exported weights, EMA
/// when enabled) — a single-model folder
/// `unclip-upsample --model` loads — plus `checkpoint.safetensors` (+ `.ema`) with the full training state,
/// `training.json` (data settings) and `log.tsv`.
public final class UpsamplerTrainingRun {
    /// The shape of a new model, its data and the bookkeeping intervals.
    public struct Setup: Sendable {
        public var folder: String
        public var resume = false
        public var modelSeed: UInt64 = 0
        /// Output side of the upsampler (its input is a quarter of it).
        public var targetSize = 256
        /// Side of the training crops (a quarter of the target by default).
        public var cropSize = 64
        public var corruption: UpsamplerBatchSource.Corruption = .blur
        public var channels = [32, 64, 128]
        public var layersPerBlock = 2
        public var normGroups = 16
        public var checkpointEvery = 100, logEvery = 10
        /// Which Shapes scenes to render (training split only).
        public var sampling: SamplingOptions = .full
        /// Start a new run from this model folder's config and weights (a fresh optimizer).
        public var initialModel: String? = nil

        public init(folder: String) { self.folder = folder }
    }

    public let setup: Setup
    public let trainer: UpsamplerTrainer
    var checkpointPath: String { path("checkpoint.safetensors") }

    func path(_ name: String) -> String { URL(fileURLWithPath: setup.folder).appendingPathComponent(name).path }

    public init(setup: Setup, options: UpsamplerTrainingOptions) throws {
        self.setup = setup
        let checkpoint = URL(fileURLWithPath: setup.folder).appendingPathComponent("checkpoint.safetensors").path
        let configPath = URL(fileURLWithPath: setup.folder).appendingPathComponent("config.json").path
        try RunFolder.prepare(setup.folder, checkpoint: checkpoint, resume: setup.resume)
        let model: UNetModel
        if setup.resume {
            model = try UNetModel(config: UNetConfig(contentsOf: configPath))
        } else if let source = setup.initialModel {
            // The source may be the other upsampler (the same fully convolutional network at another size):
            // its config is kept with `sample_size` set to this run's target.
            model = try UNetModel.load(directory: source)
            let text = try String(
                contentsOf: URL(fileURLWithPath: source).appendingPathComponent("config.json"), encoding: .utf8)
            let resized = text.replacingOccurrences(
                of: #""sample_size"\s*:\s*[0-9]+"#, with: "\"sample_size\": \(setup.targetSize)",
                options: .regularExpression)
            try Data(resized.utf8).write(to: URL(fileURLWithPath: configPath))
        } else {
            let json = Self.configJSON(
                channels: setup.channels, layersPerBlock: setup.layersPerBlock, normGroups: setup.normGroups,
                sampleSize: setup.targetSize)
            let config = try UNetConfig(json: json)
            try json.write(to: URL(fileURLWithPath: configPath))
            model = try UNetModel(config: config)
            try model.initializeParameters(seed: setup.modelSeed)
        }
        let data = try UpsamplerBatchSource(
            targetSize: setup.targetSize, cropSize: setup.cropSize, corruption: setup.corruption,
            options: setup.sampling)
        trainer = try UpsamplerTrainer(model: model, data: data, options: options)
        if setup.resume { try trainer.restoreCheckpoint(from: checkpoint) }
    }

    /// A diffusers `UNet2DModel` config of Karlo's super-resolution shape (residual blocks only, no attention, no
    /// time-embedding extras): 6 input channels ([x_t, low-res]), 3 output channels.
    public static func configJSON(channels: [Int], layersPerBlock: Int, normGroups: Int, sampleSize: Int) -> Data {
        let down = Array(repeating: "\"ResnetDownsampleBlock2D\"", count: channels.count).joined(separator: ", ")
        let up = Array(repeating: "\"ResnetUpsampleBlock2D\"", count: channels.count).joined(separator: ", ")
        let text = """
            {
              "_class_name": "UNet2DModel",
              "act_fn": "silu",
              "add_attention": false,
              "block_out_channels": [\(channels.map(String.init).joined(separator: ", "))],
              "center_input_sample": false,
              "down_block_types": [\(down)],
              "flip_sin_to_cos": true,
              "freq_shift": 0,
              "in_channels": 6,
              "layers_per_block": \(layersPerBlock),
              "mid_block_scale_factor": 1,
              "mid_block_type": "UNetMidBlock2D",
              "norm_eps": 1e-05,
              "norm_num_groups": \(normGroups),
              "out_channels": 3,
              "resnet_time_scale_shift": "default",
              "sample_size": \(sampleSize),
              "time_embedding_type": "positional",
              "up_block_types": [\(up)]
            }

            """
        return Data(text.utf8)
    }

    /// Trains until `options.steps` or until `shouldStop()` says so (`TrainingLoop`), then checkpoints and exports.
    /// `log` receives one line per log interval.
    public func run(shouldStop: () -> Bool, log: (String) -> Void) throws {
        try writeTrainingNote()
        let loop = TrainingLoop(
            total: trainer.options.steps, logFile: path("log.tsv"), logEvery: setup.logEvery,
            checkpointEvery: setup.checkpointEvery)
        try loop.run(
            step: { trainer.step },
            train: {
                let r = try trainer.trainStep()
                return StepReport(
                    loss: Double(r.loss), learningRate: Double(r.learningRate), gradientNorm: Double(r.gradientNorm),
                    measures: [("pred_mse", Double(r.epsilonError))])
            },
            checkpoint: checkpoint, shouldStop: shouldStop, log: log)
    }

    /// Saves the training state and exports `diffusion_pytorch_model.safetensors`.
    public func checkpoint() throws {
        try trainer.saveCheckpoint(to: checkpointPath)
        var weights = trainer.exportWeights()
        weights.metadata = ["format": "pt", "unclip.steps": String(trainer.step)]
        let target = path(UNetModel.weightsFileName)
        try RunFolder.write(weights, to: target)
        try SuperResolution.schedulerConfigJSON(predictionType: trainer.options.predictionType).write(
            to: URL(fileURLWithPath: path("scheduler_config.json")))
    }

    /// Records the data settings beside the weights (for the model card and for `upsampler-eval`).
    func writeTrainingNote() throws {
        let d = trainer.data
        let text = """
            {"target_size": \(d.targetSize), "crop_size": \(d.cropSize), "corruption": "\(d.corruption.rawValue)", \
            "batch": \(trainer.options.batchSize), "steps": \(trainer.options.steps), \
            "prediction_type": "\(trainer.options.predictionType.rawValue)", \
            "lr": \(trainer.options.learningRate), "seed": \(trainer.options.seed)}

            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path("training.json")))
    }

}
