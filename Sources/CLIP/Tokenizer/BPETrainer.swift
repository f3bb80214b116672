// Follows the byte-level BPE training of Sennrich et al. (2016) and GPT-2, in CLIP's word layout (`</w>` ends).

/// Learns merges for a small CLIP vocabulary from a corpus, in the format `CLIPTokenizer` reads.
///
/// Words come from the tokenizer's own cleaning and splitting, as UTF-8 byte symbols with `</w>` on the last one.
/// Each step merges the most frequent adjacent pair over all word occurrences. Ties go to the pair whose left
/// symbol, then right symbol, sorts first by Unicode scalar values, so the result depends only on the corpus.
/// Training stops after `mergeCount` merges or when no pair occurs `minimumFrequency` times.
public struct BPETrainer: Sendable {
    /// Merges to learn at most.
    public var mergeCount: Int
    /// A pair must occur at least this often (counting word frequency) to be merged.
    public var minimumFrequency: Int

    public init(mergeCount: Int, minimumFrequency: Int = 2) {
        self.mergeCount = mergeCount
        self.minimumFrequency = max(1, minimumFrequency)
    }

    /// Learns merges from `corpus` (one caption per element), ranked in the order they were learned.
    public func train<S: Sequence>(on corpus: S) -> [(String, String)] where S.Element == String {
        // Word frequencies after CLIP's cleaning and splitting (special-token spellings are ordinary text here).
        let splitter = CLIPPreTokenizer(specialTokens: [])
        // Keyed by UTF-8 bytes: canonically equivalent Strings compare equal but are different byte sequences.
        var frequency: [[UInt8]: Int] = [:]
        for text in corpus {
            let scalars = CLIPTextCleaner.cleanScalars(text)
            for range in splitter.split(scalars) { frequency[CLIPTokenizer.utf8(scalars[range]), default: 0] += 1 }
        }

        // Symbols as ids: 0…255 bytes, 256…511 bytes with </w>, then merged symbols in order.
        var symbols: [String] = (0..<256).map { String(ByteEncoder.scalars[$0]) }
        symbols += symbols.map { $0 + "</w>" }
        var words: [[Int32]] = []
        var counts: [Int] = []
        // Sorted so that the word order, and so every tie, is the same run to run.
        // (UTF-8 byte order is scalar order.)
        for (word, count) in frequency.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            var ids = word.map { Int32($0) }
            guard let last = ids.last else { continue }
            ids[ids.count - 1] = last + 256
            words.append(ids)
            counts.append(count)
        }

        var merges: [(String, String)] = []
        var pairCounts: [UInt64: Int] = [:]
        while merges.count < mergeCount {
            pairCounts.removeAll(keepingCapacity: true)
            for (w, word) in words.enumerated() where word.count > 1 {
                for i in 0..<(word.count - 1) {
                    pairCounts[CLIPTokenizer.key(word[i], word[i + 1]), default: 0] += counts[w]
                }
            }
            var best: (key: UInt64, count: Int)? = nil
            for (key, count) in pairCounts where count >= minimumFrequency {
                guard let current = best else {
                    best = (key, count)
                    continue
                }
                if count > current.count || (count == current.count && precedes(key, current.key, symbols)) {
                    best = (key, count)
                }
            }
            guard let chosen = best else { break }
            let left = Int32(truncatingIfNeeded: chosen.key >> 32), right = Int32(truncatingIfNeeded: chosen.key)
            let merged = Int32(symbols.count)
            symbols.append(symbols[Int(left)] + symbols[Int(right)])
            merges.append((symbols[Int(left)], symbols[Int(right)]))
            for w in words.indices where words[w].count > 1 {
                var word = words[w]
                var out: [Int32] = []
                out.reserveCapacity(word.count)
                var i = 0
                while i < word.count {
                    if i + 1 < word.count && word[i] == left && word[i + 1] == right {
                        out.append(merged)
                        i += 2
                    } else {
                        out.append(word[i])
                        i += 1
                    }
                }
                if out.count != word.count {
                    word = out
                    words[w] = word
                }
            }
        }
        return merges
    }

    /// Whether pair `a` sorts before pair `b`: by left symbol, then right symbol, by Unicode scalar values.
    private func precedes(_ a: UInt64, _ b: UInt64, _ symbols: [String]) -> Bool {
        let al = symbols[Int(a >> 32)].unicodeScalars, bl = symbols[Int(b >> 32)].unicodeScalars
        if !al.elementsEqual(bl) { return al.lexicographicallyPrecedes(bl) }
        let ar = symbols[Int(a & 0xFFFF_FFFF)].unicodeScalars, br = symbols[Int(b & 0xFFFF_FFFF)].unicodeScalars
        return ar.lexicographicallyPrecedes(br)
    }

    /// Merges as file text in OpenAI's layout: a "#version: 0.2" line, then "left right" per line.
    public static func mergesFileText(_ merges: [(String, String)]) -> String {
        (["#version: 0.2"] + merges.map { "\($0.0) \($0.1)" }).joined(separator: "\n") + "\n"
    }
}
