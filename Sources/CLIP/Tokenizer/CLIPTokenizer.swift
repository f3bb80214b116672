// Follows OpenAI CLIP's simple_tokenizer.py and clip.tokenize (open_clip's SimpleTokenizer gives the same ids).
import Dispatch

/// CLIP's byte-level BPE tokenizer: cleaning, the word-splitting pattern, the byte → symbol map, `</w>` word ends,
/// rank-ordered merges, start/end tokens and a fixed context with zero padding.
///
/// One tokenizer serves OpenAI's vocabulary (`bpe_simple_vocab_16e6.txt.gz`), Hugging Face's `vocab.json` +
/// `merges.txt`, and vocabularies trained by `BPETrainer`. Merged words are memoized, so repeated words cost one
/// dictionary lookup. Safe to share between threads.
public final class CLIPTokenizer: Sendable {
    /// The spellings of the start and end tokens, which also match as literal text.
    public struct SpecialTokens: Sendable, Equatable {
        public var start: String
        public var end: String

        public init(start: String, end: String) {
            self.start = start
            self.end = end
        }

        /// OpenAI CLIP and Hugging Face: `<|startoftext|>`, `<|endoftext|>`.
        public static let openAI = SpecialTokens(start: "<|startoftext|>", end: "<|endoftext|>")
        /// open_clip's spelling: `<start_of_text>`, `<end_of_text>` (same ids).
        public static let openCLIP = SpecialTokens(start: "<start_of_text>", end: "<end_of_text>")
    }

    /// How text becomes words before the merges.
    public enum TextNormalization: Sendable, Equatable {
        /// OpenAI CLIP / open_clip: ftfy repair, HTML unescape twice, whitespace collapse, lowercase, and the
        /// case-insensitive pattern (see `CLIPTextCleaner`).
        case clip
        /// Hugging Face transformers' `CLIPTokenizer`: special tokens split out of the raw text first, then NFC,
        /// whitespace runs to one space, per-character lowercase and the case-sensitive pattern; no ftfy, no HTML.
        case huggingFace
    }

    /// One merge rule: its priority (lower merges first) and the id of the merged symbol.
    struct Merge: Sendable {
        var rank: Int32
        var result: Int32
    }

    /// OpenAI CLIP's context: 77 tokens including start and end.
    public static let defaultContextLength = 77
    /// Merges read from OpenAI's file: 49152 − 256 − 2 lines after its version line.
    public static let openAIMergeCount = 49152 - 256 - 2

    /// Tokens per row of `tokenize`, start and end included.
    public let contextLength: Int
    public let specialTokens: SpecialTokens
    /// Id of the start token (49406 for OpenAI's vocabulary).
    public let startID: Int32
    /// Id of the end token (49407 for OpenAI's vocabulary); also the largest id there, which CLIP's pooling uses.
    public let endID: Int32
    /// Token strings by id (byte symbols as `ByteEncoder` spells them).
    public let tokens: [String]
    /// The text normalization this tokenizer applies.
    public let normalization: TextNormalization

    let ids: [String: Int32]
    let startBytes: [UInt8]
    let endBytes: [UInt8]
    let byteIDs: [Int32]
    let byteEndIDs: [Int32]
    let merges: [UInt64: Merge]
    let preTokenizer: CLIPPreTokenizer
    let cache = BPECache()

    /// Number of entries in the vocabulary (49408 for OpenAI's).
    public var vocabularySize: Int { tokens.count }

