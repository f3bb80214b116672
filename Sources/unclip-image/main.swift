// unclip-image: adds the CLIP image embedding of every image in the stream.
import CLIP
import Foundation
import StageKit
import TensorStream

let spec = CommandSpec(
    name: "unclip-image", summary: "encode images with the CLIP image encoder",
    usage: ["--model DIR [STREAM]"],
    options: [
        OptionSpec(
            "tensor", short: "t", value: "NAME", default: "image", help: "the image tensor, [B, 3, H, W] in [-1, 1]")
    ], common: .model,
    details: """
        Reads frames with `image` F32 [B, 3, H, W] in [-1, 1] (as unclip-png writes them), applies CLIP's
        preprocessing (bicubic antialiased resize of the short side, centre crop, CLIP mean/std) and adds
        image.embed F32 [B, D]. Every other tensor and metadata key passes through. DIR holds config.json and
        model.safetensors (Hugging Face or OpenAI/open_clip keys).
        """)

Stage.run(spec) { stage in
    let args = stage.command
    try args.expectOperands(0...1)
    guard let folder = args.string("model") ?? stage.arguments.string("model") else {
        throw UsageError("give the model folder with --model DIR")
    }
    let name = args.string("tensor") ?? "image"
    let model = try CLIPModel(folder: folder, towers: .vision)
    try model.prepareTreeForInference(keepingWeights: false)
    guard let encoder = model.image else { throw StageError("\(folder): no image encoder") }
    let frames = CLIPImageFrames(encoder: encoder)
    let stamp = try ModelStamp(
        name: URL(fileURLWithPath: folder).lastPathComponent, weightsAt: folder + "/model.safetensors")
    try stage.filterFrames(input: args.operands.first, model: stamp) { frame, index in
        do {
            try frames.addEmbeddings(to: &frame, tensor: name)
        } catch {
            throw StageError("frame \(index): \(error)")
        }
    }
}
