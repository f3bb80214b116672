// Follows OpenAI CLIP's simple_tokenizer.py (merges file layout) and Hugging Face's vocab.json + merges.txt.
import Foundation
import Imaging

extension CLIPTokenizer {
    /// Loads OpenAI's gzipped merges file, `bpe_simple_vocab_16e6.txt.gz`.
    ///
    /// - Parameter mergeCount: merges to read after the version line; OpenAI CLIP reads 48894 (of 262144),
    ///   nil reads them all. A file with fewer is an error naming its last line.
    /// - Throws: `TokenizerError` naming the file, and the line for a malformed merge.
    public convenience init(
        bpeGzipPath path: String, mergeCount: Int? = CLIPTokenizer.openAIMergeCount,
        specialTokens: SpecialTokens = .openAI, contextLength: Int = CLIPTokenizer.defaultContextLength,
        normalization: TextNormalization = .clip
    ) throws {
        let compressed = try Self.readFile(path)
        let bytes: [UInt8]
        do {
            bytes = try Gzip.decompress(compressed, limit: 256 << 20, name: path)
        } catch {
            throw TokenizerError.unreadableFile(path: path, reason: "\(error)")
        }
        let merges = try Self.parseMerges(bytes, path: path, count: mergeCount, skipsFirstLine: true)
        try self.init(
            merges: merges, specialTokens: specialTokens, contextLength: contextLength, normalization: normalization,
            source: path)
    }

    /// Loads an uncompressed merges file (an optional "#version" line, then one "left right" pair per line), such
    /// as the one `BPETrainer` writes; the vocabulary is CLIP's layout for those merges.
    public convenience init(
        mergesPath path: String, mergeCount: Int? = nil, specialTokens: SpecialTokens = .openAI,
        contextLength: Int = CLIPTokenizer.defaultContextLength, normalization: TextNormalization = .clip
    ) throws {
        let merges = try Self.parseMerges(try Self.readFile(path), path: path, count: mergeCount)
        try self.init(
            merges: merges, specialTokens: specialTokens, contextLength: contextLength, normalization: normalization,
            source: path)
    }

    /// Loads Hugging Face's `vocab.json` (token → id) and `merges.txt`.
    public convenience init(
        vocabJSONPath: String, mergesPath: String, specialTokens: SpecialTokens = .openAI,
        contextLength: Int = CLIPTokenizer.defaultContextLength, normalization: TextNormalization = .clip
    ) throws {
        let json = try Self.readFile(vocabJSONPath)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json))
        } catch {
            throw TokenizerError.invalidVocabulary(
                path: vocabJSONPath, reason: "not JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw TokenizerError.invalidVocabulary(path: vocabJSONPath, reason: "not a JSON object of token → id")
        }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(dictionary.count)
        for (token, value) in dictionary {
            guard let number = value as? NSNumber, let id = Int32(exactly: number.doubleValue), id >= 0 else {
                throw TokenizerError.invalidVocabulary(
                    path: vocabJSONPath, reason: "id of \"\(token)\" is not a non-negative integer")
            }
            vocabulary[token] = id
        }
        let merges = try Self.parseMerges(try Self.readFile(mergesPath), path: mergesPath, count: nil)
        try self.init(
            vocabulary: vocabulary, merges: merges, specialTokens: specialTokens, contextLength: contextLength,
            normalization: normalization, source: "\(vocabJSONPath) + \(mergesPath)")
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw TokenizerError.unreadableFile(path: path, reason: reason)
        }
        return [UInt8](data)
    }

    /// Parses merges text: an optional "#version" line (always skipped for OpenAI's file), then one pair per line.
    /// Reads `count` pairs (nil: all; trailing empty lines never count). Line numbers in errors are 1-based.
    static func parseMerges(_ bytes: [UInt8], path: String, count: Int?, skipsFirstLine: Bool = false) throws -> [(
        String, String
    )] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TokenizerError.unreadableFile(path: path, reason: "not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // OpenAI's file starts with a header line it always skips (there, a stray file name glued to
        // "#version: 0.2"); Hugging Face skips a first line only when it starts with "#version".
        var firstLine = 1
        if let first = lines.first, skipsFirstLine || first.hasPrefix("#version") {
            lines.removeFirst()
            firstLine = 2
        }
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        let wanted = count ?? lines.count
        guard lines.count >= wanted else {
            throw TokenizerError.malformedLine(
                path: path, line: lines.count + firstLine, reason: "file ends after \(lines.count) of \(wanted) merges")
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(wanted)
        for (i, line) in lines.prefix(wanted).enumerated() {
            let parts = line.split(whereSeparator: { $0.isWhitespace })
            guard parts.count == 2 else {
                throw TokenizerError.malformedLine(
                    path: path, line: i + firstLine,
                    reason: "expected two symbols separated by a space, found \(parts.count)")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }
}
