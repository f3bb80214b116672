import TensorStream

/// The `unclip-rank` step on one frame: score every image against its own prompt and keep the best `keep` per
/// prompt group (see ``Reranker``).
///
/// Image embeddings come from `image.embed`, else `encodeImages` adds them from `image`. The text embedding of
/// item i is row i of `text.embed` when present, else `embedTexts` encodes the i-th entry of the `prompt`
/// metadata (each distinct prompt once). The output holds only the kept items, every tensor and per-item
/// metadata list sliced alike, plus `scores` F32 [B'] (cosine similarity).
public struct FrameRanker {
    /// Items kept per prompt group.
    public var keep: Int
    /// Adds `image.embed` from `image`; nil when no model was given.
    public var encodeImages: ((inout Frame) throws -> Void)?
    /// Text embeddings `[N, D]` of prompts; nil when no model was given.
    public var embedTexts: (([String]) throws -> FeatureRows)?
    /// When set, every item is scored against this one text instead of its own (`text.embed` and `prompt` are
    /// ignored) and the whole frame is one group: images ranked against a query.
    public var prompt: String?

    public init(
        keep: Int, encodeImages: ((inout Frame) throws -> Void)? = nil,
        embedTexts: (([String]) throws -> FeatureRows)? = nil
    ) {
        self.keep = keep
        self.encodeImages = encodeImages
        self.embedTexts = embedTexts
    }

    /// The reranked frame.
    public func rank(_ input: Frame) throws -> Frame {
        var frame = input
        let images = try ZeroShotFrames.imageEmbeddings(in: &frame, encode: encodeImages)
        let batch = images.count
        let prompts = try frame.metadataList("prompt")
        if prompt == nil, let prompts, prompts.count != batch {
            throw CLIPError.badInput("metadata 'prompt' has \(prompts.count) entries for a batch of \(batch)")
        }
        let texts: FeatureRows
        if let prompt {
            guard let embedTexts else { throw CLIPError.badInput("give --model DIR to encode the prompt") }
            let query = try embedTexts([prompt])
            guard query.count == 1 else { throw CLIPError.badInput("\(query.count) text embeddings for one prompt") }
            texts = query.rows([Int](repeating: 0, count: batch))
        } else if let blob = frame["text.embed"] {
            texts = try FeatureRows(blob, name: "text.embed")
        } else if let prompts {
            guard let embedTexts else {
                throw CLIPError.badInput("no 'text.embed' tensor; give --model DIR to encode the prompts")
            }
            texts = try Self.embedEach(prompts, with: embedTexts)
        } else {
            throw CLIPError.badInput("no 'text.embed' tensor and no 'prompt' metadata to score the images against")
        }
        let scores = try Reranker.scores(images: images, texts: texts)
        let groups =
            prompt != nil ? [0..<batch] : prompts.map { Reranker.groups($0) } ?? Reranker.groups(textRows: texts)
        frame["scores"] = try .float32(shape: [batch], scores.map(Float.init))
        let kept = Reranker.select(scores: scores, groups: groups, keep: keep)
        return try frame.selectingItems(kept, batch: try frame.batchSize())
    }

    /// Embeds each distinct prompt once and lays the rows out per item.
    static func embedEach(_ prompts: [String], with embed: ([String]) throws -> FeatureRows) throws -> FeatureRows {
        var unique: [String] = []
        var index: [String: Int] = [:]
        for p in prompts where index[p] == nil {
            index[p] = unique.count
            unique.append(p)
        }
        let rows = try embed(unique)
        guard rows.count == unique.count else {
            throw CLIPError.badInput("\(rows.count) text embeddings for \(unique.count) prompts")
        }
        return rows.rows(prompts.compactMap { index[$0] })
    }
}
