import Foundation
import NN

extension PriorTransformer {
    /// The key layout of a prior checkpoint.
    public enum CheckpointLayout: String, Sendable, CaseIterable {
        /// diffusers' `PriorTransformer` keys, loaded as they are.
        case diffusers
        /// Karlo's original keys (`model.` prefix, fused per-head `c_qkv`), mapped by `karloKeyMap`.
        case karlo
    }

    /// Weight file names looked for in a model folder, in order (else the folder's only other `.safetensors`).
    public static let weightFileNames = [
        "diffusion_pytorch_model.safetensors", "model.safetensors", "prior.safetensors",
    ]

    /// Loads a model folder: `config.json` (diffusers' keys) and one weight file. The layout is Karlo's when any
    /// key starts with `model.`, else diffusers'; loading is strict either way: a missing, unused or mis-shaped key
    /// is an error naming it.
    public convenience init(directory: String, layout: CheckpointLayout? = nil) throws {
        let configuration = try PriorConfiguration(contentsOf: directory + "/config.json")
        try self.init(configuration)
        let path = try Self.weightFile(in: directory)
        let file: WeightFile
        do {
            file = try WeightFile(contentsOf: path)
        } catch {
            throw PriorError.badModelFile(path: path, reason: "\(error)")
        }
        try load(file.tensors, layout: layout, file: path)
    }

    /// Loads named tensors in `layout` (detected from the keys when nil), strictly.
    public func load(_ tensors: [(name: String, tensor: Tensor)], layout: CheckpointLayout? = nil, file: String? = nil)
        throws
    {
        let resolved = layout ?? (tensors.contains { $0.name.hasPrefix("model.") } ? .karlo : .diffusers)
        let map = resolved == .karlo ? Self.karloKeyMap(headDim: configuration.headDim) : KeyMap()
        try load(map.apply(tensors), strict: true, file: file)
    }

    /// The weight file of a model folder.
    static func weightFile(in directory: String) throws -> String {
        let manager = FileManager.default
        for name in weightFileNames where manager.fileExists(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        let others = ((try? manager.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".safetensors") && $0 != PriorSampler.unconditionalFileName }
        guard others.count == 1, let only = others.first else {
            throw PriorError.badModelFile(
                path: directory,
                reason: others.isEmpty
                    ? "no weight file (\(weightFileNames.joined(separator: ", ")))"
                    : "several weight files (\(others.sorted().joined(separator: ", "))); name one \(weightFileNames[0])"
            )
        }
        return directory + "/" + only
    }
}
