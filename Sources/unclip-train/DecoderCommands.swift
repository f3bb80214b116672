// unclip-train decoder | inpaint | decoder-eval | inpaint-eval: the unCLIP decoder's training and evaluation commands.
import Foundation
import StageKit
import Training

/// The options decoder-eval and inpaint-eval share: which CLIP, scenes and sampler.
let sceneEvaluationOptions: [OptionSpec] = [
    OptionSpec("clip", value: "DIR", help: "CLIP folder (default: the one in DIR/training.json)"),
    OptionSpec("scenes", value: "N", default: "200", help: "single-object held-out scenes"),
    OptionSpec("split", value: "NAME", default: "test", help: "test or heldout (held-out colour-shape pairs)"),
    OptionSpec("steps", value: "N", default: "25", help: "decoder steps"),
    OptionSpec("guidance", value: "S", default: "8", help: "classifier-free guidance scale"),
]

let decoderOptions: [OptionSpec] = [
    OptionSpec("out", short: "o", value: "DIR", help: "model folder to create or resume (required)"),
    OptionSpec(
        "clip", value: "DIR", help: "frozen CLIP folder for the conditioning (new runs; resume reads training.json)"),
    OptionSpec("steps", value: "N", default: "20000", help: "total optimizer steps (the cosine schedule ends here)"),
    OptionSpec(
        "stop-at", value: "N", help: "checkpoint and stop after step N, before the schedule's end (--resume goes on)"),
    OptionSpec("batch", value: "B", default: "32", help: "images per batch"),
    OptionSpec("lr", value: "LR", default: "1e-3", help: "peak learning rate"),
    OptionSpec("min-lr", value: "R", default: "0.05", help: "final learning rate as a fraction of the peak"),
    OptionSpec("warmup", value: "N", default: "100", help: "linear warm-up steps"),
    OptionSpec("weight-decay", value: "W", default: "0", help: "AdamW decoupled weight decay"),
    OptionSpec("clip-grad", value: "G", default: "1", help: "global gradient-norm clip (0: off)"),
    OptionSpec("ema", value: "D", default: "0.999", help: "EMA decay cap (warm-up min(D, (1+n)/(10+n)))"),
    OptionSpec("min-snr", value: "G", default: "5", help: "min-SNR-γ weighting of the ε loss (0: uniform)"),
    OptionSpec("vb-weight", value: "W", default: "1", help: "weight of the variational bound (learned variance)"),
    OptionSpec("drop-image", value: "P", default: "0.1", help: "rate of the null image embedding (guidance training)"),
    OptionSpec("drop-caption", value: "P", default: "0.5", help: "rate of the empty caption (guidance training)"),
    OptionSpec("resume", help: "continue from DIR/checkpoint.safetensors exactly"),
    OptionSpec("init", value: "MODEL", help: "start from decoder folder MODEL's configs and weights (fresh optimizer)"),
    OptionSpec("channels", value: "LIST", default: "32,64,128", help: "UNet channels per level (the last attends)"),
    OptionSpec("layers", value: "N", default: "1", help: "residual blocks per down level"),
    OptionSpec("head-dim", value: "D", default: "32", help: "channels per attention head"),
    OptionSpec("groups", value: "G", default: "32", help: "GroupNorm groups"),
    OptionSpec("size", value: "S", default: "64", help: "image side (sample_size)"),
    OptionSpec("low-res", value: "S", help: "resolution schedule: train at side S first (then at --size)"),
    OptionSpec("low-res-steps", value: "N", default: "0", help: "steps at --low-res before switching to --size"),
    OptionSpec("objects", value: "N|LO-HI", default: "1-3", help: "objects per rendered scene"),
    OptionSpec("backgrounds", value: "LIST", default: "plain,gradient,striped", help: "background styles to render"),
    OptionSpec("checkpoint-every", value: "N", default: "100", help: "steps between checkpoints (and exports)"),
    OptionSpec("eval-every", value: "N", default: "500", help: "steps between evaluations (0: only at the end)"),
    OptionSpec("eval-scenes", value: "N", default: "48", help: "held-out scenes decoded per evaluation (0: none)"),
    OptionSpec("eval-steps", value: "N", default: "25", help: "decoder steps in evaluations"),
    OptionSpec("eval-guidance", value: "S", default: "8", help: "guidance scale in evaluations"),
    OptionSpec("log-every", value: "N", default: "10", help: "steps between log lines"),
]

func decoderTrainingSpec(name: String, summary: String, details: String) -> CommandSpec {
    CommandSpec(
        name: name, summary: summary,
        usage: ["--out DIR --clip DIR [--steps N] [--batch B] [--lr LR] [--seed S] [--resume | --init MODEL]"],
        options: decoderOptions, common: .stage, details: details)
}

