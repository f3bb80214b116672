// Follows the zero-shot recipe of OpenAI CLIP's ImageNet prompt-engineering notebook.

/// Zero-shot classification with CLIP: each class is the normalised mean of the normalised text embeddings of
/// its prompts (one per template), and an image's logits are `scale` × the cosine similarity of its embedding
/// with each class embedding; softmax gives the probabilities.
public struct ZeroShotClassifier: Sendable {
    /// The K class names.
    public let classNames: [String]
    /// `[K, D]`: unit-length class embeddings.
    public let classEmbeddings: FeatureRows
    /// The multiplier of cosine similarities (100 for trained CLIP models, or exp(`logit_scale`)).
    public let scale: Double

    /// A classifier from ready class embeddings `[K, D]` (normalised here).
    public init(classNames: [String], classEmbeddings: FeatureRows, scale: Double) throws {
        guard !classNames.isEmpty else { throw CLIPError.badInput("no class names") }
        guard classEmbeddings.count == classNames.count else {
            throw CLIPError.badInput("\(classEmbeddings.count) class embeddings for \(classNames.count) classes")
        }
        guard scale.isFinite, scale > 0 else { throw CLIPError.badInput("logit scale \(scale) is not positive") }
        self.classNames = classNames
        self.classEmbeddings = classEmbeddings.normalized()
        self.scale = scale
    }

    /// Builds the class embeddings by encoding every class in every template with `embed`, which maps prompts to
    /// text embeddings `[N, D]` (it is called once per class, with the class's prompts in template order).
    public init(
        classNames: [String], templates: PromptTemplates, scale: Double, embed: ([String]) throws -> FeatureRows
    ) throws {
        try ClassNames.validate(classNames)
        var rows: [[Double]] = []
        for name in classNames {
            let prompts = templates.prompts(for: name)
            let embedded = try embed(prompts)
            guard embedded.count == prompts.count else {
                throw CLIPError.badInput("\(embedded.count) text embeddings for \(prompts.count) prompts")
            }
            rows.append(Self.ensemble(embedded))
        }
        try self.init(classNames: classNames, classEmbeddings: FeatureRows(rows: rows), scale: scale)
    }

    /// The class embedding of a template ensemble: the mean of the unit-length rows of `embeddings` `[T, D]`,
    /// renormalised to unit length.
    public static func ensemble(_ embeddings: FeatureRows) -> [Double] {
        let unit = embeddings.normalized()
        var mean = [Double](repeating: 0, count: unit.width)
        for r in 0..<unit.count {
            for (j, v) in unit.row(r).enumerated() { mean[j] += v }
        }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? mean.map { $0 / norm } : mean
    }

    /// The logits `[B, K]` = scale × cosine(image, class) for image embeddings `[B, D]`.
    public func logits(_ images: FeatureRows) throws -> [Double] {
        guard images.width == classEmbeddings.width else {
            throw CLIPError.badInput(
                "image embeddings are \(images.width)-wide but the class embeddings \(classEmbeddings.width)-wide")
        }
        let unit = images.normalized()
        var out: [Double] = []
        out.reserveCapacity(images.count * classNames.count)
        for i in 0..<unit.count {
            for k in 0..<classNames.count { out.append(scale * unit.dot(i, classEmbeddings, k)) }
        }
        return out
    }

    /// Class probabilities for image embeddings `[B, D]`.
    public func classify(_ images: FeatureRows) throws -> Classification {
        try Classification(logits: logits(images), classNames: classNames)
    }
}
