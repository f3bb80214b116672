// Follows OpenAI CLIP's simple_tokenizer.py (bytes_to_unicode).

/// The reversible byte → Unicode scalar map that byte-level BPE works on: the 188 printable Latin-1 bytes stand for
/// themselves, the other 68 bytes (controls, space, U+00AD) become U+0100… in byte order, so no symbol is whitespace.
enum ByteEncoder {
    /// `scalars[b]` is the symbol for byte `b`.
    static let scalars: [Unicode.Scalar] = {
        var map = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if isPrintable(b) {
                map[b] = Unicode.Scalar(UInt8(b))
            } else {
                map[b] = Unicode.Scalar(next) ?? " "  // 256…323 are always valid scalars.
                next += 1
            }
        }
        return map
    }()

    /// Bytes in CLIP's vocabulary order: the printable ones first, then the remapped ones.
    static let vocabularyOrder: [Int] = (0..<256).filter(isPrintable) + (0..<256).filter { !isPrintable($0) }

    /// The byte each symbol stands for, keyed by scalar value.
    static let bytes: [UInt32: UInt8] = {
        var inverse: [UInt32: UInt8] = [:]
        for (b, s) in scalars.enumerated() { inverse[s.value] = UInt8(b) }
        return inverse
    }()

    private static func isPrintable(_ b: Int) -> Bool {
        (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
    }
}
