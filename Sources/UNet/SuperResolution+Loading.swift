import Diffusion
import Foundation
import NN

extension SuperResolution {
    /// Loads an upsampler from a model folder: either diffusers' unCLIP layout with `super_res_first/` and
    /// optionally `super_res_last/` (Karlo's model for the last step), or a single `UNet2DModel` folder
    /// (`config.json` + `diffusion_pytorch_model.safetensors`) used for every step.
    ///
    /// The prediction type is ε unless a diffusers scheduler config says otherwise: `scheduler_config.json` beside a
    /// single model's `config.json`, or `super_res_scheduler/scheduler_config.json` in the unCLIP layout, with
    /// `"prediction_type"` `"epsilon"`, `"v_prediction"` or `"sample"`.
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
            let type = try predictionType(
                schedulerConfig: folder.appendingPathComponent("super_res_scheduler/scheduler_config.json").path)
            return try SuperResolution(first: first, last: last, predictionType: type)
        }
        guard files.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
            throw UNetError.checkpoint(
                path: directory, reason: "no super_res_first/config.json and no config.json (not an upsampler folder)")
        }
        let type = try predictionType(schedulerConfig: folder.appendingPathComponent("scheduler_config.json").path)
        return try SuperResolution(first: UNetModel.load(directory: directory), predictionType: type)
    }

    /// The `prediction_type` of a diffusers scheduler config at `path` (ε when the file or the key is absent).
    static func predictionType(schedulerConfig path: String) throws -> PredictionType {
        guard let data = FileManager.default.contents(atPath: path) else { return .epsilon }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw UNetError.checkpoint(path: path, reason: "not a JSON object")
        }
        switch json["prediction_type"] {
        case nil, "epsilon" as String: return .epsilon
        case "v_prediction" as String: return .velocity
        case "sample" as String: return .sample
        case let other?:
            throw UNetError.unsupportedConfig(key: "prediction_type", value: "\(other)")
        }
    }

    /// A diffusers scheduler config for an upsampler trained with `predictionType` (UnCLIPScheduler's fields).
    public static func schedulerConfigJSON(predictionType: PredictionType) -> Data {
        let name = predictionType == .velocity ? "v_prediction" : predictionType.rawValue
        return Data(
            """
            {
              "_class_name": "UnCLIPScheduler",
              "clip_sample": true,
              "clip_sample_range": 1.0,
              "num_train_timesteps": 1000,
              "prediction_type": "\(name)",
              "variance_type": "fixed_small_log"
            }

            """.utf8)
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
