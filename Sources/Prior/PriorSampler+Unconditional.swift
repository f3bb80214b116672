import Foundation
import NN

extension PriorSampler {
    /// Reads a model folder's `unconditional.safetensors` (`text.embed` [1, Dp], and `text.hidden` [1, T, D] with
    /// `text.mask` [1, T] when the prior reads text tokens): the CLIP encoding of the empty prompt that
    /// classifier-free guidance contrasts with. Returns nil when the folder has no such file.
    public static func unconditional(inModelDirectory directory: String) throws -> PriorConditioning? {
        let path = directory + "/" + unconditionalFileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let file: WeightFile
        do {
            file = try WeightFile(contentsOf: path)
        } catch {
            throw PriorError.badModelFile(path: path, reason: "\(error)")
        }
        let tensors = Dictionary(file.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        guard let embed = tensors["text.embed"] else {
            throw PriorError.badModelFile(path: path, reason: "no tensor 'text.embed'")
        }
        let conditioning = try PriorConditioning(
            textEmbedding: embed, hiddenStates: tensors["text.hidden"], mask: tensors["text.mask"])
        guard conditioning.batchSize == 1 else {
            throw PriorError.badInput(name: "text.embed", shape: embed.shape, expected: "[1, Dp] in \(path)")
        }
        return conditioning
    }
}
