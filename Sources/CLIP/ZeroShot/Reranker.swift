// DALL·E 2's reranking: draw several samples per prompt, keep the ones CLIP scores highest.

/// Picks the best `keep` items of every prompt group by score.
///
/// A group is a run of consecutive items with the same prompt, as `--samples-per-prompt` lays them out
/// (`[a, a, a, b, b, b]` is two groups; `[a, b, a]` is three). Without prompts, a group is a run of identical
/// `text.embed` rows.
public enum Reranker {
    /// The groups of consecutive equal keys, as index ranges covering `0..<keys.count`.
    public static func groups<Key: Equatable>(_ keys: [Key]) -> [Range<Int>] {
        guard !keys.isEmpty else { return [] }
        var out: [Range<Int>] = []
        var start = 0
        for i in 1..<keys.count where keys[i] != keys[start] {
            out.append(start..<i)
            start = i
        }
        out.append(start..<keys.count)
        return out
    }

    /// The groups of runs of identical rows of `text` `[B, D]`.
    public static func groups(textRows text: FeatureRows) -> [Range<Int>] {
        groups((0..<text.count).map { Array(text.row($0)) })
    }

    /// The indices to keep: for each group in order, its `keep` highest-scoring items, best first (ties keep
    /// the earlier item first). A group smaller than `keep` is kept whole.
    public static func select(scores: [Double], groups: [Range<Int>], keep: Int) -> [Int] {
        groups.flatMap { group in
            group.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(max(keep, 0))
        }
    }

    /// The cosine similarity of each image `[B, D]` with its own text `[B, D]` (row i with row i).
    public static func scores(images: FeatureRows, texts: FeatureRows) throws -> [Double] {
        guard images.count == texts.count else {
            throw CLIPError.badInput("\(images.count) image embeddings but \(texts.count) text embeddings")
        }
        guard images.width == texts.width else {
            throw CLIPError.badInput(
                "image embeddings are \(images.width)-wide but text embeddings \(texts.width)-wide (different models?)")
        }
        let (a, b) = (images.normalized(), texts.normalized())
        return (0..<a.count).map { a.dot($0, b, $0) }
    }
}
