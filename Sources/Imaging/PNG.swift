// Follows the PNG specification (ISO/IEC 15948, W3C PNG 2nd edition); output conventions follow Pillow.

/// PNG decoding and encoding.
///
/// Decoding returns 8-bit samples in the file's own layout: grey (1 channel), grey + alpha (2), RGB (3) or RGBA (4).
/// A palette becomes RGB, or RGBA when a `tRNS` chunk is present; grey or RGB with `tRNS` gains an alpha channel
/// (0 where the sample equals the key, else 255). Grey at 1, 2 or 4 bits is scaled to 0...255 (×255, ×85, ×17).
/// 16-bit samples keep their high byte, as Pillow does for RGB, RGBA and grey + alpha. (Pillow opens 16-bit grey
/// as mode `I;16` and its `convert("L")` saturates values over 255 instead; we keep the high byte there too.)
///
/// Strictness: every chunk's CRC is checked (Pillow skips the CRC of `IDAT` chunks), the zlib Adler-32 is
/// checked, and the file must reach `IEND`; compressed data beyond what the header implies is refused.
public enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Fuzzing hook (as libpng's FUZZING_BUILD_MODE): when false, chunk CRCs and the zlib Adler-32 are not
    /// checked, so that mutated inputs reach the code behind them. Always true outside the fuzz target.
    nonisolated(unsafe) static var verifiesChecksums = true

    struct Header {
        var width = 0, height = 0, bitDepth = 0, colorType = 0, interlaced = false
        /// Samples per pixel in the file (palette indices count as one).
        var samples: Int {
            switch colorType {
            case 0, 3: return 1
            case 4: return 2
            case 2: return 3
            default: return 4
            }
        }
        /// Bytes per complete pixel for filtering (at least 1).
        var filterStride: Int { max(1, samples * bitDepth / 8) }
        func rowBytes(_ w: Int) -> Int { (w * samples * bitDepth + 7) / 8 }
    }

    /// Adam7 passes: (x start, y start, x step, y step).
    static let adam7: [(Int, Int, Int, Int)] = [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ]

    /// Decodes a PNG file. Throws an `ImagingError` naming the chunk and byte offset for anything malformed.
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        guard bytes.count >= 8 else { throw ImagingError.truncated(format: "PNG", part: "signature", offset: bytes.count) }
        guard Array(bytes[0..<8]) == signature else {
            throw ImagingError.corrupt(format: "PNG", part: "signature", offset: 0, reason: "not a PNG signature")
        }
        var header: Header?
        var palette: [UInt8] = []
        var transparency: [UInt8]?
        var idat: [UInt8] = []
        var sawIDAT = false, sawIEND = false
        var pos = 8
        while !sawIEND {
            guard pos + 8 <= bytes.count else {
                throw ImagingError.truncated(format: "PNG", part: "chunk header", offset: pos)
            }
            let length = Int(readUInt32(bytes, pos))
            let nameBytes = bytes[(pos + 4)..<(pos + 8)]
            let name = String(decoding: nameBytes.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            guard length <= 0x7FFF_FFFF else {
                throw ImagingError.corrupt(format: "PNG", part: "chunk \(name)", offset: pos, reason: "length \(length)")
            }
            guard nameBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw ImagingError.corrupt(format: "PNG", part: "chunk \(name)", offset: pos + 4, reason: "bad chunk name")
            }
            let dataStart = pos + 8
            guard length <= bytes.count - dataStart, bytes.count - dataStart - length >= 4 else {
                throw ImagingError.truncated(format: "PNG", part: "chunk \(name)", offset: bytes.count)
            }
            let dataEnd = dataStart + length
            let crc = CRC32.checksum(bytes[(pos + 4)..<dataEnd])
            guard crc == readUInt32(bytes, dataEnd) || !verifiesChecksums else {
                throw ImagingError.corrupt(format: "PNG", part: "chunk \(name)", offset: dataEnd, reason: "CRC mismatch")
            }
            let data = bytes[dataStart..<dataEnd]
            func corrupt(_ reason: String) -> ImagingError {
                .corrupt(format: "PNG", part: "chunk \(name)", offset: dataStart, reason: reason)
            }
            if header == nil && name != "IHDR" { throw corrupt("first chunk must be IHDR") }
            switch name {
            case "IHDR":
                guard header == nil else { throw corrupt("second IHDR") }
                guard length == 13 else { throw corrupt("length \(length), expected 13") }
                var h = Header()
                h.width = Int(readUInt32(bytes, dataStart))
                h.height = Int(readUInt32(bytes, dataStart + 4))
                h.bitDepth = Int(bytes[dataStart + 8])
                h.colorType = Int(bytes[dataStart + 9])
                let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
                guard let depths = allowed[h.colorType] else { throw corrupt("colour type \(h.colorType)") }
                guard depths.contains(h.bitDepth) else {
                    throw corrupt("bit depth \(h.bitDepth) with colour type \(h.colorType)")
                }
                guard bytes[dataStart + 10] == 0, bytes[dataStart + 11] == 0 else {
                    throw corrupt("unknown compression or filter method")
                }
                guard bytes[dataStart + 12] <= 1 else { throw corrupt("interlace method \(bytes[dataStart + 12])") }
                h.interlaced = bytes[dataStart + 12] == 1
                guard h.width > 0, h.height > 0 else { throw corrupt("size \(h.width)x\(h.height)") }
                guard h.width <= Image.maximumSide, h.height <= Image.maximumSide,
                    h.width * h.height <= Image.maximumPixelCount
                else { throw ImagingError.tooLarge(format: "PNG", width: h.width, height: h.height) }
                header = h
            case "PLTE":
                guard length % 3 == 0, length > 0, length <= 768 else { throw corrupt("palette length \(length)") }
                palette = Array(data)
            case "tRNS":
                guard let h = header else { break }
                switch h.colorType {
                case 0: guard length == 2 else { throw corrupt("length \(length) for grey") }
                case 2: guard length == 6 else { throw corrupt("length \(length) for RGB") }
                case 3: guard length <= 256 else { throw corrupt("\(length) palette alphas") }
                default: break  // Not allowed with an alpha channel; ignored as Pillow does.
                }
                if h.colorType != 4 && h.colorType != 6 { transparency = Array(data) }
            case "IDAT":
                idat.append(contentsOf: data)
                sawIDAT = true
            case "IEND":
                sawIEND = true
            default:
                // Unknown chunks are skipped, as Pillow does.
                break
            }
            pos = dataEnd + 4
        }
        guard let h = header else { throw ImagingError.corrupt(format: "PNG", part: "IHDR", offset: 8, reason: "missing") }
        guard sawIDAT else { throw ImagingError.corrupt(format: "PNG", part: "IDAT", offset: pos, reason: "no image data") }
        if h.colorType == 3 && palette.isEmpty {
            throw ImagingError.corrupt(format: "PNG", part: "PLTE", offset: pos, reason: "missing for a palette image")
        }

        // Filtered size of every (pass) row, bounded by the checked header (at most 2^28 pixels × 8 bytes).
        let passes: [(Int, Int, Int, Int)] = h.interlaced ? adam7 : [(0, 0, 1, 1)]
        var expected = 0
        for (x0, y0, dx, dy) in passes {
            let pw = (h.width - x0 + dx - 1) / dx, ph = (h.height - y0 + dy - 1) / dy
            if pw > 0 && ph > 0 { expected += ph * (1 + h.rowBytes(pw)) }
        }
        var raw = try Inflate.zlib(idat, limit: expected, part: "IDAT zlib stream")
        guard raw.count == expected else {
            throw ImagingError.truncated(format: "PNG", part: "IDAT image data (\(raw.count) of \(expected) bytes)", offset: pos)
        }
        idat = []
        return try expand(&raw, header: h, passes: passes, palette: palette, transparency: transparency)
    }

    static func readUInt32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    /// Unfilters every row in place and converts samples to 8-bit pixels.
    static func expand(
        _ raw: inout [UInt8], header h: Header, passes: [(Int, Int, Int, Int)], palette: [UInt8], transparency: [UInt8]?
    ) throws -> Image {
        let outChannels: Int
        switch h.colorType {
        case 0: outChannels = transparency == nil ? 1 : 2
        case 2: outChannels = transparency == nil ? 3 : 4
        case 3: outChannels = transparency == nil ? 3 : 4
        case 4: outChannels = 2
        default: outChannels = 4
        }
        // Palette as RGBA, 256 entries; indices past the palette are opaque black.
        var lut = [UInt8](repeating: 0, count: 1024)
        let alphas = h.colorType == 3 ? (transparency ?? []) : []
        for i in 0..<256 {
            if i * 3 + 2 < palette.count {
                lut[i * 4] = palette[i * 3]
                lut[i * 4 + 1] = palette[i * 3 + 1]
                lut[i * 4 + 2] = palette[i * 3 + 2]
            }
            lut[i * 4 + 3] = i < alphas.count ? alphas[i] : 255
        }
        // Colour key for grey / RGB tRNS, in file sample units.
        var key: [Int] = []
        if let t = transparency, h.colorType == 0 || h.colorType == 2 {
            for i in stride(from: 0, to: t.count - 1, by: 2) { key.append(Int(t[i]) << 8 | Int(t[i + 1])) }
        }
        let width = h.width
        var pixels = [UInt8](repeating: 0, count: width * h.height * outChannels)
        let depth = h.bitDepth, samples = h.samples, stride = h.filterStride
        let scale = depth == 1 ? 255 : depth == 2 ? 85 : depth == 4 ? 17 : 1
        var offset = 0
        try raw.withUnsafeMutableBufferPointer { rawp in
            try pixels.withUnsafeMutableBufferPointer { out in
                try lut.withUnsafeBufferPointer { lut in
                    var previous = [UInt8]()
                    for (x0, y0, dx, dy) in passes {
                        let pw = (width - x0 + dx - 1) / dx, ph = (h.height - y0 + dy - 1) / dy
                        if pw <= 0 || ph <= 0 { continue }
                        let rowBytes = h.rowBytes(pw)
                        previous = [UInt8](repeating: 0, count: rowBytes)
                        for py in 0..<ph {
                            let filter = rawp[offset]
                            let row = UnsafeMutableBufferPointer(rebasing: rawp[(offset + 1)..<(offset + 1 + rowBytes)])
                            try unfilter(filter, row, previous, stride: stride, at: offset)
                            // Sample i of this row at the file's bit depth.
                            @inline(__always) func sample(_ i: Int) -> Int {
                                switch depth {
                                case 8: return Int(row[i])
                                case 16: return Int(row[2 * i]) << 8 | Int(row[2 * i + 1])
                                default:
                                    let bit = i * depth
                                    return Int(row[bit >> 3] >> UInt8(8 - depth - (bit & 7))) & ((1 << depth) - 1)
                                }
                            }
                            let y = y0 + py * dy
                            for px in 0..<pw {
                                let o = (y * width + x0 + px * dx) * outChannels
                                let s = px * samples
                                switch h.colorType {
                                case 3:
                                    let e = sample(s) * 4
                                    out[o] = lut[e]
                                    out[o + 1] = lut[e + 1]
                                    out[o + 2] = lut[e + 2]
                                    if outChannels == 4 { out[o + 3] = lut[e + 3] }
                                case 0:
                                    let v = sample(s)
                                    out[o] = UInt8(truncatingIfNeeded: depth == 16 ? v >> 8 : v * scale)
                                    if outChannels == 2 { out[o + 1] = v == key.first ? 0 : 255 }
                                case 2:
                                    let r = sample(s), g = sample(s + 1), b = sample(s + 2)
                                    let shift = depth == 16 ? 8 : 0
                                    out[o] = UInt8(truncatingIfNeeded: r >> shift)
                                    out[o + 1] = UInt8(truncatingIfNeeded: g >> shift)
                                    out[o + 2] = UInt8(truncatingIfNeeded: b >> shift)
                                    if outChannels == 4 {
                                        out[o + 3] = key.count == 3 && r == key[0] && g == key[1] && b == key[2] ? 0 : 255
                                    }
                                default:
                                    let shift = depth == 16 ? 8 : 0
                                    for c in 0..<samples { out[o + c] = UInt8(truncatingIfNeeded: sample(s + c) >> shift) }
                                }
                            }
                            previous = Array(row)
                            offset += 1 + rowBytes
                        }
                    }
                }
            }
        }
        return Image(unchecked: width, h.height, outChannels, pixels)
    }

    /// Reverses one row's filter in place (PNG filter types 0-4), given the previous unfiltered row.
    @inline(__always)
    static func unfilter(
        _ filter: UInt8, _ row: UnsafeMutableBufferPointer<UInt8>, _ prior: [UInt8], stride bpp: Int, at offset: Int
    ) throws {
        let n = row.count
        try prior.withUnsafeBufferPointer { up in
            switch filter {
            case 0: break
            case 1:
                for i in bpp..<max(n, bpp) { row[i] = row[i] &+ row[i - bpp] }
            case 2:
                for i in 0..<n { row[i] = row[i] &+ up[i] }
            case 3:
                for i in 0..<n {
                    let left = i >= bpp ? Int(row[i - bpp]) : 0
                    row[i] = row[i] &+ UInt8(truncatingIfNeeded: (left + Int(up[i])) >> 1)
                }
            case 4:
                for i in 0..<n {
                    let a = i >= bpp ? Int(row[i - bpp]) : 0
                    let b = Int(up[i])
                    let c = i >= bpp ? Int(up[i - bpp]) : 0
                    row[i] = row[i] &+ UInt8(truncatingIfNeeded: paeth(a, b, c))
                }
            default:
                throw ImagingError.corrupt(
                    format: "PNG", part: "IDAT row filter", offset: offset, reason: "filter type \(filter)")
            }
        }
    }

    @inline(__always) static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
    }
}
