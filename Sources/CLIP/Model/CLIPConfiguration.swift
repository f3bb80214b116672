import Foundation
import NN

// Follows Hugging Face transformers' CLIPTextConfig / CLIPVisionConfig / CLIPConfig field names and defaults.

/// The text tower's constants, from a Hugging Face `config.json` (`text_config`, or a flat `clip_text_model`).
public struct CLIPTextConfiguration: Equatable, Sendable {
    public var vocabularySize = 49408
    public var hiddenSize = 512
    public var intermediateSize = 2048
    public var attentionHeads = 8
    public var layers = 12
    public var maxPositions = 77
    /// `hidden_act`: required, never guessed.
    public var activation: String
    public var layerNormEps: Float = 1e-5
    /// `eos_token_id`. The legacy value 2 means "pool at argmax(ids)"; any other value pools at the first position
    /// holding this id (the rule of `CLIPTextTransformer`).
    public var eosTokenID = 49407
    /// Output width of `text_projection`.
    public var projectionDim = 512

    public init(
        vocabularySize: Int = 49408, hiddenSize: Int = 512, intermediateSize: Int = 2048, attentionHeads: Int = 8,
        layers: Int = 12, maxPositions: Int = 77, activation: String = "quick_gelu", layerNormEps: Float = 1e-5,
        eosTokenID: Int = 49407, projectionDim: Int = 512
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.attentionHeads = attentionHeads
        self.layers = layers
        self.maxPositions = maxPositions
        self.activation = activation
        self.layerNormEps = layerNormEps
        self.eosTokenID = eosTokenID
        self.projectionDim = projectionDim
    }
}

/// The image tower's constants (ViT), from a Hugging Face `config.json`.
public struct CLIPVisionConfiguration: Equatable, Sendable {
    public var hiddenSize = 768
    public var intermediateSize = 3072
    public var attentionHeads = 12
    public var layers = 12
    public var imageSize = 224
    public var patchSize = 32
    public var channels = 3
    /// `hidden_act`: required, never guessed.
    public var activation: String
    public var layerNormEps: Float = 1e-5
    /// Output width of `visual_projection` (of the attention pool for a ResNet).
    public var projectionDim = 512
    /// `resnet_layers` (a project extension of the transformers form): the four stage depths of a ModifiedResNet
    /// tower (RN50: [3, 4, 6, 3]); `hidden_size` is then the stem width (64 for RN50), `num_attention_heads` the
    /// attention pool's heads. Nil for a ViT.
    public var resnetLayers: [Int]? = nil

    public init(
        hiddenSize: Int = 768, intermediateSize: Int = 3072, attentionHeads: Int = 12, layers: Int = 12,
        imageSize: Int = 224, patchSize: Int = 32, channels: Int = 3, activation: String = "quick_gelu",
        layerNormEps: Float = 1e-5, projectionDim: Int = 512
    ) {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.attentionHeads = attentionHeads
        self.layers = layers
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.channels = channels
        self.activation = activation
        self.layerNormEps = layerNormEps
        self.projectionDim = projectionDim
    }

    /// Patches per side.
    public var gridSize: Int { imageSize / max(1, patchSize) }
}

/// A whole CLIP configuration: either tower may be absent (a text-only or image-only folder).
public struct CLIPConfiguration: Equatable, Sendable {
    public var text: CLIPTextConfiguration?
    public var vision: CLIPVisionConfiguration?
    /// ln of the initial logit scale (`logit_scale_init_value`, 2.6592 = ln(1/0.07)).
    public var logitScaleInit: Float = 2.6592

    public init(text: CLIPTextConfiguration?, vision: CLIPVisionConfiguration?, logitScaleInit: Float = 2.6592) {
        self.text = text
        self.vision = vision
        self.logitScaleInit = logitScaleInit
    }

    /// Reads a `config.json`: `CLIPModel` (`text_config` + `vision_config`, `projection_dim` at the top),
    /// `CLIPTextModelWithProjection` (flat, `model_type` `clip_text_model`) or `CLIPVisionModelWithProjection`
    /// (`clip_vision_model`).
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ModelFileError.unreadable(path: path, reason: "cannot read the configuration")
        }
        try self.init(json: data, path: path)
    }

    /// Parses `config.json` bytes; `path` names the file in errors.
    public init(json data: Data, path: String = "config.json") throws {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelFileError.badConfig(path: path, reason: "not a JSON object")
        }
        let reader = ConfigReader(path: path)
        let topProjection = try reader.int(root, "projection_dim")
        logitScaleInit = try reader.float(root, "logit_scale_init_value") ?? 2.6592
        let modelType = root["model_type"] as? String
        if let t = root["text_config"] as? [String: Any] {
            text = try reader.text(t, projection: topProjection)
        } else if modelType == "clip_text_model" {
            text = try reader.text(root, projection: topProjection)
        }
        if let v = root["vision_config"] as? [String: Any] {
            vision = try reader.vision(v, projection: topProjection)
        } else if modelType == "clip_vision_model" {
            vision = try reader.vision(root, projection: topProjection)
        }
        guard text != nil || vision != nil else {
            throw ModelFileError.badConfig(
                path: path,
                reason: "no text_config or vision_config, and model_type is not clip_text_model/clip_vision_model")
        }
    }
}

