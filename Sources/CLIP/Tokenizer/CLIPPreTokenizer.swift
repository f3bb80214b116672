// Follows OpenAI CLIP's simple_tokenizer.py (the `pat` regular expression), written out by hand.

/// Splits cleaned text into words the way CLIP's regular expression
/// `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (case-insensitive) does
/// with Python's `regex` module: at each position the first alternative that matches wins, runs are greedy, and
/// whitespace between matches is skipped. `\p{L}` is general category L (Lu, Ll, Lt, Lm, Lo), `\p{N}` is N
/// (Nd, Nl, No), `\s` is the White_Space property.
struct CLIPPreTokenizer: Sendable {
    /// The special-token spellings matched before anything else, in scalars.
    let specialTokens: [[Unicode.Scalar]]
    /// The folded first scalars of the special tokens, to skip the comparison almost everywhere.
    private let specialStarts: Set<UInt32>

    /// CLIP's pattern is compiled case-insensitively; Hugging Face's copy of it is not.
    let ignoresCase: Bool

    init(specialTokens: [String], ignoresCase: Bool = true) {
        self.specialTokens = specialTokens.map { Array($0.unicodeScalars) }.filter { !$0.isEmpty }
        self.ignoresCase = ignoresCase
        specialStarts = Set(
            self.specialTokens.compactMap { $0.first.map { (ignoresCase ? Self.folded($0) : $0).value } })
    }

    @inline(__always) func fold(_ c: Unicode.Scalar) -> Unicode.Scalar { ignoresCase ? Self.folded(c) : c }

    /// Scalars skipped between words: whitespace, and U+0345 only when the pattern ignores case.
    @inline(__always) func skips(_ c: Unicode.Scalar) -> Bool {
        ignoresCase ? Self.isSpace(c) : (c.value != 0x345 && Self.isSpace(c))
    }

    /// The words of `s`, as index ranges into it.
    func split(_ s: [Unicode.Scalar]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var i = 0
        let n = s.count
        while i < n {
            let c = s[i]
            if specialStarts.contains(fold(c).value), let length = specialTokenLength(s, at: i) {
                words.append(i..<(i + length))
                i += length
            } else if c == "'", let length = contractionLength(s, at: i) {
                words.append(i..<(i + length))
                i += length
            } else if Self.isLetter(c) {
                var j = i + 1
                while j < n && Self.isLetter(s[j]) { j += 1 }
                words.append(i..<j)
                i = j
            } else if Self.isNumber(c) {
                words.append(i..<(i + 1))  // Digits are single words: "2026" is four.
                i += 1
            } else if skips(c) {
                i += 1
            } else {
                var j = i + 1
                while j < n && !Self.isLetter(s[j]) && !Self.isNumber(s[j]) && !skips(s[j]) { j += 1 }
                words.append(i..<j)
                i = j
            }
        }
        return words
    }

    /// Case-insensitive matching as `regex` does it (simple case folding); after lowercasing, the only scalar
    /// that still folds onto a different ASCII letter is U+017F LATIN SMALL LETTER LONG S (→ s).
    @inline(__always) static func folded(_ c: Unicode.Scalar) -> Unicode.Scalar {
        switch c.value {
        case 0x17F: return "s"
        case 0x212A: return "k"
        case 0x41...0x5A: return Unicode.Scalar(UInt8(c.value | 0x20))
        default: return c
        }
    }

    private func specialTokenLength(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        for token in specialTokens where i + token.count <= s.count {
            var k = 0
            while k < token.count && fold(s[i + k]) == fold(token[k]) { k += 1 }
            if k == token.count { return token.count }
        }
        return nil
    }

    private func contractionLength(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        guard i + 1 < s.count else { return nil }
        let a = fold(s[i + 1])
        if a == "s" || a == "t" || a == "m" || a == "d" { return 2 }
        guard i + 2 < s.count else { return nil }
        let b = fold(s[i + 2])
        if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return 3 }
        return nil
    }

    @inline(__always) static func isLetter(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return (0x61...0x7A).contains(c.value) || (0x41...0x5A).contains(c.value) }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    @inline(__always) static func isNumber(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return (0x30...0x39).contains(c.value) }
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Whitespace, and the one scalar no alternative matches under `regex`'s case-insensitive mode: U+0345
    /// COMBINING GREEK YPOGEGRAMMENI (a mark, but it case-folds to the letter ι, so neither `[\p{L}]` nor
    /// `[^\s\p{L}\p{N}]` accepts it). Python drops it and it ends the word, exactly like whitespace.
    @inline(__always) static func isSpace(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return c == " " || (0x09...0x0D).contains(c.value) }
        return c.value == 0x345 || c.properties.isWhitespace
    }
}
