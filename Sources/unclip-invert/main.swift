// unclip-invert: images to their DDIM-inverted x_T under the unCLIP decoder (the bipartite latent's x_T).
import Foundation
import StageKit
import TensorStream
import UNet

let spec = CommandSpec(
    name: "unclip-invert", summary: "add `latent` (DDIM-inverted x_T) to frames carrying `image` and `image.embed`",
    usage: ["--model DIR [--steps N] [--guidance S] [--batch N] [STREAM]"],
    options: [
        OptionSpec("steps", value: "N", default: "25", help: "inversion steps (decode with the same --steps)"),
        OptionSpec("guidance", value: "S", default: "1", help: "classifier-free guidance scale (1 = exact inversion)"),
        OptionSpec("batch", value: "N", help: "invert at most N items at a time (memory)"),
    ], common: .stage,
    details: """
        Reads `image` [B, 3, H, W] in [-1, 1] (H = W = the decoder's sample_size, e.g. from unclip-png --size),
        `image.embed` [B, D] (from unclip-image) and the optional caption `text.embed`, `text.hidden`, `text.mask`
        (without them the empty caption is used, as for variations); adds `latent` [B, 3, H, W], the x_T from which
        `unclip-decode --eta 0 --no-clip` with the same --steps and --guidance returns to the image up
        to discretisation (the inverse jump reads ε one level below where the sampler will), which a trained
        decoder keeps small. With --eta E > 0 the decoder gives variations that grow with E. The model folder is unclip-decode's (decoder/, text_proj/,
        unconditional.safetensors).
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    guard let directory = args.string("model") ?? stage.arguments.string("model") else {
        throw UsageError("give the decoder's model folder with --model DIR")
    }
    let options = DecodingOptions(
        steps: try args.int("steps", in: 2...1000) ?? 25,
        guidance: Float(try args.double("guidance", in: 0...1000) ?? 1), batchLimit: try args.int("batch", in: 1...4096)
    )

    let (decoder, unconditional) = try Decoder.loadWithUnconditional(directory: directory)
    try decoder.prepareForInference()
    let stamp = try ModelStamp(
        name: URL(fileURLWithPath: directory).lastPathComponent,
        weightsAt: Decoder.weightFiles(directory: directory)[0])
    var reader = try stage.openInput(args.operands.first)
    let writer = try stage.openOutput()
    while var frame = try reader.next() {
        let index = reader.framesRead - 1
        do {
            let embedding = try DecoderFrame.required(
                "image.embed", in: frame, madeBy: "run unclip-image first")
            let image = try DecoderFrame.required("image", in: frame, madeBy: "run unclip-png --size N first")
            let progress = stage.progress("frame \(index) step", total: options.steps)
            let latent = try decoder.invert(
                image: image, imageEmbedding: embedding, caption: DecoderFrame.caption(in: frame),
                unconditional: unconditional, options: options
            ) { i, _ in progress.update(i + 1) }
            frame["latent"] = try latent.blob()
            stage.stamp(&frame, model: stamp, seed: nil)
        } catch {
            throw StageError("frame \(index): \(error)")
        }
        try writer.write(frame)
    }
}