    /// Builds a tokenizer from a vocabulary (token → id) and merges in rank order.
    ///
    /// - Parameter source: names the vocabulary in errors (a path, or "trained vocabulary").
    /// - Throws: `TokenizerError.invalidVocabulary` when a byte symbol, merge result or special token is missing.
    public init(
        vocabulary: [String: Int32], merges: [(String, String)], specialTokens: SpecialTokens = .openAI,
        contextLength: Int = CLIPTokenizer.defaultContextLength, normalization: TextNormalization = .clip,
        source: String = "vocabulary"
    ) throws {
        func missing(_ what: String) -> TokenizerError { .invalidVocabulary(path: source, reason: what) }
        guard contextLength >= 2 else { throw missing("context length \(contextLength) cannot hold start and end") }
        var byteIDs = [Int32](), byteEndIDs = [Int32]()
        for scalar in ByteEncoder.scalars {
            let symbol = String(scalar)
            guard let id = vocabulary[symbol] else {
                throw missing("byte symbol \"\(symbol)\" is not in the vocabulary")
            }
            guard let endID = vocabulary[symbol + "</w>"] else {
                throw missing("byte symbol \"\(symbol)</w>\" is not in the vocabulary")
            }
            byteIDs.append(id)
            byteEndIDs.append(endID)
        }
        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let left = vocabulary[a], let right = vocabulary[b], let result = vocabulary[a + b] else {
                throw missing("merge \(rank + 1) \"\(a) \(b)\" uses or makes a symbol not in the vocabulary")
            }
            // As in Python's dict of ranks, a repeated pair keeps its last rank.
            table[Self.key(left, right)] = Merge(rank: Int32(rank), result: result)
        }
        guard let start = vocabulary[specialTokens.start] else { throw missing("no \(specialTokens.start) token") }
        guard let end = vocabulary[specialTokens.end] else { throw missing("no \(specialTokens.end) token") }
        // Ids index the token table, so a stray huge id must not allocate gigabytes.
        guard let largest = vocabulary.values.max(), largest < 1 << 24, vocabulary.values.allSatisfy({ $0 >= 0 })
        else {
            throw missing("ids must be between 0 and 2^24")
        }
        var tokens = [String](repeating: "", count: Int(largest) + 1)
        for (token, id) in vocabulary { tokens[Int(id)] = token }
        self.tokens = tokens
        self.ids = vocabulary
        self.byteIDs = byteIDs
        self.byteEndIDs = byteEndIDs
        self.merges = table
        self.startID = start
        self.endID = end
        self.startBytes = Array(specialTokens.start.utf8)
        self.endBytes = Array(specialTokens.end.utf8)
        self.specialTokens = specialTokens
        self.contextLength = contextLength
        self.normalization = normalization
        // Hugging Face's byte-level step splits again with GPT-2's pattern, which cuts a special-token spelling
        // that survived (for example "<|ENDOFTEXT|>" lowercased) into "<|", "endoftext", "|>": the same as not
        // matching it at all. Elsewhere that second split changes nothing on CLIP's words.
        self.preTokenizer = CLIPPreTokenizer(
            specialTokens: normalization == .clip ? [specialTokens.start, specialTokens.end] : [],
            ignoresCase: normalization == .clip)
    }

    /// Builds CLIP's vocabulary from merges alone, in CLIP's order: the 256 byte symbols, the same with `</w>`,
    /// one symbol per merge, then the start and end tokens (49406 and 49407 with OpenAI's 48894 merges).
    public convenience init(
        merges: [(String, String)], specialTokens: SpecialTokens = .openAI,
        contextLength: Int = CLIPTokenizer.defaultContextLength, normalization: TextNormalization = .clip,
        source: String = "merges"
    ) throws {
        try self.init(
            vocabulary: Self.vocabulary(merges: merges, specialTokens: specialTokens), merges: merges,
            specialTokens: specialTokens, contextLength: contextLength, normalization: normalization, source: source)
    }

    /// CLIP's vocabulary for `merges`; a string listed twice keeps its later id, as Python's dict does.
    static func vocabulary(merges: [(String, String)], specialTokens: SpecialTokens) -> [String: Int32] {
        var list = ByteEncoder.vocabularyOrder.map { String(ByteEncoder.scalars[$0]) }
        list += list.map { $0 + "</w>" }
        list += merges.map { $0.0 + $0.1 }
        list += [specialTokens.start, specialTokens.end]
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(list.count)
        for (id, token) in list.enumerated() { vocabulary[token] = Int32(id) }
        return vocabulary
    }

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    // MARK: Encoding

    /// The token ids of `text`, without start and end tokens or any length limit (`SimpleTokenizer.encode`).
    public func encode(_ text: String) -> [Int32] {
        var local: [[UInt8]: [Int32]] = [:]
        return encode(text, memo: &local)
    }

    /// `encode` with a caller-owned memo in front of the shared one, so batch workers rarely take its lock.
    func encode(_ text: String, memo: inout [[UInt8]: [Int32]]) -> [Int32] {
        var out: [Int32] = []
        switch normalization {
        case .clip:
            let scalars = CLIPTextCleaner.cleanScalars(text)
            out.reserveCapacity(scalars.count / 3 + 1)
            for range in preTokenizer.split(scalars) {
                let word = Self.utf8(scalars[range])
                if let known = memo[word] {
                    out += known
                } else if word == startBytes {
                    out.append(startID)
                } else if word == endBytes {
                    out.append(endID)
                } else {
                    out += merged(word, memo: &memo)
                }
            }
        case .huggingFace:
            // Special tokens are cut out of the raw text before anything else sees it.
            let raw = Array(text.unicodeScalars)
            let specials = [
                (Array(specialTokens.start.unicodeScalars), startID), (Array(specialTokens.end.unicodeScalars), endID),
            ]
            var segmentStart = 0
            var i = 0
            func flush(_ end: Int) {
                let scalars = CLIPTextCleaner.normalizeLikeHuggingFace(Array(raw[segmentStart..<end]))
                for range in preTokenizer.split(scalars) { out += merged(Self.utf8(scalars[range]), memo: &memo) }
            }
            while i < raw.count {
                if let (token, id) = specials.first(where: { !$0.0.isEmpty && raw[i...].starts(with: $0.0) }) {
                    flush(i)
                    out.append(id)
                    i += token.count
                    segmentStart = i
                } else {
                    i += 1
                }
            }
            flush(raw.count)
        }
        return out
    }

    /// A word's UTF-8 bytes: the memo key. Not a `String`, whose equality is canonical equivalence: U+037E and
    /// ';' (or U+F900 and U+8C48) are equal Strings but different bytes, so different tokens.
    @inline(__always) static func utf8(_ scalars: ArraySlice<Unicode.Scalar>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count)
        for s in scalars {
            if s.isASCII {
                bytes.append(UInt8(s.value))
            } else {
                UTF8.encode(s) { bytes.append($0) }
            }
        }
        return bytes
    }

    /// The ids of one word, from the caller's memo, the shared memo, or the merges.
    private func merged(_ word: [UInt8], memo: inout [[UInt8]: [Int32]]) -> [Int32] {
        if let known = memo[word] { return known }
        let ids: [Int32]
        if let shared = cache.value(for: word) {
            ids = shared
        } else {
            ids = bpe(word)
            cache.store(ids, for: word)
        }
        if memo.count < 1 << 16 { memo[word] = ids }
        return ids
    }

    /// Applies the merges to one word's UTF-8 bytes: repeatedly the lowest-ranked adjacent pair, every
    /// non-overlapping occurrence from left to right, until no pair has a rank.
    func bpe(_ bytes: [UInt8]) -> [Int32] {
        guard let last = bytes.last else { return [] }
        var word = bytes.map { byteIDs[Int($0)] }
        word[word.count - 1] = byteEndIDs[Int(last)]
        var next: [Int32] = []
        next.reserveCapacity(word.count)
        while word.count > 1 {
            var best = Merge(rank: .max, result: 0)
            var bestKey: UInt64 = 0
            for i in 0..<(word.count - 1) {
                let k = Self.key(word[i], word[i + 1])
                if let m = merges[k], m.rank < best.rank {
                    best = m
                    bestKey = k
                }
            }
            if best.rank == .max { break }
            next.removeAll(keepingCapacity: true)
            var i = 0
            while i < word.count {
                if i + 1 < word.count && Self.key(word[i], word[i + 1]) == bestKey {
                    next.append(best.result)
                    i += 2
                } else {
                    next.append(word[i])
                    i += 1
                }
            }
            swap(&word, &next)
        }
        return word
    }

    /// One row of `contextLength` ids: start, the text's tokens, end, zeros. Over-long text keeps its first
    /// `contextLength − 1` ids and ends with the end token, as `clip.tokenize(truncate=True)` and open_clip do.
    /// - Returns: the row, the number of real tokens (start and end included), and whether it was truncated.
    public func tokenizeRow(_ text: String) -> (ids: [Int32], length: Int, truncated: Bool) {
        var local: [[UInt8]: [Int32]] = [:]
        return tokenizeRow(text, memo: &local)
    }

    func tokenizeRow(_ text: String, memo: inout [[UInt8]: [Int32]]) -> (ids: [Int32], length: Int, truncated: Bool) {
        let body = encode(text, memo: &memo)
        var row = [Int32](repeating: 0, count: contextLength)
        row[0] = startID
        let kept = min(body.count, contextLength - 2)
        let truncated = body.count > contextLength - 2
        // Truncation keeps the first contextLength - 1 ids (start + contextLength - 2 of the text), then end.
        for i in 0..<kept { row[i + 1] = body[i] }
        row[kept + 1] = endID
        return (row, kept + 2, truncated)
    }

    /// Tokenizes a batch into `[B, contextLength]` ids with their mask and end-token positions.
    ///
    /// - Parameter truncate: when false, text longer than the context throws instead of being cut (OpenAI's
    ///   default); open_clip always truncates.
    /// - Throws: `TokenizerError.textTooLong` naming the first over-long text when `truncate` is false.
    public func tokenize(_ texts: [String], truncate: Bool = true) throws -> TokenBatch {
        let rows = parallelMap(texts) { self.tokenizeRow($0, memo: &$1) }
        var batch = TokenBatch(count: texts.count, contextLength: contextLength)
        for (b, row) in rows.enumerated() {
            if row.truncated && !truncate {
                throw TokenizerError.textTooLong(
                    index: b, tokenCount: encode(texts[b]).count + 2, contextLength: contextLength)
            }
            batch.ids.replaceSubrange((b * contextLength)..<((b + 1) * contextLength), with: row.ids)
            for t in 0..<row.length { batch.mask[b * contextLength + t] = true }
            batch.endPositions[b] = Int32(row.length - 1)
            batch.truncated[b] = row.truncated
        }
        return batch
    }

    /// Maps in parallel over chunks when the batch is large enough to repay the threads; each chunk keeps its
    /// own memo of merged words.
    private func parallelMap<T>(_ texts: [String], _ body: @Sendable (String, inout [[UInt8]: [Int32]]) -> T) -> [T] {
        let chunkCount = texts.count >= 2048 ? 8 : 1
        if chunkCount == 1 {
            var memo: [[UInt8]: [Int32]] = [:]
            return texts.map { body($0, &memo) }
        }
        let chunkSize = (texts.count + chunkCount - 1) / chunkCount
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: texts.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: chunkCount) { c in
            var memo: [[UInt8]: [Int32]] = [:]
            for i in (c * chunkSize)..<min(texts.count, (c + 1) * chunkSize) { slots[i] = body(texts[i], &memo) }
        }
        return results.compactMap { $0 }
    }

    // MARK: Decoding

    /// Text for `ids`: symbols back to bytes, UTF-8 decoded with replacement characters, each `</w>` a space.
    /// Ids outside the vocabulary are skipped.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < tokens.count {
            for scalar in tokens[Int(id)].unicodeScalars {
                if let b = ByteEncoder.bytes[scalar.value] { bytes.append(b) }
            }
        }
        return String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "</w>", with: " ")
    }
}