/// Typed access to config fields with errors naming the file and field.
struct ConfigReader {
    let path: String

    func int(_ d: [String: Any], _ key: String) throws -> Int? {
        guard let v = d[key], !(v is NSNull) else { return nil }
        guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else {
            throw ModelFileError.badConfig(path: path, reason: "'\(key)' must be an integer")
        }
        return i
    }

    func positive(_ d: [String: Any], _ key: String, _ fallback: Int) throws -> Int {
        let v = try int(d, key) ?? fallback
        guard v > 0, v < 1 << 24 else {
            throw ModelFileError.badConfig(path: path, reason: "'\(key)' = \(v) is out of range")
        }
        return v
    }

    func float(_ d: [String: Any], _ key: String) throws -> Float? {
        guard let v = d[key], !(v is NSNull) else { return nil }
        guard let n = v as? NSNumber else {
            throw ModelFileError.badConfig(path: path, reason: "'\(key)' must be a number")
        }
        return n.floatValue
    }

    func activation(_ d: [String: Any]) throws -> String {
        guard let act = d["hidden_act"] as? String else {
            throw ModelFileError.badConfig(path: path, reason: "'hidden_act' is missing (quick_gelu or gelu)")
        }
        do {
            _ = try Activation(configName: act)
        } catch {
            throw ModelFileError.badConfig(path: path, reason: "unknown hidden_act '\(act)'")
        }
        return act
    }

    func text(_ d: [String: Any], projection: Int?) throws -> CLIPTextConfiguration {
        var c = CLIPTextConfiguration(activation: try activation(d))
        c.vocabularySize = try positive(d, "vocab_size", c.vocabularySize)
        c.hiddenSize = try positive(d, "hidden_size", c.hiddenSize)
        c.intermediateSize = try positive(d, "intermediate_size", c.intermediateSize)
        c.attentionHeads = try positive(d, "num_attention_heads", c.attentionHeads)
        c.layers = try int(d, "num_hidden_layers") ?? c.layers
        c.maxPositions = try positive(d, "max_position_embeddings", c.maxPositions)
        c.layerNormEps = try float(d, "layer_norm_eps") ?? c.layerNormEps
        c.eosTokenID = try int(d, "eos_token_id") ?? c.eosTokenID
        c.projectionDim = try projection ?? positive(d, "projection_dim", c.projectionDim)
        guard c.hiddenSize % c.attentionHeads == 0, c.layers >= 0 else {
            throw ModelFileError.badConfig(
                path: path, reason: "text hidden_size \(c.hiddenSize) is not divisible by \(c.attentionHeads) heads")
        }
        return c
    }

    func vision(_ d: [String: Any], projection: Int?) throws -> CLIPVisionConfiguration {
        var resnet: [Int]? = nil
        if let list = d["resnet_layers"] {
            guard let numbers = list as? [NSNumber], numbers.count == 4,
                numbers.allSatisfy({ Int(exactly: $0.doubleValue).map { $0 > 0 && $0 < 1024 } == true })
            else {
                throw ModelFileError.badConfig(path: path, reason: "'resnet_layers' must be four positive integers")
            }
            resnet = numbers.map(\.intValue)
        }
        var c = CLIPVisionConfiguration(activation: resnet == nil ? try activation(d) : "relu")
        c.resnetLayers = resnet
        c.hiddenSize = try positive(d, "hidden_size", c.hiddenSize)
        c.intermediateSize = try positive(d, "intermediate_size", c.intermediateSize)
        c.attentionHeads = try positive(d, "num_attention_heads", c.attentionHeads)
        c.layers = try int(d, "num_hidden_layers") ?? c.layers
        c.imageSize = try positive(d, "image_size", c.imageSize)
        c.patchSize = try positive(d, "patch_size", c.patchSize)
        c.channels = try positive(d, "num_channels", c.channels)
        c.layerNormEps = try float(d, "layer_norm_eps") ?? c.layerNormEps
        c.projectionDim = try projection ?? positive(d, "projection_dim", c.projectionDim)
        guard c.hiddenSize % c.attentionHeads == 0, c.layers >= 0, c.imageSize >= c.patchSize else {
            throw ModelFileError.badConfig(
                path: path,
                reason:
                    "vision hidden_size \(c.hiddenSize) / heads \(c.attentionHeads), or image_size \(c.imageSize) < "
                    + "patch_size \(c.patchSize)")
        }
        return c
    }
}
