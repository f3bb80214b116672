import Foundation
import TensorCore

/// The hyper-parameters of a `PriorTransformer`, read from diffusers' `config.json` (same keys, same defaults:
/// the defaults are Karlo's 1B prior, heads 32 × 64, 20 layers, D = 768, 77 text tokens).
// Follows diffusers' PriorTransformer.__init__ arguments.
public struct PriorConfiguration: Equatable, Sendable {
    /// `num_attention_heads`.
    public var heads: Int = 32
    /// `attention_head_dim`.
    public var headDim: Int = 64
    /// `num_layers`.
    public var layers: Int = 20
    /// `embedding_dim`: width D of the noisy image embedding and of the text hidden states.
    public var embeddingDim: Int = 768
    /// `num_embeddings`: number T of text hidden states (CLIP's 77-token context).
    public var textLength: Int = 77
    /// `additional_embeddings`: tokens after the text states (pooled text, time, image, prd = 4).
    public var additionalEmbeddings: Int = 4
    /// `time_embed_act_fn`: the activation between the two time-embedding layers.
    public var timeActivation: Activation = .silu
    /// `norm_in_type == "layer"`: a LayerNorm on the token sequence before the blocks.
    public var normIn: Bool = false
    /// `embedding_proj_norm_type == "layer"`: a LayerNorm on the pooled text embedding before its projection.
    public var embeddingProjNorm: Bool = false
    /// `encoder_hid_proj_type == "linear"`: the text hidden states are projected and enter the sequence.
    public var projectsHiddenStates: Bool = true
    /// `added_emb_type == "prd"`: a learned query token is appended and its output is the prediction.
    public var hasPrdToken: Bool = true
    /// `time_embed_dim` (nil: the inner width).
    public var timeEmbedDim: Int? = nil
    /// `embedding_proj_dim` (nil: `embeddingDim`): width of the pooled text embedding.
    public var embeddingProjDim: Int? = nil
    /// `clip_embed_dim` (nil: `embeddingDim`): width of the output and of `clip_mean`/`clip_std`.
    public var clipEmbedDim: Int? = nil

    /// The Karlo / diffusers defaults.
    public init() {}

    /// Transformer width: heads × head dim.
    public var innerDim: Int { heads * headDim }
    /// Hidden width of the time embedding MLP.
    public var resolvedTimeEmbedDim: Int { timeEmbedDim ?? innerDim }
    /// Width of the pooled text embedding input.
    public var resolvedEmbeddingProjDim: Int { embeddingProjDim ?? embeddingDim }
    /// Width of the output embedding.
    public var resolvedClipEmbedDim: Int { clipEmbedDim ?? embeddingDim }
    /// Rows of `positional_embedding`: `num_embeddings + additional_embeddings` (81 for Karlo).
    public var positionCount: Int { textLength + additionalEmbeddings }

    /// Reads a diffusers `config.json`. Unknown keys are ignored; a known key with a wrong type, a non-positive
    /// size or an unsupported choice is an error naming the key.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PriorError.badModelFile(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw PriorError.badModelFile(path: path, reason: "not valid JSON")
        }
        guard let json = object as? [String: Any] else {
            throw PriorError.badModelFile(path: path, reason: "expected a JSON object")
        }
        try self.init(json: json, path: path)
    }

    /// Reads the configuration from a parsed JSON object (`path` names it in errors).
    public init(json: [String: Any], path: String = "config.json") throws {
        let reader = ConfigReader(json: json, path: path)
        heads = try reader.positive("num_attention_heads") ?? heads
        headDim = try reader.positive("attention_head_dim") ?? headDim
        layers = try reader.count("num_layers") ?? layers
        embeddingDim = try reader.positive("embedding_dim") ?? embeddingDim
        textLength = try reader.count("num_embeddings") ?? textLength
        additionalEmbeddings = try reader.count("additional_embeddings") ?? additionalEmbeddings
        if let name = try reader.choice("time_embed_act_fn", default: "silu", allowed: ["silu", "gelu", "swish"]) {
            timeActivation = name == "gelu" ? .gelu : .silu
        } else {
            throw PriorError.badConfig(path: path, key: "time_embed_act_fn", reason: "must name an activation")
        }
        normIn = try reader.choice("norm_in_type", default: nil, allowed: ["layer"]) != nil
        embeddingProjNorm = try reader.choice("embedding_proj_norm_type", default: nil, allowed: ["layer"]) != nil
        projectsHiddenStates = try reader.choice("encoder_hid_proj_type", default: "linear", allowed: ["linear"]) != nil
        hasPrdToken = try reader.choice("added_emb_type", default: "prd", allowed: ["prd"]) != nil
        timeEmbedDim = try reader.positive("time_embed_dim")
        embeddingProjDim = try reader.positive("embedding_proj_dim")
        clipEmbedDim = try reader.positive("clip_embed_dim")
    }

    /// The diffusers `config.json` object for this configuration.
    public var json: [String: Any] {
        [
            "_class_name": "PriorTransformer", "num_attention_heads": heads, "attention_head_dim": headDim,
            "num_layers": layers, "embedding_dim": embeddingDim, "num_embeddings": textLength,
            "additional_embeddings": additionalEmbeddings, "dropout": 0.0,
            "time_embed_act_fn": timeActivation == .gelu ? "gelu" : "silu",
            "norm_in_type": normIn ? "layer" : NSNull(),
            "embedding_proj_norm_type": embeddingProjNorm ? "layer" : NSNull(),
            "encoder_hid_proj_type": projectsHiddenStates ? "linear" : NSNull(),
            "added_emb_type": hasPrdToken ? "prd" : NSNull(),
            "time_embed_dim": timeEmbedDim ?? NSNull(), "embedding_proj_dim": embeddingProjDim ?? NSNull(),
            "clip_embed_dim": clipEmbedDim ?? NSNull(),
        ]
    }
}

/// Typed access to a config object's values, with errors naming the key.
private struct ConfigReader {
    let json: [String: Any]
    let path: String

    /// An integer ≥ 1, nil when absent or null.
    func positive(_ key: String) throws -> Int? {
        guard let value = try integer(key) else { return nil }
        guard value >= 1 else { throw PriorError.badConfig(path: path, key: key, reason: "must be ≥ 1, got \(value)") }
        return value
    }

    /// An integer ≥ 0, nil when absent or null.
    func count(_ key: String) throws -> Int? {
        guard let value = try integer(key) else { return nil }
        guard value >= 0 else { throw PriorError.badConfig(path: path, key: key, reason: "must be ≥ 0, got \(value)") }
        return value
    }

    private func integer(_ key: String) throws -> Int? {
        guard let raw = json[key], !(raw is NSNull) else { return nil }
        // JSONSerialization gives NSNumber; fractions and huge values are not sizes.
        guard !(raw is String), let number = raw as? NSNumber, let value = Int(exactly: number.doubleValue),
            value <= 1 << 24
        else { throw PriorError.badConfig(path: path, key: key, reason: "expected an integer, got \(raw)") }
        return value
    }

    /// A string from `allowed`; `default` when the key is absent, nil when it is JSON null.
    func choice(_ key: String, default fallback: String?, allowed: Set<String>) throws -> String? {
        guard let raw = json[key] else { return fallback }
        if raw is NSNull { return nil }
        guard let value = raw as? String, allowed.contains(value) else {
            throw PriorError.badConfig(
                path: path, key: key, reason: "unsupported value \(raw) (supported: \(allowed.sorted()), null)")
        }
        return value
    }
}
