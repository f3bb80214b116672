// Follows RFC 1950 (zlib) and RFC 1951 (DEFLATE); table-driven Huffman decoding.

/// A canonical Huffman decoding table indexed by the next `bits` input bits (LSB first).
/// Each entry is `symbol << 4 | codeLength`; a zero entry marks a bit pattern that no code uses.
struct HuffmanDecoder {
    var table: [UInt32]
    var bits: Int
    /// False for an over-subscribed set of lengths (the table is then empty and decodes nothing). Incomplete sets
    /// are allowed: their unused bit patterns decode as errors.
    var isValid = true

    /// Builds the table for code `lengths` (0 = unused symbol, at most 15).
    init(lengths: ArraySlice<UInt8>) {
        var count = [Int](repeating: 0, count: 16)
        for l in lengths { count[Int(l & 15)] += 1 }
        count[0] = 0
        var left = 1
        for len in 1...15 {
            left = left << 1 - count[len]
            if left < 0 {
                isValid = false
                bits = 1
                table = [0, 0]
                return
            }
        }
        var maxLen = 0
        for len in 1...15 where count[len] > 0 { maxLen = len }
        bits = max(maxLen, 1)
        table = [UInt32](repeating: 0, count: 1 << bits)
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for len in 1...15 {
            code = (code + count[len - 1]) << 1
            next[len] = code
        }
        var symbol = 0
        for l in lengths {
            defer { symbol += 1 }
            let len = Int(l & 15)
            if len == 0 { continue }
            let c = next[len]
            next[len] += 1
            var reversed = 0
            for i in 0..<len where c & (1 << i) != 0 { reversed |= 1 << (len - 1 - i) }
            let entry = UInt32(symbol) << 4 | UInt32(len)
            var index = reversed
            while index < table.count {
                table[index] = entry
                index += 1 << len
            }
        }
    }
}

/// Reads DEFLATE bits from a buffer, LSB first, with a 64-bit reservoir.
struct BitReader {
    let base: UnsafeBufferPointer<UInt8>
    var position = 0
    var buffer: UInt64 = 0
    var count = 0

    init(_ base: UnsafeBufferPointer<UInt8>) { self.base = base }

    @inline(__always) mutating func refill() {
        while count <= 56 && position < base.count {
            buffer |= UInt64(base[position]) << UInt64(count)
            position += 1
            count += 8
        }
    }

    /// Offset of the next unread byte (for error messages).
    var byteOffset: Int { position - count / 8 }

    @inline(__always) mutating func bits(_ n: Int, part: String) throws -> Int {
        if count < n {
            refill()
            if count < n { throw ImagingError.truncated(format: "zlib", part: part, offset: byteOffset) }
        }
        let v = Int(truncatingIfNeeded: buffer & ((1 << UInt64(n)) &- 1))
        buffer >>= UInt64(n)
        count -= n
        return v
    }

    @inline(__always) mutating func decode(_ h: HuffmanDecoder, part: String) throws -> Int {
        if count < 15 { refill() }
        let entry = h.table.withUnsafeBufferPointer { $0[Int(truncatingIfNeeded: buffer) & ($0.count - 1)] }
        let len = Int(entry & 15)
        if len == 0 {
            throw ImagingError.corrupt(format: "zlib", part: part, offset: byteOffset, reason: "invalid Huffman code")
        }
        if len > count { throw ImagingError.truncated(format: "zlib", part: part, offset: byteOffset) }
        buffer >>= UInt64(len)
        count -= len
        return Int(entry >> 4)
    }

    /// Drops bits up to the next byte boundary.
    mutating func alignToByte() {
        let drop = count % 8
        buffer >>= UInt64(drop)
        count -= drop
    }
}

/// zlib/DEFLATE decompression in pure Swift. Every length, distance and code is checked against the input and
/// against an output limit, so hostile input fails with an `ImagingError` rather than overrunning memory.
enum Inflate {
    static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    static let fixedLiterals: HuffmanDecoder = {
        var l = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { l[i] = 9 }
        for i in 256..<280 { l[i] = 7 }
        return HuffmanDecoder(lengths: l[...])
    }()
    static let fixedDistances: HuffmanDecoder = {
        HuffmanDecoder(lengths: [UInt8](repeating: 5, count: 30)[...])
    }()

