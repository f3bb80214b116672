// unclip-inpaint: regenerate the masked region of images with the unCLIP decoder.
import Foundation
import StageKit
import TensorStream
import UNet

let spec = CommandSpec(
    name: "unclip-inpaint", summary: "regenerate the masked region of `image` (unCLIP decoder, GLIDE or RePaint)",
    usage: [
        "--model DIR [--rect X,Y,W,H | --mask FILE] [--steps N] [--guidance S] [--eta E] [--resample R] [--seed N] [STREAM]"
    ],
    options: [
        OptionSpec("rect", value: "X,Y,W,H", help: "regenerate this rectangle (pixels) instead of the frame's `mask`"),
        OptionSpec("mask", value: "FILE", help: "regenerate the white pixels of this PNG/JPEG instead of `mask`"),
        OptionSpec("steps", value: "N", default: "25", help: "denoising steps (Karlo's respacing of 1000)"),
        OptionSpec("guidance", value: "S", default: "8", help: "classifier-free guidance scale (1 = none)"),
        OptionSpec(
            "eta", value: "E",
            help: "sample with DDIM at stochasticity E (0 = deterministic) over 960 … 0 (25 steps), not Karlo's sampler"
        ),
        OptionSpec("resample", value: "R", default: "1", help: "RePaint resampling: run each step R times"),
        OptionSpec("batch", value: "N", help: "inpaint at most N items at a time (memory); chunk k uses seed + k"),
    ], common: .stage,
    details: """
        Reads `image` [B, 3, H, W] in [-1, 1], `mask` [B, 1, H, W] (1 = regenerate, 0 = keep; or --rect, or
        --mask FILE: white = regenerate, resized and centre-cropped to the image like unclip-png --size),
        `image.embed` [B, D] and the caption's `text.embed`, `text.hidden`, `text.mask` (optional: without them
        the empty caption is used). Replaces `image`, adds `inpaint.noise` (the starting noise; a frame carrying
        it with shape [B, 3, H, W] is replayed) and records `seed`. The kept region of the result is the input's.
        The model folder is a decoder folder as for unclip-decode. A decoder whose config has in_channels = 7
        (3 + 3 + 1) is a GLIDE-style inpainting model and sees the masked image and the mask; any other decoder
        is run RePaint-style: at every step the kept region is replaced by the input noised to that step's level.
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    guard let directory = args.string("model") ?? stage.arguments.string("model") else {
        throw UsageError("give the decoder's model folder with --model DIR")
    }
    let rect = try args.string("rect").map { text in
        guard let rect = InpaintingMask(parsing: text) else {
            throw UsageError("option --rect: '\(text)' is not X,Y,W,H (non-negative integers, W and H positive)")
        }
        return rect
    }
    let maskFile = args.string("mask")
    if rect != nil && maskFile != nil { throw UsageError("give --rect or --mask, not both") }
    let options = DecodingOptions(
        steps: try args.int("steps", in: 2...1000) ?? 25,
        guidance: Float(try args.double("guidance", in: 0...1000) ?? 8),
        eta: try args.double("eta", in: 0...10), batchLimit: try args.int("batch", in: 1...4096),
        resample: try args.int("resample", in: 1...100) ?? 1)
    let seedOption = try stage.seedOption()

    let (decoder, unconditional) = try Decoder.loadWithUnconditional(directory: directory)
    try decoder.prepareForInference()
    let inpainting = Inpainting(decoder: decoder)
    let stamp = try ModelStamp(
        name: URL(fileURLWithPath: directory).lastPathComponent,
        weightsAt: Decoder.weightFiles(directory: directory)[0])
    var reader = try stage.openInput(args.operands.first)
    let writer = try stage.openOutput()
    while var frame = try reader.next() {
        let index = reader.framesRead - 1
        do {
            let seed = try seedOption ?? DecoderFrame.seed(in: frame)
            let image = try DecoderFrame.required("image", in: frame, madeBy: "run unclip-png or unclip-decode first")
            let embedding = try DecoderFrame.required(
                "image.embed", in: frame, madeBy: "run unclip-image or unclip-prior first")
            guard image.rank == 4 else {
                throw StageError("tensor 'image' has shape \(image.shape), expected [B, 3, H, W]")
            }
            let (batch, height, width) = (image.shape[0], image.shape[2], image.shape[3])
            let mask =
                try rect.map { try $0.tensor(batch: batch, imageHeight: height, imageWidth: width) }
                ?? maskFile.map { try MaskFile.tensor(path: $0, batch: batch, height: height, width: width) }
                ?? DecoderFrame.required("mask", in: frame, madeBy: "give --rect or --mask FILE")
            let progress = stage.progress("frame \(index) step", total: options.steps)
            let out = try inpainting.inpaint(
                image: image, mask: mask, imageEmbedding: embedding, caption: DecoderFrame.caption(in: frame),
                unconditional: unconditional, options: options, seed: seed,
                start: DecoderFrame.replay(["inpaint.noise"], shape: image.shape, in: frame)
            ) { i, _ in progress.update(i + 1) }
            frame["image"] = try out.image.blob()
            frame["inpaint.noise"] = try out.noise.blob()
            stage.stamp(&frame, model: stamp, seed: seed)
        } catch {
            throw StageError("frame \(index): \(error)")
        }
        try writer.write(frame)
    }
}
