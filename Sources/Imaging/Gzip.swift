// Follows RFC 1952 (gzip file format) over the DEFLATE decoder in Inflate.swift.

/// Reads gzip files (`.gz`), such as OpenAI's `bpe_simple_vocab_16e6.txt.gz`.
public enum Gzip {
    /// The largest output `decompress` produces unless told otherwise (1 GiB).
    public static let defaultLimit = 1 << 30

    /// Decompresses every member of a gzip stream and checks each member's CRC-32 and length.
    ///
    /// - Parameters:
    ///   - bytes: the whole `.gz` file.
    ///   - limit: the most bytes to produce; more is an error rather than an unbounded allocation.
    ///   - name: names the stream in errors (for example the file path).
    /// - Throws: `ImagingError` (format "gzip" or "zlib") naming the part and byte offset of the problem.
    public static func decompress(_ bytes: [UInt8], limit: Int = defaultLimit, name: String = "gzip stream") throws
        -> [UInt8]
    {
        var output: [UInt8] = []
        var offset = 0
        repeat {
            let (member, consumed) = try decompressMember(
                bytes, from: offset, limit: limit - output.count, name: name)
            output += member
            offset += consumed
        } while offset < bytes.count && bytes[offset] == 0x1F
        return output
    }

    /// Decompresses one member starting at `start`; returns its bytes and how many input bytes it used.
    static func decompressMember(_ bytes: [UInt8], from start: Int, limit: Int, name: String) throws
        -> ([UInt8], Int)
    {
        func truncated(_ part: String, _ at: Int) -> ImagingError {
            .inSource(name, .truncated(format: "gzip", part: part, offset: at))
        }
        func corrupt(_ part: String, _ at: Int, _ reason: String) -> ImagingError {
            .inSource(name, .corrupt(format: "gzip", part: part, offset: at, reason: reason))
        }
        var p = start
        guard bytes.count - p >= 18 else { throw truncated("header", bytes.count) }
        guard bytes[p] == 0x1F, bytes[p + 1] == 0x8B else { throw corrupt("header", p, "not a gzip file (bad magic)") }
        guard bytes[p + 2] == 8 else {
            throw corrupt("header", p + 2, "compression method \(bytes[p + 2]) is not DEFLATE")
        }
        let flags = bytes[p + 3]
        guard flags & 0xE0 == 0 else { throw corrupt("header", p + 3, "reserved flag bits set") }
        p += 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard p + 2 <= bytes.count else { throw truncated("extra field", p) }
            p += 2 + (Int(bytes[p]) | Int(bytes[p + 1]) << 8)
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            while p < bytes.count && bytes[p] != 0 { p += 1 }
            p += 1
        }
        if flags & 0x02 != 0 { p += 2 }  // FHCRC
        guard p + 8 <= bytes.count else { throw truncated("header", min(p, bytes.count)) }

        // The trailer's ISIZE (length mod 2^32) is a good first guess for a single-member file; a guess too small
        // (several members, or a length over 4 GiB) is retried at the DEFLATE bound of 1032:1.
        let count = bytes.count
        let hint =
            Int(bytes[count - 4]) | Int(bytes[count - 3]) << 8 | Int(bytes[count - 2]) << 16
            | Int(bytes[count - 1]) << 24
        let (bound, overflow) = (count - p).multipliedReportingOverflow(by: 1032)
        let largest = max(0, min(limit, overflow ? limit : bound + 1024))
        var capacities = [min(largest, hint)]
        if hint < largest { capacities.append(largest) }
        for (attempt, capacity) in capacities.enumerated() {
            var consumed = 0
            var crc: UInt32 = 0
            var size: UInt32 = 0
            do {
                let output = try [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
                    initialized = 0
                    try bytes.withUnsafeBufferPointer { all in
                        var reader = BitReader(UnsafeBufferPointer(rebasing: all[p...]))
                        initialized = try Inflate.inflate(&reader, into: out, part: "\(name) DEFLATE data")
                        reader.alignToByte()
                        for i in 0..<4 { crc |= UInt32(try reader.bits(8, part: "\(name) CRC-32")) << (8 * i) }
                        for i in 0..<4 { size |= UInt32(try reader.bits(8, part: "\(name) ISIZE")) << (8 * i) }
                        consumed = p - start + reader.byteOffset
                    }
                }
                guard CRC32.checksum(output[...]) == crc else {
                    throw corrupt("trailer", start + consumed - 8, "CRC-32 mismatch")
                }
                guard UInt32(truncatingIfNeeded: output.count) == size else {
                    throw corrupt(
                        "trailer", start + consumed - 4, "length \(output.count) does not match ISIZE \(size)")
                }
                return (output, consumed)
            } catch ImagingError.corrupt(_, _, _, let reason)
                where attempt + 1 < capacities.count && reason.hasPrefix("more data")
            {
                continue
            } catch ImagingError.corrupt(_, let part, let offset, let reason) where reason.hasPrefix("more data") {
                throw ImagingError.inSource(
                    name, .corrupt(format: "gzip", part: part, offset: offset, reason: "output exceeds \(limit) bytes"))
            } catch let error as ImagingError {
                if case .inSource = error { throw error }
                throw ImagingError.inSource(name, error)
            }
        }
        throw corrupt("DEFLATE data", p, "output exceeds \(limit) bytes")
    }
}