    /// Decompresses a zlib stream, producing at most `limit` bytes (more is an error), and checks its Adler-32.
    /// `part` names the stream in errors (for example "IDAT zlib stream").
    static func zlib(_ input: [UInt8], limit: Int, part: String) throws -> [UInt8] {
        guard input.count >= 2 else { throw ImagingError.truncated(format: "zlib", part: part, offset: input.count) }
        let cmf = Int(input[0]), flg = Int(input[1])
        guard cmf & 15 == 8, cmf >> 4 <= 7, (cmf << 8 | flg) % 31 == 0 else {
            throw ImagingError.corrupt(format: "zlib", part: part, offset: 0, reason: "bad zlib header")
        }
        guard flg & 0x20 == 0 else {
            throw ImagingError.unsupported(format: "zlib", part: part, reason: "preset dictionary")
        }
        // DEFLATE expands at most 1032:1, so a short stream never makes us reserve a huge buffer.
        let (bound, overflow) = input.count.multipliedReportingOverflow(by: 1032)
        let capacity = max(0, min(limit, overflow ? limit : bound + 1024))
        var adler: UInt32 = 0
        var produced = 0
        let output = try [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
            try input.withUnsafeBufferPointer { inp in
                var reader = BitReader(UnsafeBufferPointer(rebasing: inp[2...]))
                produced = try inflate(&reader, into: out, part: part)
                reader.alignToByte()
                var check: UInt32 = 0
                for _ in 0..<4 { check = check << 8 | UInt32(try reader.bits(8, part: part + " Adler-32")) }
                adler = check
                _ = reader
            }
            initialized = produced
        }
        let actual = Adler32.checksum(output)
        guard actual == adler || !PNG.verifiesChecksums else {
            throw ImagingError.corrupt(
                format: "zlib", part: part, offset: input.count - 4, reason: "Adler-32 mismatch")
        }
        return output
    }

    /// Decodes raw DEFLATE blocks into `out`; returns the number of bytes written.
    static func inflate(_ r: inout BitReader, into out: UnsafeMutableBufferPointer<UInt8>, part: String) throws -> Int {
        var o = 0
        let limit = out.count
        func tooLong() -> ImagingError {
            .corrupt(format: "zlib", part: part, offset: r.byteOffset, reason: "more data than the image header implies")
        }
        var final = false
        var lengths = [UInt8](repeating: 0, count: 320)
        while !final {
            final = try r.bits(1, part: part) == 1
            let type = try r.bits(2, part: part)
            switch type {
            case 0:
                r.alignToByte()
                let len = try r.bits(16, part: part)
                let nlen = try r.bits(16, part: part)
                guard len == ~nlen & 0xFFFF else {
                    throw ImagingError.corrupt(
                        format: "zlib", part: part, offset: r.byteOffset, reason: "stored block length check")
                }
                guard o + len <= limit else { throw tooLong() }
                for _ in 0..<len {
                    out[o] = UInt8(try r.bits(8, part: part))
                    o += 1
                }
                continue
            case 1:
                o = try inflateBlock(&r, fixedLiterals, fixedDistances, out, o, part: part)
            case 2:
                let hlit = try r.bits(5, part: part) + 257
                let hdist = try r.bits(5, part: part) + 1
                let hclen = try r.bits(4, part: part) + 4
                var clLengths = [UInt8](repeating: 0, count: 19)
                for i in 0..<hclen { clLengths[codeLengthOrder[i]] = UInt8(try r.bits(3, part: part)) }
                let clTable = HuffmanDecoder(lengths: clLengths[...])
                guard clTable.isValid else {
                    throw ImagingError.corrupt(
                        format: "zlib", part: part, offset: r.byteOffset, reason: "bad code length code")
                }
                var i = 0
                while i < hlit + hdist {
                    let sym = try r.decode(clTable, part: part)
                    var repeatValue: UInt8 = 0
                    var repeatCount = 0
                    switch sym {
                    case 0..<16:
                        lengths[i] = UInt8(sym)
                        i += 1
                        continue
                    case 16:
                        guard i > 0 else {
                            throw ImagingError.corrupt(
                                format: "zlib", part: part, offset: r.byteOffset, reason: "repeat with no previous length")
                        }
                        repeatValue = lengths[i - 1]
                        repeatCount = 3 + (try r.bits(2, part: part))
                    case 17: repeatCount = 3 + (try r.bits(3, part: part))
                    default: repeatCount = 11 + (try r.bits(7, part: part))
                    }
                    guard i + repeatCount <= hlit + hdist else {
                        throw ImagingError.corrupt(
                            format: "zlib", part: part, offset: r.byteOffset, reason: "code lengths overrun")
                    }
                    for _ in 0..<repeatCount {
                        lengths[i] = repeatValue
                        i += 1
                    }
                }
                let lit = HuffmanDecoder(lengths: lengths[0..<hlit])
                let dist = HuffmanDecoder(lengths: lengths[hlit..<(hlit + hdist)])
                guard lengths[256] != 0, lit.isValid, dist.isValid else {
                    throw ImagingError.corrupt(format: "zlib", part: part, offset: r.byteOffset, reason: "bad Huffman code lengths")
                }
                o = try inflateBlock(&r, lit, dist, out, o, part: part)
            default:
                throw ImagingError.corrupt(format: "zlib", part: part, offset: r.byteOffset, reason: "reserved block type")
            }
        }
        return o
    }

