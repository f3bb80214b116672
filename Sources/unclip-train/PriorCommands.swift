// The prior subcommands of unclip-train: prior, prior-ar, prior-eval.
import Foundation
import Prior
import StageKit
import Training

#if canImport(Glibc)
    import Glibc
#endif

let priorDataOptions: [OptionSpec] = [
    OptionSpec("out", short: "o", value: "DIR", help: "model folder to create or resume (required)"),
    OptionSpec("clip", value: "DIR", default: "pipelines/models/clip", help: "the CLIP whose embeddings are mapped"),
    OptionSpec("cache", value: "DIR", help: "where encoded pairs are cached (default: DIR/data)"),
    OptionSpec("pairs", value: "N", default: "20000", help: "training pairs (train split; half single objects)"),
    OptionSpec("valid-pairs", value: "N", default: "500", help: "held-out test-split pairs logged during training"),
    OptionSpec("data-seed", value: "S", default: "0", help: "seed of the scene and caption draws"),
    OptionSpec("steps", value: "N", default: "2000", help: "total optimizer steps (the cosine schedule ends here)"),
    OptionSpec("batch", value: "B", default: "64", help: "pairs per step"),
    OptionSpec("lr", value: "LR", default: "3e-4", help: "peak learning rate"),
    OptionSpec("min-lr", value: "LR", default: "3e-5", help: "learning rate at the end of the cosine"),
    OptionSpec("warmup", value: "N", default: "100", help: "linear warm-up steps"),
    OptionSpec("weight-decay", value: "W", default: "0.01", help: "AdamW decoupled weight decay"),
    OptionSpec("clip-grad", value: "G", default: "1", help: "global gradient-norm clip (0: off)"),
    OptionSpec("ema", value: "D", help: "keep an EMA of the weights with decay D and export it"),
    OptionSpec("dropout", value: "P", default: "0.1", help: "caption dropout for classifier-free guidance"),
    OptionSpec("resume", help: "continue exactly from DIR's checkpoint"),
    OptionSpec("init", value: "MODEL", help: "start from MODEL's config and weights (fresh optimizer)"),
    OptionSpec("layers", value: "L", default: "4", help: "transformer blocks"),
    OptionSpec("heads", value: "H", default: "4", help: "attention heads"),
    OptionSpec("checkpoint-every", value: "N", default: "100", help: "steps between checkpoints"),
    OptionSpec("log-every", value: "N", default: "10", help: "steps between log lines"),
]

let priorCommands: [CommandSpec] = [
    CommandSpec(
        name: "prior", summary: "diffusion prior training (Karlo's x₀ objective) on CLIP-encoded Shapes pairs",
        usage: ["--out DIR [--clip DIR] [--pairs N] [--steps N] [--batch B] [--lr LR] [--seed S] [--resume]"],
        options: priorDataOptions + [
            OptionSpec("head-dim", value: "W", default: "64", help: "width per head (model width = heads × W)"),
            OptionSpec("eval-every", value: "N", default: "200", help: "steps between held-out losses (0: none)"),
        ], common: .stage,
        details: """
            Renders Shapes train scenes (even items one object, odd items 1-3) at the CLIP's image size, encodes
            the renders and one caption phrasing each with the CLIP (text.embed, text.hidden, text.mask,
            image.embed; cached), computes clip_mean/clip_std from the training image embeddings, and trains a
            PriorTransformer to predict the normalised image embedding from its noised version, the timestep and
            the caption; DROPOUT of the captions are replaced by the empty prompt's encoding, the
            unconditional input of guidance. DIR is a model folder for unclip-prior at every checkpoint (config.json,
            diffusion_pytorch_model.safetensors, unconditional.safetensors) plus training.safetensors (and
            ema.safetensors) for --resume, and log.tsv. SIGINT/SIGTERM checkpoint and stop at the next step.
            """),
    CommandSpec(
        name: "prior-ar", summary: "autoregressive prior training (PCA codes) on the same pairs",
        usage: ["--out DIR [--clip DIR] [--pairs N] [--steps N] [--batch B] [--lr LR] [--seed S] [--resume]"],
        options: priorDataOptions + [
            OptionSpec("width", value: "C", default: "256", help: "transformer width"),
            OptionSpec("components", value: "K", default: "319", help: "cap on the PCA components kept (99% variance)"),
            OptionSpec("code-buckets", value: "V", default: "1024", help: "quantisation buckets per component"),
            OptionSpec(
                "smoothing", value: "S", default: "0",
                help: "spread each target code over its neighbours (Gaussian, S buckets; 0 = one-hot)"),
        ], common: .stage,
        details: """
            The same cached pairs as `prior`; fits the PCA codebook on the training image embeddings and trains the
            causal transformer over [caption tokens, text embedding, text-image dot token, image codes] with
            cross-entropy, DROPOUT of the conditioning replaced by the learned null. DIR is a model folder for
            unclip-prior-ar at every checkpoint, plus training.safetensors (and ema.safetensors) for --resume.
            """),
    CommandSpec(
        name: "prior-eval", summary: "held-out cosine and zero-shot attributes of prior-predicted image embeddings",
        usage: ["--prior DIR [--prior-ar DIR] [--clip DIR] [--pairs N] [--heldout-pairs N]", "--model DIR [--ar]"],
        options: [
            OptionSpec("prior", value: "DIR", help: "a diffusion prior folder"),
            OptionSpec("prior-ar", value: "DIR", help: "an autoregressive prior folder"),
            OptionSpec("ar", help: "--model names an autoregressive prior (else a diffusion prior)"),
            OptionSpec("clip", value: "DIR", default: "pipelines/models/clip", help: "the CLIP the priors map"),
            OptionSpec("cache", value: "DIR", help: "cache the encoded evaluation pairs here"),
            OptionSpec("pairs", value: "N", default: "1000", help: "test-split pairs"),
            OptionSpec("heldout-pairs", value: "N", default: "1000", help: "held-out-combination pairs (0: skip)"),
            OptionSpec("data-seed", value: "S", default: "1", help: "seed of the evaluation scene draws"),
            OptionSpec("steps", value: "N", default: "25", help: "diffusion prior sampling steps"),
            OptionSpec("guidance", value: "S", default: "4", help: "diffusion prior guidance scale"),
            OptionSpec("candidates", value: "N", default: "2", help: "diffusion prior best-of-N"),
            OptionSpec("ar-guidance", value: "S", default: "2", help: "AR prior guidance scale"),
            OptionSpec("temperature", value: "T", default: "0.5", help: "AR prior temperature"),
            OptionSpec("top-p", value: "P", default: "1", help: "AR prior nucleus mass"),
        ], common: .stage,
        details: """
            Encodes PAIRS test-split and HELDOUT held-out-combination Shapes pairs (even items one object, odd 1-3)
            with the CLIP and prints a markdown table per split: mean cosine similarity of each prior's sampled
            image embedding to the true image embedding, next to the text embedding and the mean training image
            embedding as baselines, and zero-shot colour and shape accuracy of every embedding on the single-object
            scenes (CLIP prompt ensembles, as clip-eval).
            """),
]

