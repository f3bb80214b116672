// Follows Python's html.unescape and ftfy's unescape_html (fixes.py), the two HTML decoders CLIP's cleaning runs.

/// HTML character references, decoded the way CLIP's reference cleaning decodes them. Works on scalar arrays
/// because Python strings are sequences of code points.
enum HTMLEntities {
    /// Python's `html.entities.html5`: name (with or without ';') → replacement.
    static let html5: [String: [Unicode.Scalar]] = parse(html5Table)
    /// ftfy's upper-case aliases such as `EACUTE;`.
    static let upperCase: [String: [Unicode.Scalar]] = parse(upperCaseTable)
    /// The longest html5 name, in scalars (Python's regex allows up to 32 name characters).
    static let maximumNameLength = 32

    /// Numeric references that browsers (and Python) read as Windows-1252 or replace: 0x00, 0x0D and 0x80…0x9F.
    static let invalidCharacterReferences: [UInt32: Unicode.Scalar] = {
        var table: [UInt32: Unicode.Scalar] = [0x00: "\u{FFFD}", 0x0D: "\r"]
        for (i, s) in windows1252High.enumerated() { table[0x80 + UInt32(i)] = s }
        return table
    }()

    /// Windows-1252 for bytes 0x80…0x9F; its five undefined bytes stand for themselves ("sloppy" decoding).
    static let windows1252High: [Unicode.Scalar] = [
        "\u{20AC}", "\u{81}", "\u{201A}", "\u{192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
        "\u{2C6}", "\u{2030}", "\u{160}", "\u{2039}", "\u{152}", "\u{8D}", "\u{17D}", "\u{8F}",
        "\u{90}", "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
        "\u{2DC}", "\u{2122}", "\u{161}", "\u{203A}", "\u{153}", "\u{9D}", "\u{17E}", "\u{178}",
    ]

    /// Code points a numeric reference may not produce; Python drops such references.
    static func isInvalidCodePoint(_ n: UInt32) -> Bool {
        switch n {
        case 0x1...0x8, 0xB, 0xE...0x1F, 0x7F...0x9F, 0xFDD0...0xFDEF: return true
        default: return n & 0xFFFE == 0xFFFE
        }
    }

    /// Python's `html.unescape`: decimal and hex references (';' optional), and named references, including the
    /// legacy names without ';' matched as the longest known prefix ("&notit;" → "¬it;").
    static func unescape(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("&") else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            guard s[i] == "&" else {
                out.append(s[i])
                i += 1
                continue
            }
            if let (replacement, end) = reference(in: s, at: i) {
                out += replacement
                i = end
            } else {
                out.append("&")
                i += 1
            }
        }
        return out
    }

    /// Matches Python's `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)` at `start` (an '&') and returns
    /// the replacement and the index after the match, or nil when the pattern does not match.
    private static func reference(in s: [Unicode.Scalar], at start: Int) -> ([Unicode.Scalar], Int)? {
        var p = start + 1
        guard p < s.count else { return nil }
        if s[p] == "#" {
            p += 1
            var hex = false
            if p < s.count, s[p] == "x" || s[p] == "X", p + 1 < s.count, s[p + 1].properties.isASCIIHexDigit {
                hex = true
                p += 1
            }
            let digitsStart = p
            while p < s.count, hex ? s[p].properties.isASCIIHexDigit : ("0"..."9").contains(s[p]) { p += 1 }
            guard p > digitsStart else { return nil }
            let value = number(s[digitsStart..<p], radix: hex ? 16 : 10)
            if p < s.count, s[p] == ";" { p += 1 }
            return (numericReplacement(value), p)
        }
        let nameStart = p
        while p < s.count, p - nameStart < maximumNameLength, !"\t\n\u{C} <&#;".unicodeScalars.contains(s[p]) { p += 1 }
        guard p > nameStart else { return nil }
        if p < s.count, s[p] == ";" { p += 1 }
        let name = s[nameStart..<p]
        if let full = named(name) { return (full, p) }
        // Longest known prefix of at least two characters, the rest kept as text.
        var length = name.count - 1
        while length >= 2 {
            let prefix = name.prefix(length)
            if let value = named(prefix) {
                return (value + name.dropFirst(length), p)
            }
            length -= 1
        }
        return (["&"] + name, p)
    }

    /// The html5 entry for `name`. Every name is ASCII; a non-ASCII candidate is never looked up, because String
    /// equality is canonical equivalence ("amp\u{37E}" would equal "amp;").
    private static func named(_ name: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar]? {
        guard name.allSatisfy(\.isASCII) else { return nil }
        return html5[String(String.UnicodeScalarView(name))]
    }

    /// The value of ASCII digits, saturating at 0x110000 (any larger number is equally out of range).
    private static func number(_ digits: ArraySlice<Unicode.Scalar>, radix: UInt32) -> UInt32 {
        var n: UInt32 = 0
        for d in digits {
            let v = d.properties.numericValue.map { UInt32($0) } ?? (d.value | 0x20) - 0x61 + 10
            n = min(n * radix + v, 0x11_0000)
        }
        return n
    }

    private static func numericReplacement(_ n: UInt32) -> [Unicode.Scalar] {
        if let special = invalidCharacterReferences[n] { return [special] }
        if (0xD800...0xDFFF).contains(n) || n > 0x10_FFFF { return ["\u{FFFD}"] }
        if isInvalidCodePoint(n) { return [] }
        return Unicode.Scalar(n).map { [$0] } ?? ["\u{FFFD}"]
    }

    /// ftfy's `unescape_html`: only `&#?[0-9A-Za-z]{1,24};`, decoded when it is a known name ending in ';' (or an
    /// upper-case alias), or a numeric reference that Python's decoder consumes whole.
    static func unescapeStrict(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard s.contains("&") else { return s }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            guard s[i] == "&" else {
                out.append(s[i])
                i += 1
                continue
            }
            var p = i + 1
            let numeric = p < s.count && s[p] == "#"
            if numeric { p += 1 }
            let nameStart = p
            while p < s.count, p - nameStart < 25, isASCIIAlphanumeric(s[p]) { p += 1 }
            guard p > nameStart, p - nameStart <= 24, p < s.count, s[p] == ";" else {
                out.append("&")
                i += 1
                continue
            }
            let match = Array(s[i...p])
            let name = String(String.UnicodeScalarView(s[nameStart...p]))
            if !numeric, let value = html5[name] ?? upperCase[name] {
                out += value
            } else if numeric {
                let decoded = unescape(match)
                out += decoded.contains(";") ? match : decoded
            } else {
                out += match
            }
            i = p + 1
        }
        return out
    }

    private static func isASCIIAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
    }

    private static func parse(_ table: String) -> [String: [Unicode.Scalar]] {
        var map: [String: [Unicode.Scalar]] = [:]
        for line in table.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            map[String(parts[0])] = parts[1].split(separator: ".").compactMap {
                UInt32($0, radix: 16).flatMap(Unicode.Scalar.init)
            }
        }
        return map
    }
}
