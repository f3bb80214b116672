import Foundation
import NN
import TensorStream

/// The towers of one CLIP model folder, each loaded the first time a stage needs it: the zero-shot stages
/// encode text or images only when a frame lacks `text.embed` or `image.embed`.
public final class CLIPTowerCache {
    /// The model folder (config.json, model.safetensors, tokenizer files).
    public let folder: String
    private var text: CLIPTextEmbedder?
    private var image: CLIPImageFrames?

    public init(folder: String) {
        self.folder = folder
    }

    /// The tokenizer and text tower (context length from config.json).
    public func textEmbedder() throws -> CLIPTextEmbedder {
        if let text { return text }
        let model = try CLIPModel(folder: folder, towers: .text)
        try model.prepareTreeForInference()
        guard let encoder = model.text else { throw CLIPError.badModel(path: folder, reason: "no text encoder") }
        let tokenizer = try CLIPTokenizer(folder: folder, contextLength: encoder.configuration.maxPositions)
        let embedder = CLIPTextEmbedder(encoder: encoder, tokenizer: tokenizer)
        text = embedder
        return embedder
    }

    /// The image tower with CLIP's preprocessing.
    public func imageFrames() throws -> CLIPImageFrames {
        if let image { return image }
        let model = try CLIPModel(folder: folder, towers: .vision)
        try model.prepareTreeForInference()
        guard let encoder = model.image else { throw CLIPError.badModel(path: folder, reason: "no image encoder") }
        let frames = CLIPImageFrames(encoder: encoder)
        image = frames
        return frames
    }

    /// Adds `image.embed` to a frame from its `image` tensor.
    public func addImageEmbeddings(to frame: inout Frame) throws {
        try imageFrames().addEmbeddings(to: &frame)
    }

    /// Text embeddings `[N, D]` of `texts`.
    public func embed(_ texts: [String]) throws -> FeatureRows {
        try textEmbedder().embed(texts)
    }

    /// exp(`logit_scale`) from the folder's weights (the trained multiplier of cosine similarities).
    public func logitScale() throws -> Double {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors").path
        let file = try WeightFile(contentsOf: path)
        guard let value = try? file.tensor("logit_scale"), value.count == 1 else {
            throw CLIPError.badModel(path: path, reason: "no scalar 'logit_scale' tensor")
        }
        let scale = Foundation.exp(Double(value[flat: 0]))
        guard scale.isFinite, scale > 0 else {
            throw CLIPError.badModel(path: path, reason: "logit_scale gives the scale \(scale)")
        }
        return scale
    }
}
