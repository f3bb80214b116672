// unclip-prior: CLIP text embeddings to CLIP image embeddings with the diffusion prior.
import Prior
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-prior", summary: "add `image.embed` to frames carrying `text.embed` (diffusion prior)",
    usage: ["--model DIR [--steps N] [--guidance S] [--candidates N] [--samples-per-prompt K] [--seed N] [STREAM]"],
    options: [
        OptionSpec("steps", value: "N", default: "25", help: "denoising steps (Karlo's respacing of 1000)"),
        OptionSpec("guidance", value: "S", default: "4", help: "classifier-free guidance scale (1 = none)"),
        OptionSpec(
            "candidates", value: "N", default: "2",
            help: "image embeddings drawn per prompt; the one with the highest dot product with text.embed is kept"),
        OptionSpec(
            "samples-per-prompt", value: "K", default: "1",
            help: "repeat every item (all its tensors and its prompt) K times, each with its own sample"),
    ], common: .stage,
    details: """
        Reads `text.embed` [B, D] and, for priors that attend to text tokens, `text.hidden` [B, 77, D] and
        `text.mask` [B, 77]; adds `image.embed` [B, D] and `prior.noise` [B, D], the starting noise of each kept
        sample, and records `seed` (from --seed, else the frame's `seed`, else 0). A frame that already carries
        `prior.noise` of shape [B, D] is replayed from it: one sample per prompt, the same result for the same seed
        (and --samples-per-prompt is ignored: the frame already holds its samples).
        The model folder holds diffusers' config.json, the weights (diffusers or Karlo keys) and
        unconditional.safetensors, the text encoder's output for the empty prompt (needed when S is not 1).
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    guard let directory = args.string("model") ?? stage.arguments.string("model") else {
        throw UsageError("give the prior's model folder with --model DIR")
    }
    let steps = try args.int("steps", in: 2...1000) ?? 25
    let guidance = try args.double("guidance", in: 0...1000) ?? 4
    let candidates = try args.int("candidates", in: 1...256) ?? 2
    let samplesPerPrompt = try args.int("samples-per-prompt", in: 1...1024) ?? 1
    let seedOption = try stage.seedOption()

    let model = try PriorTransformer(directory: directory)
    try model.prepareTreeForInference(keepingWeights: false)
    var sampler = try PriorSampler(
        model: model, unconditional: PriorSampler.unconditional(inModelDirectory: directory))
    sampler.steps = steps
    sampler.guidanceScale = Float(guidance)
    sampler.candidates = candidates

    var reader = try stage.openInput(args.operands.first)
    let writer = try stage.openOutput()
    while var frame = try reader.next() {
        let index = reader.framesRead - 1
        let seed = try seedOption ?? PriorFrames.seed(in: frame, frameIndex: index)
        var conditioning = try PriorFrames.conditioning(in: frame, frameIndex: index)
        let noise = try PriorFrames.replayNoise(
            in: frame, batch: conditioning.batchSize, width: model.configuration.embeddingDim)
        if noise == nil && samplesPerPrompt > 1 {
            frame["prior.noise"] = nil  // the wrong shape for this run: replaced below
            frame = try PriorFrames.repeatingItems(
                frame, batch: conditioning.batchSize, count: samplesPerPrompt, frameIndex: index)
            conditioning = try PriorFrames.conditioning(in: frame, frameIndex: index)
        }
        let progress = stage.progress("frame \(index) step", total: steps)
        let result = try sampler.sample(conditioning, seed: seed, initialNoise: noise) { step in
            progress.update(step.index + 1)
        }
        frame["image.embed"] = try result.imageEmbeddings.blob()
        frame["prior.noise"] = try result.initialNoise.blob()
        stage.stamp(&frame, seed: seed)
        try writer.write(frame)
    }
}
