// unclip-probe: fit a linear probe (logistic regression on CLIP image embeddings) to labelled images.
import CLIP
import Foundation
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-probe", summary: "fit a linear probe on CLIP image embeddings of labelled images",
    usage: ["-o PROBE.safetensors [--l2 L] [--model DIR] [STREAM]"],
    options: [
        OptionSpec("output", short: "o", value: "FILE", help: "the probe file to write (safetensors)"),
        OptionSpec("l2", value: "L", default: "0.0001", help: "L2 penalty on the weights (on the mean loss)"),
        OptionSpec("iterations", value: "N", default: "1000", help: "L-BFGS iteration limit"),
    ], common: .model,
    details: """
        Reads frames with `image.embed` [B, D] (or `image`, encoded with --model) and a class name per item: the
        `labels` tensor I32 [B] indexing the `labels` metadata list, or else the folder of the item's file in
        the `files` metadata (CLASS/IMAGE.png, as `unclip-png train/*/*.png` records it). Fits multinomial
        logistic regression on the L2-normalised embeddings by L-BFGS in Double (deterministic) and writes
        `probe.weight` F32 [K, D], `probe.bias` F32 [K] and metadata `labels` (the K class names, sorted).
        Predict with `unclip-classify --probe FILE`.
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    guard let output = args.string("output") else { throw UsageError("give the probe file with -o FILE") }
    let l2 = try args.double("l2", in: 0...1e6) ?? 1e-4
    let iterations = try args.int("iterations", in: 1...1_000_000) ?? 1000
    let folder = args.string("model") ?? stage.arguments.string("model")
    let towers = folder.map(CLIPTowerCache.init)
    let stamp = try folder.map {
        try ModelStamp(name: URL(fileURLWithPath: $0).lastPathComponent, weightsAt: $0 + "/model.safetensors")
    }
    var examples = ProbeExamples()
    var reader = try stage.openInput(args.operands.first)
    var index = 0
    while var frame = try reader.next() {
        do {
            let embeddings = try ZeroShotFrames.imageEmbeddings(in: &frame, encode: towers?.addImageEmbeddings)
            try examples.add(frame, embeddings: embeddings)
        } catch let error as CLIPError {
            throw StageError("frame \(index): \(error)")
        }
        index += 1
    }
    let classes = examples.classNames
    guard classes.count >= 2 else {
        throw StageError("\(examples.count) labelled images in \(classes.count) class(es); a probe needs at least 2")
    }
    let trainer = LogisticRegression(l2: l2, maxIterations: iterations)
    let (probe, fit) = try LinearProbe.fit(examples, trainer: trainer)
    let accuracy = try probe.classify(examples.features()).labels.enumerated()
        .filter { examples.labelIndices[$0.offset] == $0.element }.count
    stage.note(
        "\(examples.count) images, \(classes.count) classes: loss \(fit.loss) after \(fit.iterations) L-BFGS "
            + "iterations\(fit.converged ? "" : " (not converged)"), training accuracy \(accuracy)/\(examples.count)")
    var file = try probe.frame()
    stage.stamp(&file, model: stamp)
    try file.write(to: output)
}