/// Runs a prior subcommand; false when the command is not one of them.
func runPriorCommand(_ stage: StageContext, shouldStop: @escaping () -> Bool) throws -> Bool {
    let args = stage.command
    let name = args.command.name
    guard name == "prior" || name == "prior-ar" || name == "prior-eval" else { return false }
    try args.expectOperands(0...0)
    let quiet = stage.isQuiet
    let log: (String) -> Void = { line in if !quiet { stage.note(line) } }
    if name == "prior-eval" {
        try runPriorEvaluation(stage, log: log)
        return true
    }
    guard let out = args.string("out") else { throw UsageError("\(name) needs --out DIR") }
    if args.has("resume") && args.has("init") { throw UsageError("\(name): give --resume or --init, not both") }
    var setup = PriorTrainingRun.Setup(folder: out)
    setup.clipFolder = args.string("clip") ?? setup.clipFolder
    setup.cacheFolder = args.string("cache")
    setup.trainPairs = try args.int("pairs", in: 1...10_000_000) ?? 20000
    setup.validationPairs = try args.int("valid-pairs", in: 1...1_000_000) ?? 500
    setup.dataSeed = UInt64(try args.int("data-seed", in: 0...Int.max) ?? 0)
    setup.resume = args.has("resume")
    setup.initialModel = args.string("init")
    setup.layers = try args.int("layers", in: 1...64) ?? 4
    setup.heads = try args.int("heads", in: 1...64) ?? 4
    setup.checkpointEvery = try args.int("checkpoint-every", in: 1...Int.max) ?? 100
    setup.logEvery = try args.int("log-every", in: 1...Int.max) ?? 10
    let seed = try stage.seedOption() ?? 0
    let steps = try args.int("steps", in: 1...10_000_000) ?? 2000
    let batch = try args.int("batch", in: 1...65536) ?? 64
    let lr = Float(try args.double("lr", in: 1e-8...1) ?? 3e-4)
    let minLR = Float(try args.double("min-lr", in: 0...1) ?? 3e-5)
    let warmup = try args.int("warmup", in: 0...Int.max) ?? 100
    let decay = Float(try args.double("weight-decay", in: 0...10) ?? 0.01)
    let clip = Float(try args.double("clip-grad", in: 0...1e6) ?? 1)
    let ema = try args.double("ema", in: 0...1).map(Float.init)
    if let ema, !(ema > 0 && ema < 1) { throw UsageError("--ema: decay must be in (0, 1), got \(ema)") }
    let dropout = try args.double("dropout", in: 0...0.99) ?? 0.1
    let width = try args.int("width", in: 8...8192) ?? 256
    let components = try args.int("components", in: 1...4096) ?? 319
    let codeBuckets = try args.int("code-buckets", in: 2...65536) ?? 1024
    let smoothing = try args.double("smoothing", in: 0...65536) ?? 0
    if name == "prior-ar" && width % setup.heads != 0 {
        throw UsageError("prior-ar: --heads \(setup.heads) does not divide --width \(width)")
    }
    guard FileManager.default.fileExists(atPath: setup.clipFolder + "/config.json") else {
        throw StageError("no CLIP at \(setup.clipFolder) (give --clip DIR)")
    }
    signal(SIGINT) { _ in stopRequested = 1 }
    signal(SIGTERM) { _ in stopRequested = 1 }
    if name == "prior" {
        setup.headDim = try args.int("head-dim", in: 1...1024) ?? 64
        setup.validateEvery = try args.int("eval-every", in: 0...Int.max) ?? 200
        var options = PriorTrainingOptions()
        options.steps = steps
        options.batchSize = batch
        options.learningRate = lr
        options.minimumLearningRate = minLR
        options.warmupSteps = warmup
        options.weightDecay = decay
        options.gradientClip = clip
        options.emaDecay = ema
        options.conditioningDropout = Float(dropout)
        options.seed = seed
        let trainer = try PriorTrainingRun.runDiffusion(setup, options: options, shouldStop: shouldStop, log: log)
        if shouldStop() { stage.note("stopped at step \(trainer.step); checkpoint saved, --resume continues") }
    } else {
        var configuration = ARPriorConfiguration()
        configuration.width = width
        configuration.layers = setup.layers
        configuration.heads = setup.heads
        configuration.maxComponents = components
        configuration.codeBuckets = codeBuckets
        configuration.conditioningDropout = dropout
        var options = ARPriorTrainingOptions()
        options.steps = steps
        options.batchSize = batch
        options.learningRate = lr
        options.minimumLearningRate = minLR
        options.warmupSteps = warmup
        options.weightDecay = decay
        options.gradientClip = clip
        options.emaDecay = ema
        options.targetSmoothing = smoothing
        options.seed = seed
        try PriorTrainingRun.runAutoregressive(
            setup, configuration: configuration, options: options, shouldStop: shouldStop, log: log)
        if shouldStop() { stage.note("stopped; checkpoint saved, --resume continues") }
    }
    return true
}