let decoderSubcommands: [CommandSpec] = [
    decoderTrainingSpec(
        name: "decoder", summary: "train the unCLIP decoder (64×64, conditioned on CLIP image embedding and caption)",
        details: """
            Renders Shapes scenes on the fly, conditions on the frozen CLIP's image embedding of each render and the
            caption's text.embed/text.hidden/text.mask (as unclip-text writes them), drops the image embedding 10% and
            the caption 50% of the time for classifier-free guidance, and trains ε with the learned-range variance
            (hybrid loss, min-SNR-γ weighting). DIR is a decoder model folder for unclip-decode --model DIR (decoder/,
            text_proj/ with EMA weights, unconditional.safetensors) plus checkpoint.safetensors (+ .ema; --resume
            continues exactly), training.json and log.tsv. SIGINT/SIGTERM checkpoint and stop at the next step.
            """),
    decoderTrainingSpec(
        name: "inpaint", summary: "train the GLIDE-style inpainting decoder (extra masked-image and mask channels)",
        details: """
            The decoder loop with in_channels 7: x_t, the kept image and the keep mask, on random masks (boxes and
            free-form strokes). --init DECODER starts from a trained decoder, its conv_in widened with zero weights
            (GLIDE's fine-tuning start). The folder loads in unclip-inpaint --model DIR.
            """),
    CommandSpec(
        name: "decoder-eval", summary: "colour/shape/position accuracy of a decoder from true CLIP embeddings",
        usage: ["--model DIR [--clip DIR] [--scenes N] [--split test|heldout] [--steps N] [--guidance S]"],
        options: sceneEvaluationOptions + [
            OptionSpec("batch", value: "N", default: "16", help: "items per UNet batch"),
            OptionSpec("sheet", value: "FILE", help: "also write the decoded images as a PNG contact sheet"),
            OptionSpec("size", value: "S", help: "decode at side S (default: the decoder's sample_size)"),
            OptionSpec(
                "eta", value: "E", help: "DDIM with stochasticity E instead of Karlo's sampler (as unclip-decode)"),
        ], common: .model,
        details: """
            Decodes N single-object scenes (seeds 0..<N of the split, caption variant 0) from their TRUE CLIP image
            embedding and caption, with the sampler and guidance of unclip-decode, and prints one line: how often
            SceneChecker finds the asked colour, shape and position in the pixels.
            """),
    CommandSpec(
        name: "inpaint-eval", summary: "colour/shape/position accuracy of inpainting (GLIDE model or RePaint)",
        usage: [
            "--model DIR [--clip DIR] [--scenes N] [--split test|heldout] [--steps N] [--guidance S] [--resample R]"
        ],
        options: sceneEvaluationOptions + [
            OptionSpec("resample", value: "R", default: "1", help: "RePaint resampling: run each step R times"),
            OptionSpec("batch", value: "N", default: "16", help: "items per UNet batch"),
            OptionSpec("sheet", value: "FILE", help: "also write the inpainted images as a PNG contact sheet"),
        ], common: .model,
        details: """
            Masks a square around the object of N single-object scenes (seeds 0..<N of the split, caption variant
            0; 1.5 times the object's bounding disc, at least a quarter of the side) and regenerates it with
            unclip-inpaint's sampler from the scene's TRUE CLIP image embedding and caption: GLIDE-style with an
            inpainting decoder (in_channels 7), RePaint with any other. Prints one line: how often SceneChecker
            finds the asked colour, shape and position in the pixels (the mask erased the object, so only a
            regenerated one counts), and the largest change outside the mask.
            """),
]

