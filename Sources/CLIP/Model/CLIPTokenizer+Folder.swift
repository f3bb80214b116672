import Foundation

extension CLIPTokenizer {
    /// The tokenizer files a model folder may hold, in the order they are looked for.
    public static let folderFiles = [
        "vocab.json + merges.txt (Hugging Face)", "bpe_simple_vocab_16e6.txt.gz (OpenAI)",
        "merges.txt (CLIP layout from merges alone)",
    ]

    /// Loads the tokenizer of a model folder: Hugging Face `vocab.json` + `merges.txt`, else OpenAI's
    /// `bpe_simple_vocab_16e6.txt.gz`, else a `merges.txt` alone (a vocabulary trained by this project, in CLIP's
    /// layout). `contextLength` comes from the model's `max_position_embeddings`.
    public convenience init(folder: String, contextLength: Int = CLIPTokenizer.defaultContextLength) throws {
        let dir = URL(fileURLWithPath: folder)
        func path(_ name: String) -> String? {
            let p = dir.appendingPathComponent(name).path
            return FileManager.default.fileExists(atPath: p) ? p : nil
        }
        if let vocab = path("vocab.json"), let merges = path("merges.txt") {
            try self.init(vocabJSONPath: vocab, mergesPath: merges, contextLength: contextLength)
        } else if let bpe = path("bpe_simple_vocab_16e6.txt.gz") {
            try self.init(bpeGzipPath: bpe, contextLength: contextLength)
        } else if let merges = path("merges.txt") {
            try self.init(mergesPath: merges, contextLength: contextLength)
        } else {
            throw CLIPError.badModel(
                path: folder, reason: "no tokenizer: expected " + CLIPTokenizer.folderFiles.joined(separator: ", or "))
        }
    }
}
