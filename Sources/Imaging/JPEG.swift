// Follows ITU T.81 (JPEG) for parsing and entropy decoding, and libjpeg-turbo (as Pillow uses it) for the
// output math: the islow integer IDCT (jidctint.c), "fancy" triangular chroma upsampling (jdsample.c) and the
// fixed-point YCbCr→RGB tables (jdcolor.c).

/// JPEG decoding: baseline, extended sequential and progressive Huffman-coded files with 8-bit samples,
/// greyscale or YCbCr/RGB with any integral sampling factors up to 4×4, restart markers and any APPn/COM segments.
///
/// Returns 1 channel for greyscale and 3 (RGB) otherwise. Pixels match libjpeg-turbo's default decode (what Pillow
/// returns) within one level. Refused with an `ImagingError`: arithmetic coding, lossless and hierarchical modes,
/// 12-bit samples, CMYK/YCCK (4 components), DNL-defined heights; and, stricter than libjpeg, any scan whose
/// entropy-coded data ends early, a missing restart marker, or a file that ends before EOI.
public enum JPEG {
    /// Decodes a JPEG file.
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        var decoder = JPEGFrameDecoder(bytes)
        return try decoder.run()
    }
}

/// One component of a frame, with its quantized coefficients.
struct JPEGComponent {
    var id: Int
    var h: Int
    var v: Int
    var quantTable: Int
    /// Blocks per row / column as allocated (padded to whole MCUs).
    var blocksWide = 0, blocksHigh = 0
    /// Blocks actually covering this component's samples (used by non-interleaved scans).
    var usedBlocksWide = 0, usedBlocksHigh = 0
    /// Samples covering the image at this component's resolution (libjpeg's downsampled_width/height).
    var width = 0, height = 0
    var coefficients: [Int16] = []
    var dcTable = 0, acTable = 0
}

/// A JPEG Huffman table: a 9-bit lookup for short codes plus canonical limits for longer ones.
struct JPEGHuffman {
    var fast = [UInt16](repeating: 0, count: 512)  // length << 8 | symbol; 0 = longer than 9 bits or unused
    var maxCode = [Int](repeating: -1, count: 18)
    var valueOffset = [Int](repeating: 0, count: 18)
    var values: [UInt8] = []

    init() {}

    init(counts: [Int], values: [UInt8]) {
        self.values = values
        var code = 0, k = 0
        for len in 1...16 {
            let n = counts[len - 1]
            valueOffset[len] = k - code
            if n > 0 {
                for _ in 0..<n {
                    if len <= 9 {
                        let shift = 9 - len
                        for fill in 0..<(1 << shift) {
                            let index = code << shift | fill
                            if index < 512 { fast[index] = UInt16(len << 8) | UInt16(values[k]) }
                        }
                    }
                    code += 1
                    k += 1
                }
                maxCode[len] = code - 1
            }
            code <<= 1
        }
        maxCode[17] = Int.max
    }
}

/// Reads entropy-coded bits MSB first, removing 0xFF00 stuffing and stopping at markers. Past the end of the
/// segment it supplies zero bits and records that it did, so that the caller can refuse short scans.
struct JPEGBitReader {
    var position: Int
    var buffer: UInt64 = 0
    var count = 0
    var phantom = 0  // zero bits supplied past the data

    init(_ position: Int) { self.position = position }

    @inline(__always) mutating func refill(_ data: UnsafeBufferPointer<UInt8>) {
        while count <= 56 {
            var byte: UInt64 = 0
            if position < data.count {
                let b = data[position]
                if b == 0xFF {
                    let next = position + 1 < data.count ? data[position + 1] : 0xD9
                    if next == 0x00 {
                        byte = 0xFF
                        position += 2
                    } else {
                        phantom += 8  // a marker: leave it for the segment parser
                    }
                } else {
                    byte = UInt64(b)
                    position += 1
                }
            } else {
                phantom += 8
            }
            buffer |= byte << UInt64(56 - count)
            count += 8
        }
    }

    /// True when more bits were consumed than the segment holds.
    var overran: Bool { phantom > count }

    @inline(__always) mutating func bits(_ n: Int, _ data: UnsafeBufferPointer<UInt8>) -> Int {
        if n == 0 { return 0 }
        if count < n { refill(data) }
        let v = Int(truncatingIfNeeded: buffer >> UInt64(64 - n))
        buffer <<= UInt64(n)
        count -= n
        return v
    }

