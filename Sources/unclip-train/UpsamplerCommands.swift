// unclip-train upsampler / upsampler-eval: the diffusion upsamplers' training and evaluation commands.
import Diffusion
import Foundation
import StageKit
import Training
import UNet

let upsamplerCommands: [CommandSpec] = [
    CommandSpec(
        name: "upsampler", summary: "train a 4× diffusion upsampler (super-resolution UNet) on Shapes crops",
        usage: ["--out DIR --target 256|1024 [--crop C] [--corruption blur|bsr] [--steps N] [--resume | --init DIR]"],
        options: [
            OptionSpec("out", short: "o", value: "DIR", help: "model folder to create or resume (required)"),
            OptionSpec("target", value: "S", default: "256", help: "output side (the input is S/4)"),
            OptionSpec("crop", value: "C", help: "training crop side (default S/4)"),
            OptionSpec(
                "corruption", value: "KIND",
                help: "conditioning corruption: blur (default for 256) or bsr (default for 1024), or none"),
            OptionSpec("channels", value: "LIST", help: "block_out_channels (default 32,64,128; 16,32,64 for 1024)"),
            OptionSpec("layers", value: "N", default: "2", help: "residual blocks per down level"),
            OptionSpec("groups", value: "G", help: "GroupNorm groups (default 16; 8 for 1024)"),
            OptionSpec(
                "steps", value: "N", default: "2000", help: "total optimizer steps (the cosine schedule ends here)"),
            OptionSpec("batch", value: "B", default: "8", help: "crops per batch"),
            OptionSpec("lr", value: "LR", default: "1e-3", help: "peak learning rate"),
            OptionSpec("warmup", value: "N", default: "100", help: "linear warm-up steps"),
            OptionSpec("weight-decay", value: "W", default: "0", help: "AdamW decoupled weight decay"),
            OptionSpec("clip-grad", value: "G", default: "1", help: "global gradient-norm clip (0: off)"),
            OptionSpec("ema", value: "D", default: "0.995", help: "EMA decay of the exported weights (0: no EMA)"),
            OptionSpec("min-snr", value: "GAMMA", default: "5", help: "min-SNR-γ loss weighting (0: uniform)"),
            OptionSpec("prediction", value: "TYPE", default: "v", help: "what the UNet predicts: v or epsilon"),
            OptionSpec("resume", help: "continue from DIR/checkpoint.safetensors"),
            OptionSpec("init", value: "MODEL", help: "start from MODEL's config and weights (fresh optimizer)"),
            OptionSpec("checkpoint-every", value: "N", default: "100", help: "steps between checkpoints"),
            OptionSpec("log-every", value: "N", default: "10", help: "steps between log lines"),
        ], common: .stage,
        details: """
            Renders training-split Shapes scenes (1-3 objects, all backgrounds) at the target size, makes the
            low-resolution input by bicubic resizing to a quarter, corrupts it (Gaussian blur, or BSR-style blur,
            resize, noise and JPEG), and trains on random crops with v- (or ε-) prediction MSE (min-SNR weighted)
            on the squared-cosine schedule unclip-upsample samples with. DIR receives config.json and
            diffusion_pytorch_model.safetensors (EMA) and scheduler_config.json (a folder unclip-upsample --model loads),
            checkpoint.safetensors (full state; --resume continues it exactly), training.json and log.tsv.
            --seed seeds the model's initialisation and the data stream. SIGINT/SIGTERM checkpoint and stop.
            """),
    CommandSpec(
        name: "upsampler-eval", summary: "PSNR and sharpness of an upsampler against bicubic on held-out scenes",
        usage: ["--model DIR [--target S] [--scenes N] [--steps N] [--batch N]"],
        options: [
            OptionSpec("target", value: "S", help: "output side (default the model's sample_size)"),
            OptionSpec("scenes", value: "N", default: "16", help: "test-split scenes"),
            OptionSpec("steps", value: "N", default: "7", help: "sampling steps"),
            OptionSpec("batch", value: "N", default: "1", help: "scenes per upsampler call"),
            OptionSpec("chain", help: "from the S/16 render through the chain folder's two upsamplers (64→256→1024)"),
        ], common: .model,
        details: """
            Renders test-split scenes at S/4 and S, upsamples the small render with the model and with bicubic
            resizing, and prints a Markdown table: PSNR against the S render, and the gradient energy and
            Laplacian variance as ratios to the S render's (1 = as sharp as the truth). DIR is one upsampler folder,
            or a chain folder whose S/4-S subfolder is used.
            """),
]

