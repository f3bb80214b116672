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

    /// Loads the upsampler for images `inputSize` pixels high. A chain folder (no model of its own) holds one
    /// upsampler folder per input size, named `<input>-<output>` (`64-256/`, `256-1024/`: the embedded default's
    /// two upsamplers); any other folder is one upsampler for every size (see `load(directory:)`).
    public static func load(directory: String, inputSize: Int) throws -> SuperResolution {
        try load(directory: modelDirectory(directory, inputSize: inputSize))
    }

    /// The folder `load(directory:inputSize:)` reads: `directory` itself, or its `<input>-<4·input>` subfolder.
    public static func modelDirectory(_ directory: String, inputSize: Int) throws -> String {
        let files = FileManager.default
        let isModel = ["config.json", "super_res_first/config.json"].contains {
            files.fileExists(atPath: directory + "/" + $0)
        }
        if isModel { return directory }
        let name = "\(inputSize)-\(4 * inputSize)"
        if files.fileExists(atPath: directory + "/" + name + "/config.json") { return directory + "/" + name }
        let chain = ((try? files.contentsOfDirectory(atPath: directory)) ?? []).filter {
            files.fileExists(atPath: directory + "/" + $0 + "/config.json")
        }.sorted()
        let reason =
            chain.isEmpty
            ? "no super_res_first/config.json, no config.json and no <input>-<output>/ subfolder (not an upsampler folder)"
            : "no upsampler for \(inputSize)-pixel input (this chain holds \(chain.joined(separator: ", ")))"
        throw UNetError.checkpoint(path: directory, reason: reason)
    }

    /// The weight files an upsampler folder's provenance digest covers, in order.
    public static func weightFiles(directory: String) -> [String] {
        let split = ["super_res_first", "super_res_last"].map { directory + "/" + $0 + "/" + UNetModel.weightsFileName }
            .filter { FileManager.default.fileExists(atPath: $0) }
        return split.isEmpty ? [directory + "/" + UNetModel.weightsFileName] : split
    }
}