/// `unclip-train prior-eval`: the table on stdout.
func runPriorEvaluation(_ stage: StageContext, log: @escaping (String) -> Void) throws {
    let args = stage.command
    var diffusion = args.string("prior"), autoregressive = args.string("prior-ar")
    if let model = args.string("model") ?? stage.arguments.string("model") {
        if args.has("ar") {
            guard autoregressive == nil else { throw UsageError("prior-eval: --model with --ar and --prior-ar") }
            autoregressive = model
        } else {
            guard diffusion == nil else { throw UsageError("prior-eval: --model and --prior name the same prior") }
            diffusion = model
        }
    }
    guard diffusion != nil || autoregressive != nil else {
        throw UsageError("prior-eval needs --prior DIR and/or --prior-ar DIR (or --model DIR [--ar])")
    }
    let clipFolder = args.string("clip") ?? "pipelines/models/clip"
    let pairs = try args.int("pairs", in: 1...1_000_000) ?? 1000
    let heldOut = try args.int("heldout-pairs", in: 0...1_000_000) ?? 1000
    let dataSeed = UInt64(try args.int("data-seed", in: 0...Int.max) ?? 1)
    let seed = try stage.seedOption() ?? 0
    var settings = PriorEvaluation.SamplerSettings()
    settings.steps = try args.int("steps", in: 2...1000) ?? 25
    settings.guidance = Float(try args.double("guidance", in: 0...1000) ?? 4)
    settings.candidates = try args.int("candidates", in: 1...256) ?? 2
    settings.arGuidance = Float(try args.double("ar-guidance", in: 0...1000) ?? 2)
    settings.temperature = Float(try args.double("temperature", in: 1e-4...100) ?? 0.5)
    settings.topP = Float(try args.double("top-p", in: 1e-6...1) ?? 1)
    settings.seed = seed
    var sets = [try PriorDataSet(split: .test, count: pairs, seed: dataSeed)]
    if heldOut > 0 { sets.append(try PriorDataSet(split: .heldout, count: heldOut, seed: dataSeed)) }
    let evaluation = try PriorEvaluation.run(
        clipFolder: clipFolder, diffusion: diffusion, autoregressive: autoregressive, sets: sets,
        cacheFolder: args.string("cache"), settings: settings, log: log)
    writeText(evaluation.markdown)
}
