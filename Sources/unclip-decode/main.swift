// unclip-decode: CLIP image embeddings (and captions) to small images with the unCLIP decoder.
import Foundation
import StageKit
import TensorStream
import UNet

let spec = CommandSpec(
    name: "unclip-decode", summary: "add `image` to frames carrying `image.embed` (unCLIP decoder)",
    usage: [
        "--model DIR [--steps N] [--guidance S] [--image-guidance S] [--eta E] [--no-clip] [--seed N] [--batch N]"
            + " [STREAM]"
    ],
    options: [
        OptionSpec("steps", value: "N", default: "25", help: "denoising steps (Karlo's respacing of 1000)"),
        OptionSpec("guidance", value: "S", default: "8", help: "classifier-free guidance scale (1 = none)"),
        OptionSpec(
            "image-guidance", value: "S",
            help: "a separate scale for the image embedding; --guidance then scales the caption alone (3 UNet rows)"),
        OptionSpec(
            "eta", value: "E",
            help: "sample with DDIM at stochasticity E (0 = deterministic) over 960 … 0 (25 steps), not Karlo's sampler"
        ),
        OptionSpec("batch", value: "N", help: "decode at most N items at a time (memory); chunk k uses seed + k"),
        OptionSpec("no-clip", help: "do not clamp the predicted x0 to [-1, 1] at each step (exact replay of a latent)"),
    ], common: .stage,
    details: """
        Reads `image.embed` [B, D] and the caption's `text.embed` [B, D], `text.hidden` [B, L, W] and optional
        `text.mask` [B, L] (without `text.embed` the empty caption is used, as for variations); adds `image`
        [B, 3, H, W] in [-1, 1] (H = W = the decoder's sample_size) and `noise`, the starting noise, and records
        `seed` (from --seed, else the frame's `seed`, else 0). A frame that carries `latent` (an inverted x_T) or
        else `noise` of shape [B, 3, H, W] starts from it: feeding the output back replays the run. An inverted
        latent returns to its image under `--eta 0 --no-clip` with unclip-invert's --steps and --guidance.
        The model folder holds decoder/ and text_proj/ (diffusers' unCLIP layout) and unconditional.safetensors,
        the text encoder's output for the empty prompt (the prior's convention; needed when S is not 1).
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    guard let directory = args.string("model") ?? stage.arguments.string("model") else {
        throw UsageError("give the decoder's model folder with --model DIR")
    }
    let options = DecodingOptions(
        steps: try args.int("steps", in: 2...1000) ?? 25,
        guidance: Float(try args.double("guidance", in: 0...1000) ?? 8),
        imageGuidance: try args.double("image-guidance", in: 0...1000).map(Float.init),
        eta: try args.double("eta", in: 0...10), batchLimit: try args.int("batch", in: 1...4096),
        clipsPrediction: !args.has("no-clip"))
    let seedOption = try stage.seedOption()

    let (decoder, unconditional) = try Decoder.loadWithUnconditional(directory: directory)
    try decoder.prepareForInference()
    let stamp = try ModelStamp(
        name: URL(fileURLWithPath: directory).lastPathComponent,
        weightsAt: Decoder.weightFiles(directory: directory)[0])
    let size = decoder.unet.config.sampleSize ?? 64
    var reader = try stage.openInput(args.operands.first)
    let writer = try stage.openOutput()
    while var frame = try reader.next() {
        let index = reader.framesRead - 1
        do {
            let seed = try seedOption ?? DecoderFrame.seed(in: frame)
            let embedding = try DecoderFrame.required(
                "image.embed", in: frame, madeBy: "run unclip-prior or unclip-image first")
            let shape = [embedding.shape.first ?? 0, decoder.imageChannels, size, size]
            let progress = stage.progress("frame \(index) step", total: options.steps)
            let out = try decoder.decode(
                imageEmbedding: embedding, caption: DecoderFrame.caption(in: frame), unconditional: unconditional,
                options: options, seed: seed, start: DecoderFrame.replay(["latent", "noise"], shape: shape, in: frame)
            ) { i, _ in progress.update(i + 1) }
            frame["image"] = try out.image.blob()
            frame["noise"] = try out.noise.blob()
            stage.stamp(&frame, model: stamp, seed: seed)
        } catch {
            throw StageError("frame \(index): \(error)")
        }
        try writer.write(frame)
    }
}