/// Runs `upsampler` or `upsampler-eval`; returns false for other commands.
func runUpsamplerCommand(_ stage: StageContext, stopRequested: @escaping () -> Bool, onSignal: () -> Void) throws
    -> Bool
{
    let args = stage.command
    switch args.command.name {
    case "upsampler-eval":
        try args.expectOperands(0...0)
        guard let folder = args.string("model") ?? stage.arguments.string("model") else {
            throw UsageError("upsampler-eval needs --model DIR")
        }
        var target = try args.int("target", in: 16...4096)
        if target == nil, FileManager.default.fileExists(atPath: folder + "/config.json") {
            target = try UNetConfig(contentsOf: folder + "/config.json").sampleSize
        }
        guard let size = target else { throw UsageError("upsampler-eval: give --target S (no sample_size in config)") }
        let inputs = args.has("chain") ? [size / 16, size / 4] : [size / 4]
        let chain = try inputs.map { try SuperResolution.load(directory: folder, inputSize: $0) }
        let scenes = try args.int("scenes", in: 1...100_000) ?? 16
        let progress = stage.progress("scene", total: scenes)
        let report = try UpsamplerEvaluation(
            chain: chain, targetSize: size, scenes: scenes, steps: args.int("steps", in: 2...1000) ?? 7,
            seed: stage.seedOption() ?? 0, batch: args.int("batch", in: 1...256) ?? 1
        ) { progress.update($0) }
        writeText(report.table + "\n")
        return true
    case "upsampler":
        break
    default:
        return false
    }
    try args.expectOperands(0...0)
    guard let out = args.string("out") else { throw UsageError("upsampler needs --out DIR") }
    var setup = UpsamplerTrainingRun.Setup(folder: out)
    let target = try args.int("target", in: 16...1024) ?? 256
    let large = target > 256
    setup.targetSize = target
    setup.cropSize = try args.int("crop", in: 4...1024) ?? target / 4
    setup.resume = args.has("resume")
    setup.initialModel = args.string("init")
    setup.modelSeed = try stage.seedOption() ?? 0
    setup.layersPerBlock = try args.int("layers", in: 1...8) ?? 2
    setup.normGroups = try args.int("groups", in: 1...256) ?? (large ? 8 : 16)
    setup.checkpointEvery = try args.int("checkpoint-every", in: 1...Int.max) ?? 100
    setup.logEvery = try args.int("log-every", in: 1...Int.max) ?? 10
    let kind = args.string("corruption") ?? (large ? "bsr" : "blur")
    guard let corruption = UpsamplerBatchSource.Corruption(rawValue: kind) else {
        throw UsageError("--corruption must be blur, bsr or none, not '\(kind)'")
    }
    setup.corruption = corruption
    if let list = args.string("channels") {
        let channels = list.split(separator: ",").compactMap { Int($0) }
        guard !channels.isEmpty, channels.count == list.split(separator: ",").count,
            channels.allSatisfy({ $0 > 0 && $0 <= 4096 })
        else { throw UsageError("--channels must be a comma-separated list of positive widths, not '\(list)'") }
        setup.channels = channels
    } else {
        setup.channels = large ? [16, 32, 64] : [32, 64, 128]
    }
    if setup.resume && setup.initialModel != nil { throw UsageError("give --resume or --init, not both") }
    let prediction = args.string("prediction") ?? "v"
    guard let predictionType = ["v": PredictionType.velocity, "epsilon": .epsilon][prediction] else {
        throw UsageError("--prediction must be v or epsilon, not '\(prediction)'")
    }
    let options: UpsamplerTrainingOptions
    do {
        let ema = try args.double("ema", in: 0...0.999_999) ?? 0.995
        let gamma = try args.double("min-snr", in: 0...1e6) ?? 5
        options = try UpsamplerTrainingOptions(
            steps: args.int("steps", in: 0...10_000_000) ?? 2000, batchSize: args.int("batch", in: 1...4096) ?? 8,
            learningRate: Float(args.double("lr", in: 1e-8...1) ?? 1e-3),
            warmupSteps: args.int("warmup", in: 0...Int.max) ?? 100,
            weightDecay: Float(args.double("weight-decay", in: 0...10) ?? 0),
            gradientClip: Float(args.double("clip-grad", in: 0...1e6) ?? 1),
            emaDecay: ema > 0 ? Float(ema) : nil, minSNRGamma: gamma > 0 ? gamma : nil,
            predictionType: predictionType, seed: setup.modelSeed)
    } catch let e as TrainingError {
        throw UsageError(e.description)
    }
    onSignal()
    let run = try UpsamplerTrainingRun(setup: setup, options: options)
    let quiet = stage.isQuiet
    if !quiet {
        stage.note(
            "upsampler \(target / 4)→\(target): \(run.trainer.model.parameterCount) parameters, crops \(setup.cropSize), "
                + "batch \(options.batchSize), \(corruption.rawValue) corruption, step \(run.trainer.step)/\(options.steps)"
        )
    }
    try run.run(shouldStop: stopRequested) { line in
        if !quiet { stage.note(line) }
    }
    if stopRequested() { stage.note("stopped at step \(run.trainer.step); checkpoint saved, --resume continues") }
    return true
}