    /// Decodes a magnitude category `s` value (T.81 F.2.2.1 EXTEND).
    @inline(__always) mutating func signed(_ s: Int, _ data: UnsafeBufferPointer<UInt8>) -> Int {
        if s == 0 { return 0 }
        let v = bits(s, data)
        return v < 1 << (s - 1) ? v - (1 << s) + 1 : v
    }

    @inline(__always) mutating func decode(_ h: JPEGHuffman, _ data: UnsafeBufferPointer<UInt8>) throws -> Int {
        if count < 16 { refill(data) }
        let f = h.fast[Int(truncatingIfNeeded: buffer >> 55)]
        if f != 0 {
            let len = Int(f >> 8)
            buffer <<= UInt64(len)
            count -= len
            return Int(f & 255)
        }
        for len in 10...16 {
            let code = Int(truncatingIfNeeded: buffer >> UInt64(64 - len))
            if code <= h.maxCode[len] {
                buffer <<= UInt64(len)
                count -= len
                let index = h.valueOffset[len] + code
                guard index >= 0 && index < h.values.count else { break }
                return Int(h.values[index])
            }
        }
        throw ImagingError.corrupt(format: "JPEG", part: "scan data", offset: position, reason: "invalid Huffman code")
    }

    /// Drops buffered bits and moves past a restart marker RSTn; returns false if the next marker is not `n`.
    mutating func restart(_ n: Int, _ data: UnsafeBufferPointer<UInt8>) -> Bool {
        buffer = 0
        count = 0
        phantom = 0
        guard position < data.count, data[position] == 0xFF else { return false }
        var p = position
        while p < data.count && data[p] == 0xFF { p += 1 }  // fill bytes before the marker
        guard p < data.count, Int(data[p]) == 0xD0 + n else { return false }
        position = p + 1
        return true
    }
}

