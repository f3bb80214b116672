// unclip-train: trains UnCLIP's embedded models on the Shapes world.
import Foundation
import StageKit
import Training

#if canImport(Glibc)
    import Glibc
#endif

/// Set by SIGINT/SIGTERM; the training loop checkpoints and stops at the next step boundary.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

let clipOptions: [OptionSpec] = [
    OptionSpec("out", short: "o", value: "DIR", help: "model folder to create or resume (required)"),
    OptionSpec("steps", value: "N", default: "2000", help: "total optimizer steps (the cosine schedule ends here)"),
    OptionSpec("batch", value: "B", default: "128", help: "pairs per batch"),
    OptionSpec("lr", value: "LR", default: "1e-3", help: "peak learning rate"),
    OptionSpec("warmup", value: "N", default: "100", help: "linear warm-up steps"),
    OptionSpec("weight-decay", value: "W", default: "0.05", help: "AdamW decoupled weight decay"),
    OptionSpec("clip-grad", value: "G", default: "1", help: "global gradient-norm clip (0: off)"),
    OptionSpec("ema", value: "D", help: "keep an EMA of the weights with decay D and export it"),
    OptionSpec("resume", help: "continue from DIR/checkpoint.safetensors"),
    OptionSpec(
        "init", value: "MODEL",
        help: "start from MODEL's config, vocabulary and weights (fresh optimizer); with --image-size S (a multiple "
            + "of MODEL's), its patches grow so it sees S-pixel images as it saw its own"),
    OptionSpec("width", value: "C", default: "128", help: "transformer width of both towers"),
    OptionSpec("layers", value: "L", default: "4", help: "layers per tower"),
    OptionSpec("heads", value: "H", default: "4", help: "attention heads"),
    OptionSpec("projection", value: "E", default: "128", help: "embedding width"),
    OptionSpec("image-size", value: "S", default: "64", help: "image side in pixels"),
    OptionSpec("patch", value: "P", default: "8", help: "ViT patch size"),
    OptionSpec("context", value: "T", default: "32", help: "text context length"),
    OptionSpec(
        "data", value: "PATH",
        help: "train on a folder with captions.tsv (unclip-shapes --out) or a stream of image frames with prompts"),
    OptionSpec("objects", value: "N|LO-HI", default: "1-3", help: "objects per rendered scene (curricula: 1 first)"),
    OptionSpec("backgrounds", value: "LIST", default: "plain,gradient,striped", help: "background styles to render"),
    OptionSpec("scenes", value: "N", help: "train on scene seeds 0..<N only (default: fresh scenes every batch)"),
    OptionSpec(
        "shape-group", value: "K", default: "1",
        help: "batches of K-scene groups that differ only in the first object's shape (hard negatives; 1-8)"),
    OptionSpec(
        "composition-groups",
        help:
            "two-object scenes come with their places swapped, colours swapped and first object twice (hard negatives)"),
    OptionSpec(
        "degrade", value: "P", default: "0",
        help: "corrupt a fraction P of the pictures (blur, resize, noise, JPEG) as a decoder's pictures might be"),
    OptionSpec(
        "stop-at", value: "N", help: "checkpoint and stop after step N, before the schedule's end (--resume goes on)"),
    OptionSpec("checkpoint-every", value: "N", default: "100", help: "steps between checkpoints"),
    OptionSpec("eval-every", value: "N", default: "200", help: "steps between evaluations (0: only at the end)"),
    OptionSpec("log-every", value: "N", default: "10", help: "steps between log lines"),
    OptionSpec("eval-pairs", value: "N", default: "1000", help: "held-out pairs for retrieval recall@1"),
    OptionSpec("eval-scenes", value: "N", default: "500", help: "held-out scenes per zero-shot split"),
]

let spec = CommandSpec(
    name: "unclip-train", summary: "train the embedded models on the Shapes world", usage: ["COMMAND [options]"],
    common: .minimal,
    subcommands: [
        CommandSpec(
            name: "clip", summary: "contrastive CLIP training (symmetric cross-entropy, learned temperature)",
            usage: ["--out DIR [--steps N] [--batch B] [--lr LR] [--seed S] [--resume]"], options: clipOptions,
            common: .stage,
            details: """
                Renders captioned Shapes scenes on the fly (or reads --data), trains a BPE vocabulary on training captions, then a
                small CLIP (HF layout). DIR receives config.json, merges.txt, vocab.json, model.safetensors (a model
                folder for unclip-text / unclip-image), checkpoint.safetensors (full state; --resume continues it
                exactly) and log.tsv. SIGINT/SIGTERM checkpoint and stop at the next step.
                """),
        CommandSpec(
            name: "clip-eval", summary: "held-out retrieval recall@1 and zero-shot colour/shape accuracy of a CLIP",
            usage: ["--model DIR [--eval-pairs N] [--eval-scenes N]"],
            options: [
                OptionSpec("eval-pairs", value: "N", default: "1000", help: "held-out test pairs for retrieval"),
                OptionSpec("eval-scenes", value: "N", default: "500", help: "single-object scenes per zero-shot split"),
            ], common: .model,
            details: """
                Prints one line: text→image and image→text recall@1 on test scenes (caption variant 0), zero-shot
                colour and shape accuracy on single-object test scenes (prompt ensembles, and plain prompts "a red
                shape" / "a circle"), and the same on held-out colour–shape pairs.
                """),
    ] + priorCommands + upsamplerCommands + decoderSubcommands)

