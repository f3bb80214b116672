import Foundation
import NN

extension SuperResolution {
    /// Loads an upsampler from a model folder: either diffusers' unCLIP layout with `super_res_first/` and
    /// optionally `super_res_last/` (Karlo's model for the last step), or a single `UNet2DModel` folder
    /// (`config.json` + `diffusion_pytorch_model.safetensors`) used for every step.
    public static func load(directory: String) throws -> SuperResolution {
        let folder = URL(fileURLWithPath: directory)
        let files = FileManager.default
        func has(_ sub: String) -> Bool {
            files.fileExists(atPath: folder.appendingPathComponent(sub).appendingPathComponent("config.json").path)
        }
        if has("super_res_first") {
            let first = try UNetModel.load(directory: folder.appendingPathComponent("super_res_first").path)
            let last =
                has("super_res_last")
                ? try UNetModel.load(directory: folder.appendingPathComponent("super_res_last").path) : nil
            return try SuperResolution(first: first, last: last)
        }
        guard files.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
            throw UNetError.checkpoint(
                path: directory, reason: "no super_res_first/config.json and no config.json (not an upsampler folder)")
        }
        return try SuperResolution(first: UNetModel.load(directory: directory))
    }

    /// The weight files an upsampler folder's provenance digest covers, in order.
    public static func weightFiles(directory: String) -> [String] {
        let split = ["super_res_first", "super_res_last"].map { directory + "/" + $0 + "/" + UNetModel.weightsFileName }
            .filter { FileManager.default.fileExists(atPath: $0) }
        return split.isEmpty ? [directory + "/" + UNetModel.weightsFileName] : split
    }
}
