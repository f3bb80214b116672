import CLIP
import Foundation
import Shapes

/// A BPE vocabulary for the Shapes captions, trained with `BPETrainer` and written as Hugging Face
/// `vocab.json` + `merges.txt`, which `CLIPTokenizer(folder:)` reads with the same code as OpenAI's.
public enum ShapesVocabulary {
    /// Captions of the first `scenes` train scenes, `variants` phrasings each: the corpus.
    public static func corpus(scenes: Int, variants: Int) -> [String] {
        var out: [String] = []
        out.reserveCapacity(scenes * variants)
        for seed in 0..<UInt64(max(0, scenes)) {
            let scene = Scene(seed: seed, split: .train)
            for v in 0..<max(1, variants) { out.append(scene.caption(variant: v)) }
        }
        return out
    }

    /// Trains merges on `corpus` and builds the tokenizer (CLIP's layout: bytes, bytes with `</w>`, merges, start
    /// and end tokens) with `contextLength`.
    public static func train(corpus: [String], mergeCount: Int = 1000, contextLength: Int) throws -> (
        tokenizer: CLIPTokenizer, merges: [(String, String)]
    ) {
        let merges = BPETrainer(mergeCount: mergeCount, minimumFrequency: 2).train(on: corpus)
        let tokenizer = try CLIPTokenizer(merges: merges, contextLength: contextLength)
        return (tokenizer, merges)
    }

    /// Writes `merges.txt` and `vocab.json` into `folder`.
    public static func write(tokenizer: CLIPTokenizer, merges: [(String, String)], to folder: String) throws {
        let dir = URL(fileURLWithPath: folder)
        try BPETrainer.mergesFileText(merges).write(
            to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
        var vocab: [String: Int] = [:]
        for (id, token) in tokenizer.tokens.enumerated() { vocab[token] = id }
        let data = try JSONSerialization.data(withJSONObject: vocab, options: [.sortedKeys])
        try data.write(to: dir.appendingPathComponent("vocab.json"), options: .atomic)
    }
}
