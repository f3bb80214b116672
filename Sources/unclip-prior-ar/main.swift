// unclip-prior-ar: CLIP text embeddings to CLIP image embeddings with the autoregressive prior.
import Prior
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-prior-ar", summary: "add `image.embed` to frames carrying `text.embed` (autoregressive prior)",
    usage: ["--model DIR [--guidance S] [--temperature T] [--top-p P] [--samples-per-prompt K] [--seed N] [STREAM]"],
    options: [
        OptionSpec("guidance", value: "S", default: "2", help: "classifier-free guidance scale on the text (1 = none)"),
        OptionSpec("temperature", value: "T", default: "0.5", help: "softmax temperature of the code tokens"),
        OptionSpec("top-p", value: "P", default: "1", help: "nucleus sampling mass in (0, 1] (1 = no cut)"),
        OptionSpec(
            "samples-per-prompt", value: "K", default: "1",
            help: "repeat every item (all its tensors and its prompt) K times, each with its own sample"),
    ], common: .stage,
    details: """
        Reads `text.embed` [B, D], `text.tokens` [B, T] and `text.mask` [B, T] (when present); adds
        `image.embed` [B, D] and records `seed` (from --seed, else the frame's `seed`, else 0). The same input
        and output tensors as `unclip-prior`, which it can replace in any pipe; it draws no noise, so it writes no
        `prior.noise` (and drops one left by `unclip-prior`, which belongs to the embedding it replaces).
        The model folder holds config.json, model.safetensors and codebook.safetensors (the PCA of CLIP image
        embeddings, its quantiser and the training quantiles of the text-image cosine), as `unclip-train prior-ar`
        writes them. The defaults (guidance 2, temperature 0.5) sharpen the draw toward the caption; they were
        chosen on the embedded model's held-out pairs (see its MODEL_CARD.md). --guidance 1 --temperature 1
        samples the model's own distribution.
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    guard let directory = args.string("model") ?? stage.arguments.string("model") else {
        throw UsageError("give the AR prior's model folder with --model DIR")
    }
    let guidance = try args.double("guidance", in: 0...1000) ?? 2
    let temperature = try args.double("temperature", in: 1e-4...100) ?? 0.5
    let topP = try args.double("top-p", in: 1e-6...1) ?? 1
    let samplesPerPrompt = try args.int("samples-per-prompt", in: 1...1024) ?? 1
    let seedOption = try stage.seedOption()

    var sampler = ARPriorSampler(prior: try ARPrior(directory: directory))
    sampler.guidanceScale = Float(guidance)
    sampler.temperature = Float(temperature)
    sampler.topP = Float(topP)
    try sampler.prior.transformer.prepareTreeForInference()

    var reader = try stage.openInput(args.operands.first)
    let writer = try stage.openOutput()
    while var frame = try reader.next() {
        let index = reader.framesRead - 1
        let seed = try seedOption ?? ARPriorFrames.seed(in: frame, frameIndex: index)
        var conditioning = try ARPriorFrames.conditioning(in: frame, frameIndex: index)
        frame["prior.noise"] = nil
        if samplesPerPrompt > 1 {
            frame = try frame.repeatingItems(
                batch: conditioning.batchSize, count: samplesPerPrompt, frameIndex: index)
            conditioning = try ARPriorFrames.conditioning(in: frame, frameIndex: index)
        }
        let progress = stage.progress("frame \(index) code", total: sampler.prior.configuration.components)
        let result: ARPriorSampler.Sample
        do {
            result = try sampler.sample(
                tokens: conditioning.tokens, mask: conditioning.mask, textEmbedding: conditioning.textEmbedding,
                seed: seed
            ) { progress.update($0) }
        } catch {
            throw StageError("frame \(index): \(error)")
        }
        frame["image.embed"] = try result.imageEmbeddings.blob()
        stage.stamp(&frame, seed: seed)
        try writer.write(frame)
    }
}
