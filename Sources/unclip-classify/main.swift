// unclip-classify: zero-shot classification of images with CLIP and prompt-template ensembles, or prediction
// with a linear probe fitted by unclip-probe.
import CLIP
import Foundation
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-classify", summary: "classify images with CLIP: zero-shot, or with a linear probe",
    usage: [
        "--model DIR (--classes A,B,... | --classes-file FILE) [--templates cifar|imagenet|FILE] [STREAM]",
        "--probe FILE [--model DIR] [STREAM]",
    ],
    options: [
        OptionSpec("classes", short: "c", value: "A,B,...", help: "class names, comma-separated"),
        OptionSpec("classes-file", value: "FILE", help: "class names, one per line"),
        OptionSpec(
            "templates", value: "SET", default: "imagenet",
            help: "prompt templates: cifar (18), imagenet (80) or a FILE with one template per line holding {}"),
        OptionSpec(
            "scale", value: "S", default: "100",
            help: "logit scale: the multiplier of cosine similarities, or 'model' for exp(logit_scale)"),
        OptionSpec("probe", value: "FILE", help: "classify with a linear probe (from unclip-probe) instead"),
        OptionSpec(
            "format", value: "FORMAT", default: "frames",
            help: "frames, or text: a table on stdout, or tsv: lines FILE<TAB>CLASS<TAB>PROBABILITY"),
        OptionSpec("top", value: "N", default: "5", help: "with --format text or tsv: classes shown per image"),
    ], common: .model,
    details: """
        Reads frames with `image` [B, 3, H, W] (from unclip-png; needs --model) or `image.embed` [B, D].
        Zero-shot: each class embedding is the normalised mean of the normalised text embeddings of the class in
        every template (OpenAI CLIP's ensembles; --templates imagenet by default), logits are S x cosine(image,
        class), softmax gives the probabilities. With --probe, the probe's logistic-regression head gives them.
        Adds `scores` F32 [B, K] (probabilities), `labels` I32 [B] (the most probable class) and metadata
        `labels` (the K class names). With --format text, prints one line per image instead: its file (or
        prompt) and its top classes with probabilities in percent. With --format tsv, prints one line per image
        and top class: file (or prompt), class and probability (0 to 1, four decimals), separated by tabs.
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    let folder = args.string("model") ?? stage.arguments.string("model")
    let towers = folder.map(CLIPTowerCache.init)
    let stamp = try folder.map {
        try ModelStamp(name: URL(fileURLWithPath: $0).lastPathComponent, weightsAt: $0 + "/model.safetensors")
    }
    let format = try args.choice("format", from: ["frames", "text", "tsv"]) ?? "frames"
    let top = try args.int("top", in: 1...100_000) ?? 5
    let classify: (FeatureRows) throws -> Classification
    if let path = args.string("probe") {
        if args.has("classes") || args.has("classes-file") || args.has("templates") {
            throw UsageError("--probe brings its own classes; drop --classes, --classes-file and --templates")
        }
        let probe = try LinearProbe(frame: Frame(contentsOf: path, acceptingForeignFormats: true), source: path)
        classify = probe.classify
        stage.note("linear probe \(path): \(probe.classNames.count) classes")
    } else {
        guard let towers else { throw UsageError("give the CLIP model folder with --model DIR") }
        let classNames = try ClassifyOptions.classNames(args)
        let templates = try ClassifyOptions.templates(args)
        let scale = try ClassifyOptions.scale(args, towers: towers)
        let classifier = try ZeroShotClassifier(
            classNames: classNames, templates: templates, scale: scale, embed: towers.embed)
        classify = classifier.classify
        stage.note("\(classNames.count) classes x \(templates.templates.count) templates (\(templates.name))")
    }
    try ClassifyOptions.run(stage, input: args.operands.first, format: format, top: top, model: stamp) { frame in
        try classify(ZeroShotFrames.imageEmbeddings(in: &frame, encode: towers?.addImageEmbeddings))
    }
}
