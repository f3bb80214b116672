import CLIP
import Foundation

extension CLIPConfiguration {
    /// The configuration as a Hugging Face `CLIPModel` `config.json` (`text_config`, `vision_config`,
    /// `projection_dim`), which `CLIPConfiguration(contentsOf:)` reads back. Both towers must be present.
    /// `startTokenID` is written as `bos_token_id` (documentation; pooling uses `eos_token_id`).
    public func huggingFaceJSON(startTokenID: Int? = nil) throws -> Data {
        guard let t = text, let v = vision else {
            throw TrainingError.badOption("a CLIP config.json for training needs both towers")
        }
        var textConfig: [String: Any] = [
            "vocab_size": t.vocabularySize, "hidden_size": t.hiddenSize, "intermediate_size": t.intermediateSize,
            "num_attention_heads": t.attentionHeads, "num_hidden_layers": t.layers,
            "max_position_embeddings": t.maxPositions, "hidden_act": t.activation,
            "layer_norm_eps": Double(t.layerNormEps), "eos_token_id": t.eosTokenID, "pad_token_id": 0,
            "projection_dim": t.projectionDim, "model_type": "clip_text_model",
        ]
        if let s = startTokenID { textConfig["bos_token_id"] = s }
        let visionConfig: [String: Any] = [
            "hidden_size": v.hiddenSize, "intermediate_size": v.intermediateSize,
            "num_attention_heads": v.attentionHeads, "num_hidden_layers": v.layers, "image_size": v.imageSize,
            "patch_size": v.patchSize, "num_channels": v.channels, "hidden_act": v.activation,
            "layer_norm_eps": Double(v.layerNormEps), "projection_dim": v.projectionDim,
            "model_type": "clip_vision_model",
        ]
        let root: [String: Any] = [
            "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": t.projectionDim,
            "logit_scale_init_value": Double(logitScaleInit), "text_config": textConfig,
            "vision_config": visionConfig,
        ]
        return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
    }

    /// The embedded default's shape: a small ViT (patch 8 at 64×64) and text transformer of `width`, `layers`
    /// layers and `heads` heads each, QuickGELU, projection `projection`, for a vocabulary of `vocabularySize`
    /// tokens, `contextLength` positions and end token `endTokenID`.
    public static func embedded(
        vocabularySize: Int, contextLength: Int, endTokenID: Int, width: Int = 128, layers: Int = 4, heads: Int = 4,
        projection: Int = 128, imageSize: Int = 64, patchSize: Int = 8
    ) throws -> CLIPConfiguration {
        guard width > 0, heads > 0, width % heads == 0, layers > 0, projection > 0 else {
            throw TrainingError.badOption("width \(width) must be a positive multiple of heads \(heads)")
        }
        guard patchSize > 0, imageSize >= patchSize, imageSize % patchSize == 0 else {
            throw TrainingError.badOption("image size \(imageSize) must be a multiple of patch size \(patchSize)")
        }
        let text = CLIPTextConfiguration(
            vocabularySize: vocabularySize, hiddenSize: width, intermediateSize: 4 * width, attentionHeads: heads,
            layers: layers, maxPositions: contextLength, activation: "quick_gelu", eosTokenID: endTokenID,
            projectionDim: projection)
        let vision = CLIPVisionConfiguration(
            hiddenSize: width, intermediateSize: 4 * width, attentionHeads: heads, layers: layers,
            imageSize: imageSize, patchSize: patchSize, activation: "quick_gelu", projectionDim: projection)
        return CLIPConfiguration(text: text, vision: vision)
    }
}
