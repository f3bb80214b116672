import Foundation

/// The hyper-parameters of the autoregressive prior, read from its `config.json` (keys in snake case below).
/// `components` is the number of PCA components actually kept, written when the PCA is fitted; the context is
/// `text_length + 1 + components` tokens: caption, text embedding, dot-product token, all codes but the last.
public struct ARPriorConfiguration: Equatable, Sendable {
    /// `embedding_dim`: CLIP embedding width D (`text.embed`, `image.embed`).
    public var embeddingDim: Int = 768
    /// `text_length`: caption tokens T (CLIP's 77).
    public var textLength: Int = 77
    /// `text_vocab_size`: caption vocabulary (CLIP BPE: 49408).
    public var textVocabSize: Int = 49408
    /// `width`: transformer width C.
    public var width: Int = 512
    /// `layers`: transformer blocks.
    public var layers: Int = 8
    /// `heads`: attention heads (must divide `width`).
    public var heads: Int = 8
    /// `components`: PCA components K kept (image-code tokens).
    public var components: Int = 319
    /// `max_components`: the cap on K when fitting (the paper's 319).
    public var maxComponents: Int = 319
    /// `variance_fraction`: the variance the kept components must hold (the paper's 0.99).
    public var varianceFraction: Double = 0.99
    /// `code_buckets`: quantisation buckets per component (the paper's 1024).
    public var codeBuckets: Int = 1024
    /// `dot_buckets`: buckets of the text–image cosine token.
    public var dotBuckets: Int = 1024
    /// `conditioning_dropout`: fraction of training items whose text conditioning is replaced by the learned null.
    public var conditioningDropout: Double = 0.1

    /// The defaults (the paper's sizes with a small transformer).
    public init() {}

    /// Tokens fed to the transformer: caption, text embedding, dot token, the first K − 1 codes.
    public var contextLength: Int { textLength + 1 + components }
    /// Head width.
    public var headDim: Int { width / max(heads, 1) }

    /// Validates the sizes; throws naming the key at fault.
    public func validate(path: String = "config.json") throws {
        let positives: [(String, Int)] = [
            ("embedding_dim", embeddingDim), ("text_length", textLength), ("text_vocab_size", textVocabSize),
            ("width", width), ("layers", layers), ("heads", heads), ("components", components),
            ("max_components", maxComponents),
        ]
        for (key, value) in positives where value < 1 || value > 1 << 24 {
            throw PriorError.badConfig(path: path, key: key, reason: "must be in 1...\(1 << 24), got \(value)")
        }
        guard width % heads == 0 else {
            throw PriorError.badConfig(path: path, key: "heads", reason: "\(heads) heads do not divide width \(width)")
        }
        guard components <= embeddingDim else {
            throw PriorError.badConfig(path: path, key: "components", reason: "more than embedding_dim \(embeddingDim)")
        }
        for (key, value) in [("code_buckets", codeBuckets), ("dot_buckets", dotBuckets)]
        where value < 2 || value > 1 << 20 {
            throw PriorError.badConfig(path: path, key: key, reason: "must be in 2...\(1 << 20), got \(value)")
        }
        guard varianceFraction > 0, varianceFraction <= 1 else {
            throw PriorError.badConfig(path: path, key: "variance_fraction", reason: "must be in (0, 1]")
        }
        guard conditioningDropout >= 0, conditioningDropout < 1 else {
            throw PriorError.badConfig(path: path, key: "conditioning_dropout", reason: "must be in [0, 1)")
        }
    }

    /// Reads `config.json`; unknown keys are ignored, known keys must have the right type and range.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PriorError.badModelFile(path: path, reason: "cannot read")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PriorError.badModelFile(path: path, reason: "not a JSON object")
        }
        try self.init(json: json, path: path)
    }

    /// Reads the configuration from a parsed JSON object.
    public init(json: [String: Any], path: String = "config.json") throws {
        func integer(_ key: String) throws -> Int? {
            guard let raw = json[key], !(raw is NSNull) else { return nil }
            guard !(raw is String), let number = raw as? NSNumber, let value = Int(exactly: number.doubleValue),
                abs(value) <= 1 << 24
            else { throw PriorError.badConfig(path: path, key: key, reason: "expected an integer, got \(raw)") }
            return value
        }
        func real(_ key: String) throws -> Double? {
            guard let raw = json[key], !(raw is NSNull) else { return nil }
            guard !(raw is String), let number = raw as? NSNumber, number.doubleValue.isFinite else {
                throw PriorError.badConfig(path: path, key: key, reason: "expected a number, got \(raw)")
            }
            return number.doubleValue
        }
        embeddingDim = try integer("embedding_dim") ?? embeddingDim
        textLength = try integer("text_length") ?? textLength
        textVocabSize = try integer("text_vocab_size") ?? textVocabSize
        width = try integer("width") ?? width
        layers = try integer("layers") ?? layers
        heads = try integer("heads") ?? heads
        components = try integer("components") ?? components
        maxComponents = try integer("max_components") ?? maxComponents
        varianceFraction = try real("variance_fraction") ?? varianceFraction
        codeBuckets = try integer("code_buckets") ?? codeBuckets
        dotBuckets = try integer("dot_buckets") ?? dotBuckets
        conditioningDropout = try real("conditioning_dropout") ?? conditioningDropout
        try validate(path: path)
    }

    /// The `config.json` object.
    public var json: [String: Any] {
        [
            "_class_name": "ARPrior", "embedding_dim": embeddingDim, "text_length": textLength,
            "text_vocab_size": textVocabSize, "width": width, "layers": layers, "heads": heads,
            "components": components, "max_components": maxComponents, "variance_fraction": varianceFraction,
            "code_buckets": codeBuckets, "dot_buckets": dotBuckets, "conditioning_dropout": conditioningDropout,
        ]
    }

    /// Writes `config.json` (sorted keys, pretty-printed).
    public func write(to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw PriorError.badModelFile(path: path, reason: "cannot write")
        }
    }
}
