import Foundation
import NN

/// Which towers to build from a model folder.
public enum CLIPTowers: Sendable {
    case text, vision, both
}

/// Key maps and folder loading for CLIP checkpoints.
public enum CLIPCheckpoint {
    /// Hugging Face transformers layout: the model's own keys; only the `position_ids` buffers of older files are
    /// dropped.
    public static let huggingFace = KeyMap([
        .drop("text_model.embeddings.position_ids"), .drop("vision_model.embeddings.position_ids"),
    ])

    /// OpenAI CLIP / open_clip (ViT) layout → Hugging Face keys, as transformers'
    /// `convert_clip_original_pytorch_to_hf.py` does: fused `in_proj_weight`/`in_proj_bias` [3C, C] split into
    /// q/k/v; `ln_1/ln_2` → `layer_norm1/2`; `mlp.c_fc/c_proj` → `mlp.fc1/fc2`; `ln_final` → `final_layer_norm`;
    /// `visual.conv1/class_embedding/positional_embedding/ln_pre/ln_post`; and the `x @ P` matrices
    /// `text_projection` [C, E] and `visual.proj` [Cv, E] transposed into Linear weights.
    public static let openAI = KeyMap(openAIText.rules + openAIViT.rules)

    /// The text side of `openAI`, plus the file-level extras (`input_resolution`, `context_length`, `vocab_size`,
    /// `attn_mask`) dropped.
    public static let openAIText = KeyMap([
        .drop("input_resolution"), .drop("context_length"), .drop("vocab_size"), .drop("attn_mask"),
        .drop("logit_bias"),
        .renamePrefix("transformer.resblocks", to: "text_model.encoder.layers"),
        .split(
            "attn.in_proj_weight",
            into: ["self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"]),
        .split("attn.in_proj_bias", into: ["self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"]),
        .rename("attn.out_proj", to: "self_attn.out_proj"),
        .rename("ln_1", to: "layer_norm1"), .rename("ln_2", to: "layer_norm2"),
        .rename("mlp.c_fc", to: "mlp.fc1"), .rename("mlp.c_proj", to: "mlp.fc2"),
        .renamePrefix("token_embedding", to: "text_model.embeddings.token_embedding"),
        .renamePrefix("positional_embedding", to: "text_model.embeddings.position_embedding.weight"),
        .renamePrefix("ln_final", to: "text_model.final_layer_norm"),
        .transpose("text_projection", to: "text_projection.weight"),
    ])

    /// The ViT side of `openAI`.
    public static let openAIViT = KeyMap([
        .renamePrefix("visual.transformer.resblocks", to: "vision_model.encoder.layers"),
        .split(
            "attn.in_proj_weight",
            into: ["self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"]),
        .split("attn.in_proj_bias", into: ["self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"]),
        .rename("attn.out_proj", to: "self_attn.out_proj"),
        .rename("ln_1", to: "layer_norm1"), .rename("ln_2", to: "layer_norm2"),
        .rename("mlp.c_fc", to: "mlp.fc1"), .rename("mlp.c_proj", to: "mlp.fc2"),
        .renamePrefix("visual.conv1", to: "vision_model.embeddings.patch_embedding"),
        .renamePrefix("visual.class_embedding", to: "vision_model.embeddings.class_embedding"),
        .renamePrefix("visual.positional_embedding", to: "vision_model.embeddings.position_embedding.weight"),
        .renamePrefix("visual.ln_pre", to: "vision_model.pre_layrnorm"),
        .renamePrefix("visual.ln_post", to: "vision_model.post_layernorm"),
        .transpose("visual.proj", to: "visual_projection.weight"),
    ])

    /// Whether the tensor names are in the OpenAI/open_clip layout (decided from key names, never shapes).
    public static func isOpenAILayout(_ names: [String]) -> Bool {
        names.contains {
            $0.hasPrefix("transformer.resblocks.") || $0.hasPrefix("visual.") || $0 == "token_embedding.weight"
        }
    }

    /// The key map that keeps only `towers` (dropping the other tower's keys and `logit_scale` when one tower).
    static func towerFilter(_ towers: CLIPTowers) -> KeyMap {
        switch towers {
        case .both: return KeyMap()
        case .text:
            return KeyMap([.drop("vision_model"), .drop("visual_projection"), .drop("visual"), .drop("logit_scale")])
        case .vision: return KeyMap([.drop("text_model"), .drop("text_projection"), .drop("logit_scale")])
        }
    }
}

extension CLIPModel {
    /// Loads a model folder: `config.json` (Hugging Face form) and `model.safetensors` (Hugging Face or
    /// OpenAI/open_clip keys, any float dtype), strictly. `towers` picks what to build; the other tower's tensors
    /// in a two-tower file are skipped.
    public convenience init(folder: String, towers: CLIPTowers = .both) throws {
        let dir = URL(fileURLWithPath: folder)
        var config = try CLIPConfiguration(contentsOf: dir.appendingPathComponent("config.json").path)
        switch towers {
        case .text: config.vision = nil
        case .vision: config.text = nil
        case .both: break
        }
        if towers != .vision && config.text == nil || towers != .text && config.vision == nil {
            throw CLIPError.badModel(path: folder, reason: "config.json has no configuration for the requested tower")
        }
        try self.init(config)
        try load(weightsAt: dir.appendingPathComponent("model.safetensors").path, towers: towers)
    }

    /// Loads a `.safetensors` file in either key layout into this model, strictly.
    public func load(weightsAt path: String, towers: CLIPTowers = .both) throws {
        let file: WeightFile
        do {
            file = try WeightFile(contentsOf: path)
        } catch {
            throw ModelFileError.unreadable(path: path, reason: "\(error)")
        }
        let names = file.tensors.map(\.name)
        var layout = CLIPCheckpoint.huggingFace
        if CLIPCheckpoint.isOpenAILayout(names) {
            // A ResNet tower keeps OpenAI's `visual.*` keys; only batch-norm counters are dropped.
            layout =
                image?.visual != nil
                ? KeyMap(CLIPCheckpoint.openAIText.rules + [.dropContaining("num_batches_tracked")])
                : CLIPCheckpoint.openAI
        }
        let filter = CLIPCheckpoint.towerFilter(towers)
        do {
            try load(filter.apply(layout.apply(file.tensors)), strict: true, file: path)
        } catch let e as ModelFileError {
            throw ModelFileError.unreadable(path: path, reason: e.description)
        }
    }
}