Stage.run(spec) { stage in
    let args = stage.command
    if try runPriorCommand(stage, shouldStop: { stopRequested != 0 }) { return }
    let handled = try runUpsamplerCommand(stage, stopRequested: { stopRequested != 0 }) {
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
    }
    if handled { return }
    if ["decoder", "inpaint"].contains(args.command.name) {
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
    }
    if try runDecoderCommand(stage, stopRequested: { stopRequested != 0 }) { return }
    if args.command.name == "clip-eval" {
        try args.expectOperands(0...0)
        guard let folder = args.string("model") ?? stage.arguments.string("model") else {
            throw UsageError("clip-eval needs --model DIR")
        }
        let report = try CLIPTrainingRun.evaluate(
            folder: folder, pairs: args.int("eval-pairs", in: 1...100_000) ?? 1000,
            scenes: args.int("eval-scenes", in: 1...100_000) ?? 500)
        writeText(report.summary + "\n")
        return
    }
    guard args.command.name == "clip" else {
        throw UsageError(
            "give a command: clip, clip-eval, prior, prior-ar, prior-eval, decoder, inpaint, decoder-eval, inpaint-eval, upsampler or upsampler-eval"
        )
    }
    try args.expectOperands(0...0)
    guard let out = args.string("out") else { throw UsageError("clip needs --out DIR") }
    var setup = CLIPTrainingRun.Setup(folder: out)
    setup.resume = args.has("resume")
    setup.modelSeed = try stage.seedOption() ?? 0
    setup.width = try args.int("width", in: 8...4096) ?? 128
    setup.layers = try args.int("layers", in: 1...64) ?? 4
    setup.heads = try args.int("heads", in: 1...64) ?? 4
    setup.projection = try args.int("projection", in: 1...4096) ?? 128
    setup.imageSize = try args.int("image-size", in: 8...1024) ?? 64
    setup.patchSize = try args.int("patch", in: 1...1024) ?? 8
    setup.contextLength = try args.int("context", in: 4...77) ?? 32
    setup.sceneCount = try args.int("scenes", in: 1...Int.max)
    setup.shapeGroup = try args.int("shape-group", in: 1...ShapesBatchSource.largestShapeGroup) ?? 1
    setup.compositionGroups = args.has("composition-groups")
    setup.degradedFraction = try args.double("degrade", in: 0...1) ?? 0
    setup.dataPath = args.string("data")
    setup.initialModel = args.string("init")
    if setup.initialModel != nil, args.has("image-size") { setup.initialImageSize = setup.imageSize }
    setup.checkpointEvery = try args.int("checkpoint-every", in: 1...Int.max) ?? 100
    setup.evaluateEvery = try args.int("eval-every", in: 0...Int.max) ?? 200
    setup.logEvery = try args.int("log-every", in: 1...Int.max) ?? 10
    setup.evaluationPairs = try args.int("eval-pairs", in: 1...100_000) ?? 1000
    setup.evaluationScenes = try args.int("eval-scenes", in: 1...100_000) ?? 500
    let options: CLIPTrainingOptions
    do {
        setup.sampling = try ShapesBatchSource.samplingOptions(
            objects: args.string("objects") ?? "1-3",
            backgrounds: args.string("backgrounds") ?? "plain,gradient,striped")
        options = try CLIPTrainingOptions(
            steps: args.int("steps", in: 0...10_000_000) ?? 2000, batchSize: args.int("batch", in: 2...4096) ?? 128,
            learningRate: Float(args.double("lr", in: 1e-8...1) ?? 1e-3),
            warmupSteps: args.int("warmup", in: 0...Int.max) ?? 100,
            weightDecay: Float(args.double("weight-decay", in: 0...10) ?? 0.05),
            gradientClip: Float(args.double("clip-grad", in: 0...1e6) ?? 1),
            emaDecay: args.double("ema", in: 0...1).map(Float.init), seed: setup.modelSeed)
    } catch let e as TrainingError {
        throw UsageError(e.description)
    }
    signal(SIGINT) { _ in stopRequested = 1 }
    signal(SIGTERM) { _ in stopRequested = 1 }
    let stopAt = try args.int("stop-at", in: 1...Int.max) ?? Int.max
    let run = try CLIPTrainingRun(setup: setup, options: options)
    let quiet = stage.isQuiet
    try run.run(shouldStop: { stopRequested != 0 || run.trainer.step >= stopAt }) { line in
        if !quiet { stage.note(line) }
    }
    if stopRequested != 0 || run.trainer.step < options.steps {
        stage.note("stopped at step \(run.trainer.step); checkpoint saved, --resume continues")
    }
}
