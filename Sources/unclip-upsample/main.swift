// unclip-upsample: images to images four times larger with unCLIP's diffusion upsampler.
import Foundation
import StageKit
import TensorStream
import UNet

let spec = CommandSpec(
    name: "unclip-upsample", summary: "replace `image` [B, 3, h, w] by `image` [B, 3, 4h, 4w] (diffusion upsampler)",
    usage: ["--model DIR [--steps N] [--seed N] [--batch N] [STREAM]"],
    options: [
        OptionSpec("steps", value: "N", default: "7", help: "denoising steps (Karlo's respacing of 1000)"),
        OptionSpec("batch", value: "N", help: "upsample at most N items at a time (memory); chunk k uses seed + k"),
    ], common: .stage,
    details: """
        Reads `image` [B, 3, h, w] in [-1, 1]; the input is clamped and resized bicubically with antialias to
        4h × 4w and given to the UNet as its extra input channels. Replaces `image` by [B, 3, 4h, 4w] and adds
        `upsample.noise`, the starting noise, and records `seed` (from --seed, else the frame's `seed`, else 0).
        A frame that already carries `upsample.noise` of shape [B, 3, 4h, 4w] is upsampled from it (replay).
        The model folder holds super_res_first/ and optionally super_res_last/ (diffusers' unCLIP layout; Karlo
        runs the last step with the second), or a single UNet2DModel folder used for every step, or one such
        folder per input size named <h>-<4h> (64-256/ and 256-1024/: the embedded default), picked by the
        height of `image`.
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    guard let directory = args.string("model") ?? stage.arguments.string("model") else {
        throw UsageError("give the upsampler's model folder with --model DIR")
    }
    let steps = try args.int("steps", in: 2...1000) ?? 7
    let limit = try args.int("batch", in: 1...4096)
    let seedOption = try stage.seedOption()
    let factor = 4

    // A chain folder holds one upsampler per input size (64-256/, 256-1024/); each is loaded when first needed.
    var loaded: [String: (SuperResolution, ModelStamp)] = [:]
    func upsampler(inputSize: Int) throws -> (SuperResolution, ModelStamp) {
        let folder = try SuperResolution.modelDirectory(directory, inputSize: inputSize)
        if let hit = loaded[folder] { return hit }
        let name = URL(fileURLWithPath: directory).lastPathComponent
        let model = try SuperResolution.load(directory: folder)
        try model.prepareForInference()
        let stamp = try ModelStamp(
            name: folder == directory ? name : name + "/" + URL(fileURLWithPath: folder).lastPathComponent,
            weightsAt: SuperResolution.weightFiles(directory: folder)[0])
        loaded[folder] = (model, stamp)
        return (model, stamp)
    }
    // A single-model folder that is broken fails before any frame is read; a chain's parts fail at their frame.
    if (try? SuperResolution.modelDirectory(directory, inputSize: 0)) == directory { _ = try upsampler(inputSize: 0) }
    var reader = try stage.openInput(args.operands.first)
    let writer = try stage.openOutput()
    while var frame = try reader.next() {
        let index = reader.framesRead - 1
        do {
            let seed = try seedOption ?? DecoderFrame.seed(in: frame)
            let image = try DecoderFrame.required("image", in: frame, madeBy: "run unclip-decode or unclip-png first")
            var shape = image.shape
            let (upsampler, stamp) = try upsampler(inputSize: shape.count == 4 ? shape[2] : 0)
            if shape.count == 4 { (shape[2], shape[3]) = (factor * shape[2], factor * shape[3]) }
            let progress = stage.progress("frame \(index) step", total: steps)
            let start = try DecoderFrame.replay(["upsample.noise"], shape: shape, in: frame)
            let out = try ChunkedSampling.run(batch: shape.first ?? 0, limit: limit, seed: seed) { range, chunkSeed in
                try upsampler.upsample(
                    image: image.items(range), factor: factor, steps: steps, seed: chunkSeed,
                    noise: start?.items(range)
                ) { i, _ in progress.update(i + 1) }
            }
            frame["image"] = try out.image.blob()
            frame["upsample.noise"] = try out.noise.blob()
            stage.stamp(&frame, model: stamp, seed: seed)
        } catch {
            throw StageError("frame \(index): \(error)")
        }
        try writer.write(frame)
    }
}