struct JPEGFrameDecoder {
    static let zigzag: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
        28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
        54, 47, 55, 62, 63,
    ]

    let data: [UInt8]
    var position = 2
    var quant = [[Int]](repeating: [Int](repeating: 0, count: 64), count: 4)
    var quantDefined = [Bool](repeating: false, count: 4)
    var dcTables = [JPEGHuffman?](repeating: nil, count: 4)
    var acTables = [JPEGHuffman?](repeating: nil, count: 4)
    var components: [JPEGComponent] = []
    var width = 0, height = 0
    var progressive = false
    var restartInterval = 0
    var maxH = 1, maxV = 1
    var mcusWide = 0, mcusHigh = 0
    var sawJFIF = false
    var adobeTransform: Int?

    init(_ data: [UInt8]) { self.data = data }

    func truncated(_ part: String, _ offset: Int) -> ImagingError {
        .truncated(format: "JPEG", part: part, offset: offset)
    }

    func corrupt(_ part: String, _ offset: Int, _ reason: String) -> ImagingError {
        .corrupt(format: "JPEG", part: part, offset: offset, reason: reason)
    }

    static func markerName(_ m: UInt8) -> String {
        switch m {
        case 0xC0...0xCF where m != 0xC4 && m != 0xC8 && m != 0xCC: return "SOF\(m - 0xC0)"
        case 0xC4: return "DHT"
        case 0xCC: return "DAC"
        case 0xD0...0xD7: return "RST\(m - 0xD0)"
        case 0xD8: return "SOI"
        case 0xD9: return "EOI"
        case 0xDA: return "SOS"
        case 0xDB: return "DQT"
        case 0xDC: return "DNL"
        case 0xDD: return "DRI"
        case 0xE0...0xEF: return "APP\(m - 0xE0)"
        case 0xFE: return "COM"
        default: return "marker 0x" + String(m, radix: 16, uppercase: true)
        }
    }

    mutating func run() throws -> Image {
        guard data.count >= 2 else { throw truncated("SOI", data.count) }
        guard data[0] == 0xFF, data[1] == 0xD8 else { throw corrupt("SOI", 0, "not a JPEG signature") }
        var frameSeen = false
        var scans = 0
        while true {
            // Find the next marker, skipping fill bytes.
            guard position < data.count else { throw truncated("marker", position) }
            guard data[position] == 0xFF else {
                throw corrupt("marker", position, "expected a marker, found 0x" + String(data[position], radix: 16))
            }
            while position < data.count && data[position] == 0xFF { position += 1 }
            guard position < data.count else { throw truncated("marker", position) }
            let marker = data[position]
            let markerOffset = position - 1
            position += 1
            let name = JPEGFrameDecoder.markerName(marker)
            if marker == 0xD9 {
                guard frameSeen, scans > 0 else { throw corrupt("EOI", markerOffset, "no image data before EOI") }
                break
            }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { continue }  // stray RSTn / TEM: no length
            guard position + 2 <= data.count else { throw truncated(name, position) }
            let length = Int(data[position]) << 8 | Int(data[position + 1])
            guard length >= 2 else { throw corrupt(name, position, "segment length \(length)") }
            guard position + length <= data.count else { throw truncated(name, data.count) }
            let start = position + 2, end = position + length
            position = end
            switch marker {
            case 0xDB: try readQuantTables(start, end)
            case 0xC4: try readHuffmanTables(start, end)
            case 0xDD:
                guard end - start >= 2 else { throw corrupt(name, start, "segment too short") }
                restartInterval = Int(data[start]) << 8 | Int(data[start + 1])
            case 0xC0, 0xC1, 0xC2:
                guard !frameSeen else { throw corrupt(name, markerOffset, "second frame header") }
                progressive = marker == 0xC2
                try readFrame(start, end, name: name)
                frameSeen = true
            case 0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                throw ImagingError.unsupported(
                    format: "JPEG", part: name, reason: "only baseline, extended and progressive Huffman JPEGs are decoded")
            case 0xDA:
                guard frameSeen else { throw corrupt(name, markerOffset, "scan before frame header") }
                try readScan(start, end)
                scans += 1
            case 0xE0:
                if end - start >= 5 && Array(data[start..<(start + 5)]) == Array("JFIF\0".utf8) { sawJFIF = true }
            case 0xEE:
                if end - start >= 12 && Array(data[start..<(start + 5)]) == Array("Adobe".utf8) {
                    adobeTransform = Int(data[start + 11])
                }
            case 0xDC:
                throw ImagingError.unsupported(format: "JPEG", part: name, reason: "height defined by DNL")
            default:
                break  // APPn, COM and others: skipped.
            }
        }
        return try output()
    }

    mutating func readQuantTables(_ start: Int, _ end: Int) throws {
        var p = start
        while p < end {
            let pq = Int(data[p] >> 4), tq = Int(data[p] & 15)
            guard pq <= 1, tq <= 3 else { throw corrupt("DQT", p, "precision \(pq), table \(tq)") }
            let size = pq == 0 ? 64 : 128
            guard p + 1 + size <= end else { throw corrupt("DQT", p, "table runs past the segment") }
            for i in 0..<64 {
                let v = pq == 0 ? Int(data[p + 1 + i]) : Int(data[p + 1 + 2 * i]) << 8 | Int(data[p + 2 + 2 * i])
                quant[tq][JPEGFrameDecoder.zigzag[i]] = v
            }
            quantDefined[tq] = true
            p += 1 + size
        }
    }

    mutating func readHuffmanTables(_ start: Int, _ end: Int) throws {
        var p = start
        while p < end {
            guard p + 17 <= end else { throw corrupt("DHT", p, "table runs past the segment") }
            let tc = Int(data[p] >> 4), th = Int(data[p] & 15)
            guard tc <= 1, th <= 3 else { throw corrupt("DHT", p, "class \(tc), table \(th)") }
            let counts = (0..<16).map { Int(data[p + 1 + $0]) }
            let total = counts.reduce(0, +)
            guard total <= 256, p + 17 + total <= end else { throw corrupt("DHT", p, "\(total) codes") }
            // Codes must fit their lengths (Kraft inequality).
            var room = 1
            for n in counts {
                room = room * 2 - n
                guard room >= 0 else { throw corrupt("DHT", p, "over-subscribed code lengths") }
            }
            let table = JPEGHuffman(counts: counts, values: Array(data[(p + 17)..<(p + 17 + total)]))
            if tc == 0 { dcTables[th] = table } else { acTables[th] = table }
            p += 17 + total
        }
    }

    mutating func readFrame(_ start: Int, _ end: Int, name: String) throws {
        guard end - start >= 6 else { throw corrupt(name, start, "segment too short") }
        let precision = Int(data[start])
        guard precision == 8 else {
            throw ImagingError.unsupported(format: "JPEG", part: name, reason: "\(precision)-bit samples")
        }
        height = Int(data[start + 1]) << 8 | Int(data[start + 2])
        width = Int(data[start + 3]) << 8 | Int(data[start + 4])
        let n = Int(data[start + 5])
        guard height > 0 else { throw ImagingError.unsupported(format: "JPEG", part: name, reason: "height defined by DNL") }
        guard width > 0 else { throw corrupt(name, start + 3, "width 0") }
        guard n == 1 || n == 3 else {
            if n == 4 {
                throw ImagingError.unsupported(format: "JPEG", part: name, reason: "4 components (CMYK/YCCK)")
            }
            throw corrupt(name, start + 5, "\(n) components")
        }
        guard end - start >= 6 + 3 * n else { throw corrupt(name, start, "segment too short for \(n) components") }
        components = []
        for i in 0..<n {
            let p = start + 6 + 3 * i
            let h = Int(data[p + 1] >> 4), v = Int(data[p + 1] & 15), tq = Int(data[p + 2])
            guard (1...4).contains(h), (1...4).contains(v), tq <= 3 else {
                throw corrupt(name, p, "component \(data[p]): sampling \(h)x\(v), table \(tq)")
            }
            guard !components.contains(where: { $0.id == Int(data[p]) }) else {
                throw corrupt(name, p, "duplicate component id \(data[p])")
            }
            components.append(JPEGComponent(id: Int(data[p]), h: h, v: v, quantTable: tq))
        }
        if n == 1 {
            // A single component is never subsampled, whatever its factors say.
            components[0].h = 1
            components[0].v = 1
        }
        maxH = components.map(\.h).max() ?? 1
        maxV = components.map(\.v).max() ?? 1
        for c in components where maxH % c.h != 0 || maxV % c.v != 0 {
            throw ImagingError.unsupported(format: "JPEG", part: name, reason: "fractional sampling \(c.h)x\(c.v) of \(maxH)x\(maxV)")
        }
        guard width <= Image.maximumSide, height <= Image.maximumSide, width * height <= Image.maximumPixelCount else {
            throw ImagingError.tooLarge(format: "JPEG", width: width, height: height)
        }
        mcusWide = (width + 8 * maxH - 1) / (8 * maxH)
        mcusHigh = (height + 8 * maxV - 1) / (8 * maxV)
        var totalBlocks = 0
        for i in components.indices {
            components[i].blocksWide = mcusWide * components[i].h
            components[i].blocksHigh = mcusHigh * components[i].v
            components[i].width = (width * components[i].h + maxH - 1) / maxH
            components[i].height = (height * components[i].v + maxV - 1) / maxV
            components[i].usedBlocksWide = (components[i].width + 7) / 8
            components[i].usedBlocksHigh = (components[i].height + 7) / 8
            totalBlocks += components[i].usedBlocksWide * components[i].usedBlocksHigh
        }
        // Every block's DC coefficient takes at least one bit of entropy-coded data, so a file this short cannot
        // hold the declared size: refuse it before allocating coefficients (a decompression-bomb guard).
        guard totalBlocks <= (data.count - start) * 8 else {
            throw corrupt(name, start + 1, "\(width)x\(height) needs more data than the file holds")
        }
        for i in components.indices {
            components[i].coefficients = [Int16](
                repeating: 0, count: components[i].blocksWide * components[i].blocksHigh * 64)
        }
    }

    mutating func readScan(_ start: Int, _ end: Int) throws {
        guard end - start >= 1 else { throw corrupt("SOS", start, "segment too short") }
        let n = Int(data[start])
        guard (1...4).contains(n), end - start >= 4 + 2 * n else { throw corrupt("SOS", start, "\(n) components") }
        var scanComponents: [Int] = []
        for i in 0..<n {
            let p = start + 1 + 2 * i
            guard let index = components.firstIndex(where: { $0.id == Int(data[p]) }) else {
                throw corrupt("SOS", p, "unknown component id \(data[p])")
            }
            guard !scanComponents.contains(index) else { throw corrupt("SOS", p, "component listed twice") }
            components[index].dcTable = Int(data[p + 1] >> 4)
            components[index].acTable = Int(data[p + 1] & 15)
            guard components[index].dcTable <= 3, components[index].acTable <= 3 else {
                throw corrupt("SOS", p + 1, "table selector")
            }
            scanComponents.append(index)
        }
        let p = start + 1 + 2 * n
        let ss = Int(data[p]), se = Int(data[p + 1]), ah = Int(data[p + 2] >> 4), al = Int(data[p + 2] & 15)
        if progressive {
            let valid = ss == 0 ? se == 0 : (ss <= se && se <= 63 && n == 1)
            guard valid, ah <= 13, al <= 13 else { throw corrupt("SOS", p, "spectral selection \(ss)...\(se), Ah \(ah) Al \(al)") }
        } else {
            guard ss == 0, se == 63, ah == 0, al == 0 else { throw corrupt("SOS", p, "sequential scan parameters") }
        }
        var blocksInMCU = 0
        for c in scanComponents { blocksInMCU += n == 1 ? 1 : components[c].h * components[c].v }
        guard blocksInMCU <= 10 else { throw corrupt("SOS", start, "\(blocksInMCU) blocks per MCU (limit 10)") }
        // The tables each scan needs must be defined.
        for c in scanComponents {
            let needsDC = !progressive || (ss == 0 && ah == 0)
            let needsAC = !progressive || ss > 0
            if needsDC && dcTables[components[c].dcTable] == nil { throw corrupt("SOS", start, "undefined DC table") }
            if needsAC && acTables[components[c].acTable] == nil { throw corrupt("SOS", start, "undefined AC table") }
            guard quantDefined[components[c].quantTable] else { throw corrupt("SOS", start, "undefined quantization table") }
        }
        var reader = JPEGBitReader(end)
        let mcusX = n == 1 ? components[scanComponents[0]].usedBlocksWide : mcusWide
        let mcusY = n == 1 ? components[scanComponents[0]].usedBlocksHigh : mcusHigh
        let totalMCUs = mcusX * mcusY
        var restartsLeft = restartInterval
        var nextRestart = 0
        // Move the coefficient arrays out while decoding so that blocks are written through plain pointers.
        var coefficients = scanComponents.map { c -> [Int16] in
            var a: [Int16] = []
            swap(&a, &components[c].coefficients)
            return a
        }
        defer { for (i, c) in scanComponents.enumerated() { swap(&coefficients[i], &components[c].coefficients) } }
        let dc = scanComponents.map { dcTables[components[$0].dcTable] ?? JPEGHuffman() }
        let ac = scanComponents.map { acTables[components[$0].acTable] ?? JPEGHuffman() }
        var preds = [Int](repeating: 0, count: scanComponents.count)
        let geometry = scanComponents.map { c in
            (n == 1 ? 1 : components[c].h, n == 1 ? 1 : components[c].v, components[c].blocksWide)
        }
        let isProgressive = progressive
        var run = 0
        try data.withUnsafeBufferPointer { bytes in
            for mcu in 0..<totalMCUs {
                if restartInterval > 0 {
                    if restartsLeft == 0 {
                        if reader.overran { throw truncated("scan data before RST\(nextRestart)", reader.position) }
                        guard reader.restart(nextRestart, bytes) else {
                            throw corrupt("scan data", reader.position, "expected RST\(nextRestart)")
                        }
                        nextRestart = (nextRestart + 1) & 7
                        restartsLeft = restartInterval
                        for i in preds.indices { preds[i] = 0 }
                        run = 0
                    }
                    restartsLeft -= 1
                }
                let mx = mcu % mcusX, my = mcu / mcusX
                for i in scanComponents.indices {
                    let (bw, bh, stride) = geometry[i]
                    try coefficients[i].withUnsafeMutableBufferPointer { all in
                        for v in 0..<bh {
                            for h in 0..<bw {
                                let offset = ((my * bh + v) * stride + mx * bw + h) * 64
                                guard offset + 64 <= all.count else { continue }
                                try JPEGFrameDecoder.decodeBlock(
                                    UnsafeMutableBufferPointer(rebasing: all[offset..<(offset + 64)]), dcTable: dc[i],
                                    acTable: ac[i], progressive: isProgressive, pred: &preds[i], eobRun: &run, ss: ss,
                                    se: se, ah: ah, al: al, &reader, bytes)
                            }
                        }
                    }
                }
                if reader.overran { throw truncated("scan data (MCU \(mcu) of \(totalMCUs))", reader.position) }
            }
        }
        // Resume parsing at the marker that ended the entropy-coded data.
        var q = reader.position
        while q + 1 < data.count && !(data[q] == 0xFF && data[q + 1] != 0x00 && !(0xD0...0xD7).contains(data[q + 1])) {
            q += 1
        }
        guard q + 1 < data.count else { throw truncated("scan data", data.count) }
        position = q
    }

    /// Decodes one block's share of the current scan into `block` (64 coefficients, natural order).
    @inline(__always)
    static func decodeBlock(
        _ block: UnsafeMutableBufferPointer<Int16>, dcTable: JPEGHuffman, acTable: JPEGHuffman, progressive: Bool,
        pred: inout Int, eobRun: inout Int, ss: Int, se: Int, ah: Int, al: Int, _ r: inout JPEGBitReader,
        _ bytes: UnsafeBufferPointer<UInt8>
    ) throws {
        func corrupt(_ part: String, _ offset: Int, _ reason: String) -> ImagingError {
            .corrupt(format: "JPEG", part: part, offset: offset, reason: reason)
        }
        let zz = JPEGFrameDecoder.zigzag
        var run = eobRun
        do {
            func magnitude(_ s: Int) throws -> Int {
                guard s <= 15 else { throw corrupt("scan data", r.position, "magnitude category \(s)") }
                return r.signed(s, bytes)
            }
            if !progressive {
                let t = try r.decode(dcTable, bytes)
                pred &+= try magnitude(t)
                block[0] = Int16(truncatingIfNeeded: pred)
                var k = 1
                while k < 64 {
                    let rs = try r.decode(acTable, bytes)
                    let run = rs >> 4, s = rs & 15
                    if s == 0 {
                        if run != 15 { break }
                        k += 16
                        continue
                    }
                    k += run
                    guard k < 64 else { throw corrupt("scan data", r.position, "coefficient index past 63") }
                    block[zz[k]] = Int16(truncatingIfNeeded: try magnitude(s))
                    k += 1
                }
            } else if ss == 0 {
                if ah == 0 {
                    let t = try r.decode(dcTable, bytes)
                    pred &+= try magnitude(t)
                    block[0] = Int16(truncatingIfNeeded: pred << al)
                } else if r.bits(1, bytes) == 1 {
                    block[0] |= Int16(truncatingIfNeeded: 1 << al)
                }
            } else if ah == 0 {
                if run > 0 {
                    run -= 1
                } else {
                    var k = ss
                    while k <= se {
                        let rs = try r.decode(acTable, bytes)
                        let rr = rs >> 4, s = rs & 15
                        if s == 0 {
                            if rr < 15 {
                                run = (1 << rr) - 1 + (rr > 0 ? r.bits(rr, bytes) : 0)
                                break
                            }
                            k += 16
                            continue
                        }
                        k += rr
                        guard k <= se else { throw corrupt("scan data", r.position, "coefficient index past \(se)") }
                        block[zz[k]] = Int16(truncatingIfNeeded: (try magnitude(s)) * (1 << al))
                        k += 1
                    }
                }
            } else {
                // Successive approximation refinement of AC coefficients (T.81 G.1.2.3).
                let p1 = 1 << al, m1 = -1 << al
                var k = ss
                @inline(__always) func refine(_ z: Int) {
                    if r.bits(1, bytes) == 1 {
                        let v = Int(block[z])
                        if v & p1 == 0 { block[z] = Int16(truncatingIfNeeded: v >= 0 ? v + p1 : v + m1) }
                    }
                }
                if run == 0 {
                    while k <= se {
                        let rs = try r.decode(acTable, bytes)
                        var rr = rs >> 4
                        let s = rs & 15
                        var value = 0
                        if s != 0 {
                            value = r.bits(1, bytes) == 1 ? p1 : m1
                        } else if rr != 15 {
                            run = (1 << rr) + (rr > 0 ? r.bits(rr, bytes) : 0)
                            break
                        }
                        while k <= se {
                            let z = zz[k]
                            if block[z] != 0 {
                                refine(z)
                            } else {
                                if rr == 0 { break }
                                rr -= 1
                            }
                            k += 1
                        }
                        if value != 0 && k <= se { block[zz[k]] = Int16(truncatingIfNeeded: value) }
                        k += 1
                    }
                }
                if run > 0 {
                    while k <= se {
                        let z = zz[k]
                        if block[z] != 0 { refine(z) }
                        k += 1
                    }
                    run -= 1
                }
            }
        }
        eobRun = run
    }
}