/// Runs `decoder`, `inpaint`, `decoder-eval` or `inpaint-eval`; false for other commands.
func runDecoderCommand(_ stage: StageContext, stopRequested: @escaping () -> Bool) throws -> Bool {
    let args = stage.command
    switch args.command.name {
    case "decoder-eval":
        try args.expectOperands(0...0)
        guard let folder = args.string("model") ?? stage.arguments.string("model") else {
            throw UsageError("decoder-eval needs --model DIR")
        }
        let split = args.string("split") ?? "test"
        guard split == "test" || split == "heldout" else {
            throw UsageError("--split must be test or heldout, not '\(split)'")
        }
        let result = try DecoderTrainingRun.evaluate(
            folder: folder, clip: args.string("clip"), scenes: args.int("scenes", in: 1...100_000) ?? 200,
            split: split, steps: args.int("steps", in: 2...1000) ?? 25,
            guidance: Float(try args.double("guidance", in: 0...1000) ?? 8),
            batch: args.int("batch", in: 1...4096) ?? 16, seed: try stage.seedOption() ?? 0,
            sheet: args.string("sheet"), size: args.int("size", in: 8...1024), eta: args.double("eta", in: 0...10))
        writeText(result.summary + "\n")
        return true
    case "inpaint-eval":
        try args.expectOperands(0...0)
        guard let folder = args.string("model") ?? stage.arguments.string("model") else {
            throw UsageError("inpaint-eval needs --model DIR")
        }
        let result = try DecoderTrainingRun.evaluateInpainting(
            folder: folder, clip: args.string("clip"), scenes: args.int("scenes", in: 1...100_000) ?? 200,
            split: args.string("split") ?? "test", steps: args.int("steps", in: 2...1000) ?? 25,
            guidance: Float(try args.double("guidance", in: 0...1000) ?? 8),
            resample: args.int("resample", in: 1...100) ?? 1, batch: args.int("batch", in: 1...4096) ?? 16,
            seed: try stage.seedOption() ?? 0, sheet: args.string("sheet"))
        writeText(result.summary + "\n")
        return true
    case "decoder", "inpaint":
        break
    default:
        return false
    }
    try args.expectOperands(0...0)
    guard let out = args.string("out") else { throw UsageError("\(args.command.name) needs --out DIR") }
    let setup: DecoderTrainingRun.Setup
    let options: DecoderTrainingOptions
    do {
        let channels = try (args.string("channels") ?? "32,64,128").split(separator: ",").map { word in
            guard let c = Int(word), c > 0 else { throw UsageError("--channels: '\(word)' is not a positive integer") }
            return c
        }
        let architecture = try DecoderArchitecture(
            channels: channels, layersPerBlock: args.int("layers", in: 1...8) ?? 1,
            attentionHeadDim: args.int("head-dim", in: 1...4096) ?? 32,
            sampleSize: args.int("size", in: 8...1024) ?? 64,
            normGroups: args.int("groups", in: 1...1024) ?? 32, inpainting: args.command.name == "inpaint")
        var s = DecoderTrainingRun.Setup(folder: out, architecture: architecture)
        s.resume = args.has("resume")
        s.clipFolder = args.string("clip")
        s.initialModel = args.string("init")
        if s.resume && s.initialModel != nil { throw UsageError("give --resume or --init, not both") }
        s.modelSeed = try stage.seedOption() ?? 0
        s.sampling = try ShapesBatchSource.samplingOptions(
            objects: args.string("objects") ?? "1-3",
            backgrounds: args.string("backgrounds") ?? "plain,gradient,striped")
        s.checkpointEvery = try args.int("checkpoint-every", in: 1...Int.max) ?? 100
        s.evaluateEvery = try args.int("eval-every", in: 0...Int.max) ?? 500
        s.evaluationScenes = try args.int("eval-scenes", in: 0...100_000) ?? 48
        s.evaluation.steps = try args.int("eval-steps", in: 2...1000) ?? 25
        s.evaluation.guidance = Float(try args.double("eval-guidance", in: 0...1000) ?? 8)
        s.logEvery = try args.int("log-every", in: 1...Int.max) ?? 10
        setup = s
        let gamma = try args.double("min-snr", in: 0...1e6) ?? 5
        options = try DecoderTrainingOptions(
            steps: args.int("steps", in: 0...10_000_000) ?? 20000, batchSize: args.int("batch", in: 1...4096) ?? 32,
            learningRate: Float(args.double("lr", in: 1e-8...1) ?? 1e-3),
            minimumLearningRateRatio: Float(args.double("min-lr", in: 0...1) ?? 0.05),
            warmupSteps: args.int("warmup", in: 0...Int.max) ?? 100,
            weightDecay: Float(args.double("weight-decay", in: 0...10) ?? 0),
            gradientClip: Float(args.double("clip-grad", in: 0...1e6) ?? 1),
            emaDecay: Float(args.double("ema", in: 0...1) ?? 0.999),
            imageDropout: args.double("drop-image", in: 0...1) ?? 0.1,
            captionDropout: args.double("drop-caption", in: 0...1) ?? 0.5, minSNRGamma: gamma > 0 ? gamma : nil,
            variationalBoundWeight: args.double("vb-weight", in: 0...1e6) ?? 1,
            lowResolution: args.int("low-res", in: 8...1024),
            lowResolutionSteps: args.int("low-res-steps", in: 0...Int.max) ?? 0,
            seed: s.modelSeed)
    } catch let e as TrainingError {
        throw UsageError(e.description)
    }
    let run = try DecoderTrainingRun(setup: setup, options: options)
    stage.note(
        "\(args.command.name): \(run.trainer.decoder.unet.parameterCount + run.trainer.decoder.textProjection.parameterCount) parameters, step \(run.trainer.step) of \(options.steps), CLIP \(run.clipFolder)"
    )
    let quiet = stage.isQuiet
    let stopAt = try args.int("stop-at", in: 1...Int.max) ?? Int.max
    try run.run(shouldStop: { stopRequested() || run.trainer.step >= stopAt }) { line in
        if !quiet { stage.note(line) }
    }
    if run.trainer.step < options.steps {
        stage.note("stopped at step \(run.trainer.step); checkpoint saved, --resume continues")
    }
    return true
}
