import Foundation
import NN

extension UNetModel {
    /// The weight file name of a diffusers model folder.
    public static let weightsFileName = "diffusion_pytorch_model.safetensors"

    /// Loads a diffusers model folder (`config.json` + `diffusion_pytorch_model.safetensors`), strictly: a
    /// missing, unused or mis-shaped key is a `LoadingError` naming it. `keyMap` renames another layout's keys
    /// first (see `KarloKeyMap`).
    public static func load(directory: String, keyMap: KeyMap = KeyMap()) throws -> UNetModel {
        let folder = URL(fileURLWithPath: directory)
        let config = try UNetConfig(contentsOf: folder.appendingPathComponent("config.json").path)
        let model = try UNetModel(config: config)
        try model.load(contentsOf: folder.appendingPathComponent(weightsFileName).path, keyMap: keyMap)
        return model
    }
}