    @inline(__always)
    static func inflateBlock(
        _ r: inout BitReader, _ lit: HuffmanDecoder, _ dist: HuffmanDecoder, _ out: UnsafeMutableBufferPointer<UInt8>,
        _ start: Int, part: String
    ) throws -> Int {
        var o = start
        let limit = out.count
        while true {
            let sym = try r.decode(lit, part: part)
            if sym < 256 {
                guard o < limit else {
                    throw ImagingError.corrupt(
                        format: "zlib", part: part, offset: r.byteOffset, reason: "more data than the image header implies")
                }
                out[o] = UInt8(truncatingIfNeeded: sym)
                o += 1
                continue
            }
            if sym == 256 { return o }
            let li = sym - 257
            guard li < 29 else {
                throw ImagingError.corrupt(format: "zlib", part: part, offset: r.byteOffset, reason: "bad length symbol")
            }
            let length = lengthBase[li] + (try r.bits(lengthExtra[li], part: part))
            let ds = try r.decode(dist, part: part)
            guard ds < 30 else {
                throw ImagingError.corrupt(format: "zlib", part: part, offset: r.byteOffset, reason: "bad distance symbol")
            }
            let distance = distanceBase[ds] + (try r.bits(distanceExtra[ds], part: part))
            guard distance <= o else {
                throw ImagingError.corrupt(
                    format: "zlib", part: part, offset: r.byteOffset, reason: "distance \(distance) before stream start")
            }
            guard o + length <= limit else {
                throw ImagingError.corrupt(
                    format: "zlib", part: part, offset: r.byteOffset, reason: "more data than the image header implies")
            }
            // Byte by byte: source and destination may overlap (distance < length repeats a run).
            var s = o - distance
            for _ in 0..<length {
                out[o] = out[s]
                o += 1
                s += 1
            }
        }
    }
}

/// The zlib Adler-32 checksum.
enum Adler32 {
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                // 5552 is the most bytes before b can overflow 32 bits.
                let end = min(i + 5552, p.count)
                while i < end {
                    a &+= UInt32(p[i])
                    b &+= a
                    i += 1
                }
                a %= 65521
                b %= 65521
            }
        }
        return b << 16 | a
    }
}

/// CRC-32 (ISO 3309, as PNG uses it), slicing by one byte with a 256-entry table.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func update(_ crc: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var c = ~crc
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return ~c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { update(0, $0) }
    }
}
