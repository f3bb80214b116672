// Follows OpenAI CLIP's simple_tokenizer.py (basic_clean, whitespace_clean, lower) and the parts of ftfy 6's
// fix_text that change well-formed text.
import Foundation

/// CLIP's text cleaning, applied before splitting: ftfy repair, HTML unescape twice, strip, whitespace collapse,
/// lowercase. Each step works on Unicode scalars, as Python does on code points.
///
/// Implemented from ftfy's `fix_text` (default configuration, looped to a fixed point per line as ftfy does):
/// `unescape_html` (strict `&name;`/`&#n;` references and upper-case aliases, skipped from the first line containing
/// '<' on), `fix_c1_controls` (U+0080…U+009F read as Windows-1252), `fix_latin_ligatures`, `fix_character_width`
/// (fullwidth/halfwidth forms and U+3000 through NFKC), `uncurl_quotes`, `fix_line_breaks`,
/// `remove_terminal_escapes`, `remove_control_chars`, and NFC normalization.
///
/// Not implemented: ftfy's mojibake repair (`fix_encoding`, with `restore_byte_a0`, `replace_lossy_sequences` and
/// `decode_inconsistent_utf8`), which guesses whether text was decoded with the wrong codec, for example
/// "cafÃ©" → "café". Such text is tokenized as written. `fix_surrogates` has nothing to do: Swift strings cannot
/// hold lone surrogates.
public enum CLIPTextCleaner {
    /// Cleans `text` the way CLIP's tokenizer does before splitting it into words.
    public static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(cleanScalars(text)))
    }

    /// `clean` as scalars, the form the pre-tokenizer reads.
    static func cleanScalars(_ text: String) -> [Unicode.Scalar] {
        if let ascii = cleanPlainASCII(text) { return ascii }
        var s = repair(Array(text.unicodeScalars))
        s = HTMLEntities.unescape(HTMLEntities.unescape(s))
        return lowercased(collapsingWhitespace(s))
    }

    /// The fast path for printable ASCII without '&': every ftfy fix and both unescapes leave such text alone, so
    /// only whitespace collapse and lowercasing remain. Returns nil for any other text.
    static func cleanPlainASCII(_ text: String) -> [Unicode.Scalar]? {
        var out: [Unicode.Scalar] = []
        var pendingSpace = false
        var ok = true
        text.utf8.withContiguousStorageIfAvailable { bytes in
            out.reserveCapacity(bytes.count)
            for b in bytes {
                switch b {
                case 0x20, 0x09, 0x0A, 0x0C, 0x0D:
                    pendingSpace = !out.isEmpty
                case 0x21...0x7E where b != 0x26:
                    if pendingSpace {
                        out.append(" ")
                        pendingSpace = false
                    }
                    out.append(Unicode.Scalar((0x41...0x5A).contains(b) ? b | 0x20 : b))
                default:
                    ok = false
                    return
                }
            }
        } ?? { ok = false }()
        return ok ? out : nil
    }

    // MARK: ftfy

    /// ftfy's `fix_text` on scalars: line by line, each line fixed until nothing changes.
    static func repair(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var unescapes = true
        var start = 0
        while start < s.count {
            var end = start
            while end < s.count && s[end] != "\n" { end += 1 }
            if end < s.count { end += 1 }  // The line keeps its '\n', as ftfy's segments do.
            var line = Array(s[start..<end])
            // ftfy turns HTML unescaping off for good at the first line that looks like HTML.
            if line.contains("<") { unescapes = false }
            while true {
                let before = line
                if unescapes { line = HTMLEntities.unescapeStrict(line) }
                line = fixCharacters(line)
                line = removeTerminalEscapes(line)
                line = removeControlCharacters(line)
                line = nfc(line)
                if line == before { break }
            }
            out += line
            start = end
        }
        return out
    }

    /// ftfy's one-to-many character fixes, in its order: C1 controls, ligatures, width, quotes, line breaks.
    static func fixCharacters(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for c in s {
            // Each fix sees the output of the one before, as ftfy runs them one after another.
            let c1 = (0x80...0x9F).contains(c.value) ? HTMLEntities.windows1252High[Int(c.value - 0x80)] : c
            let split = ligatures[c1.value].map { Array($0.unicodeScalars) } ?? [c1]
            for piece in split {
                for narrow in widthMap[piece.value] ?? [piece] {
                    switch narrow.value {
                    case 0x2BC, 0x2018...0x201B: out.append("'")
                    case 0x201C...0x201F: out.append("\"")
                    default: out.append(narrow)
                    }
                }
            }
        }
        // Line breaks: "\r\n" → "\n" first, then each remaining break character.
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(out.count)
        var i = 0
        while i < out.count {
            let c = out[i]
            if c == "\r" && i + 1 < out.count && out[i + 1] == "\n" {
                result.append("\n")
                i += 2
                continue
            }
            switch c.value {
            case 0x0D, 0x2028, 0x2029, 0x85: result.append("\n")
            default: result.append(c)
            }
            i += 1
        }
        return result
    }

    /// Latin ligatures and legacy digraphs that ftfy splits (it keeps æ, œ and other intentional ones).
    static let ligatures: [UInt32: String] = [
        0x132: "IJ", 0x133: "ij", 0x149: "\u{2BC}n", 0x1F1: "DZ", 0x1F2: "Dz", 0x1F3: "dz", 0x1C4: "D\u{17D}",
        0x1C5: "D\u{17E}", 0x1C6: "d\u{17E}", 0x1C7: "LJ", 0x1C8: "Lj", 0x1C9: "lj", 0x1CA: "NJ", 0x1CB: "Nj",
        0x1CC: "nj", 0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "\u{17F}t",
        0xFB06: "st",
    ]

    /// ftfy's width map: U+3000 → space, and each of U+FF01…U+FFEF that NFKC changes → its NFKC form.
    static let widthMap: [UInt32: [Unicode.Scalar]] = {
        var map: [UInt32: [Unicode.Scalar]] = [0x3000: [" "]]
        for v in UInt32(0xFF01)...0xFFEF {
            guard let c = Unicode.Scalar(v) else { continue }
            let folded = Array(String(c).precomposedStringWithCompatibilityMapping.unicodeScalars)
            if folded != [c] { map[v] = folded }
        }
        return map
    }()

    /// ftfy's `remove_terminal_escapes`: ESC '[' (digits or ';')* letter.
    static func removeTerminalEscapes(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("\u{1B}") else { return s }
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < s.count {
            if s[i] == "\u{1B}", i + 1 < s.count, s[i + 1] == "[" {
                var p = i + 2
                // Python's \d is any decimal digit (Nd), not only ASCII.
                while p < s.count, s[p] == ";" || s[p].properties.generalCategory == .decimalNumber { p += 1 }
                if p < s.count, ("a"..."z").contains(s[p]) || ("A"..."Z").contains(s[p]) {
                    i = p + 1
                    continue
                }
            }
            out.append(s[i])
            i += 1
        }
        return out
    }

    /// ftfy's `remove_control_chars`: C0 controls except tab, line feed, form feed and carriage return; DEL;
    /// deprecated format characters U+206A…U+206F; the BOM; interlinear annotation marks U+FFF9…U+FFFC.
    static func removeControlCharacters(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        s.filter { c in
            switch c.value {
            case 0x00...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x206A...0x206F, 0xFEFF, 0xFFF9...0xFFFC: return false
            default: return true
            }
        }
    }

    static func nfc(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // ASCII and Latin-1 below U+0300 are already NFC when no combining marks follow; skip Foundation then.
        if s.allSatisfy({ $0.value < 0x300 }) { return s }
        let string = String(String.UnicodeScalarView(s))
        return Array(string.precomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// Hugging Face transformers' `CLIPTokenizer` normalizer instead of CLIP's cleaning: NFC, every run of
    /// White_Space characters to one space (ends kept), and a per-character lower-case mapping (no final sigma).
    /// No ftfy, no HTML unescaping.
    static func normalizeLikeHuggingFace(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var inSpace = false
        for c in nfc(s) {
            if c.properties.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
                continue
            }
            inSpace = false
            if c.isASCII {
                out.append(("A"..."Z").contains(c) ? Unicode.Scalar(UInt8(c.value | 0x20)) : c)
            } else {
                out += c.properties.lowercaseMapping.unicodeScalars
            }
        }
        return out
    }

    // MARK: whitespace and case

    /// Python's `str.isspace`: bidirectional class WS, B or S, or category Zs.
    static func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `" ".join(text.split())`: strips the ends and turns every whitespace run into one space.
    static func collapsingWhitespace(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var pendingSpace = false
        for c in s {
            if isPythonSpace(c) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace {
                    out.append(" ")
                    pendingSpace = false
                }
                out.append(c)
            }
        }
        return out
    }

    /// Python's `str.lower`: full lower-case mappings, with capital sigma becoming final sigma at a word's end.
    static func lowercased(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for (i, c) in s.enumerated() {
            if c.isASCII {
                out.append(("A"..."Z").contains(c) ? Unicode.Scalar(UInt8(c.value | 0x20)) : c)
            } else if c == "\u{3A3}" {
                out.append(isFinalSigma(s, at: i) ? "\u{3C2}" : "\u{3C3}")
            } else {
                out += c.properties.lowercaseMapping.unicodeScalars
            }
        }
        return out
    }

    /// Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorable ones) and none after.
    static func isFinalSigma(_ s: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0 && s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0 && s[j].properties.isCased else { return false }
        j = i + 1
        while j < s.count && s[j].properties.isCaseIgnorable { j += 1 }
        return j == s.count || !s[j].properties.isCased
    }
}
