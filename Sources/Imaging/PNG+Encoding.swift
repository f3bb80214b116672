extension PNG {
    /// Encodes an 8-bit image as PNG: 1 channel as grey, 2 as grey + alpha, 3 as RGB, 4 as RGBA; not interlaced.
    /// Each row gets the filter whose output has the smallest sum of absolute (signed) values, the usual heuristic.
    public static func encode(_ image: Image) -> [UInt8] {
        let w = image.width, h = image.height, c = image.channels
        let rowBytes = w * c
        var filtered = [UInt8](repeating: 0, count: h * (rowBytes + 1))
        image.pixels.withUnsafeBufferPointer { px in
            filtered.withUnsafeMutableBufferPointer { out in
                var candidate = [UInt8](repeating: 0, count: rowBytes)
                let zero = [UInt8](repeating: 0, count: rowBytes)
                zero.withUnsafeBufferPointer { zero in
                    candidate.withUnsafeMutableBufferPointer { cand in
                        for y in 0..<h {
                            let row = UnsafeBufferPointer(rebasing: px[(y * rowBytes)..<((y + 1) * rowBytes)])
                            let up = y > 0 ? UnsafeBufferPointer(rebasing: px[((y - 1) * rowBytes)..<(y * rowBytes)]) : zero
                            let dest = UnsafeMutableBufferPointer(rebasing: out[(y * (rowBytes + 1) + 1)..<((y + 1) * (rowBytes + 1))])
                            var bestSum = Int.max
                            for f in 0..<5 {
                                var sum = 0
                                for i in 0..<rowBytes {
                                    let a = i >= c ? Int(row[i - c]) : 0
                                    let b = Int(up[i])
                                    let cc = i >= c ? Int(up[i - c]) : 0
                                    let predictor: Int
                                    switch f {
                                    case 0: predictor = 0
                                    case 1: predictor = a
                                    case 2: predictor = b
                                    case 3: predictor = (a + b) >> 1
                                    default: predictor = paeth(a, b, cc)
                                    }
                                    let v = UInt8(truncatingIfNeeded: Int(row[i]) &- predictor)
                                    cand[i] = v
                                    sum += v < 128 ? Int(v) : 256 - Int(v)
                                }
                                if sum < bestSum {
                                    bestSum = sum
                                    out[y * (rowBytes + 1)] = UInt8(f)
                                    for i in 0..<rowBytes { dest[i] = cand[i] }
                                }
                            }
                        }
                    }
                }
            }
        }
        let compressed = Deflate.zlib(filtered)
        var file = signature
        var ihdr = [UInt8]()
        appendUInt32(&ihdr, UInt32(w))
        appendUInt32(&ihdr, UInt32(h))
        ihdr += [8, [0, 0, 4, 2, 6][c], 0, 0, 0]
        appendChunk(&file, "IHDR", ihdr[...])
        var start = 0
        repeat {
            let end = min(start + 65536, compressed.count)
            appendChunk(&file, "IDAT", compressed[start..<end])
            start = end
        } while start < compressed.count
        appendChunk(&file, "IEND", [][...])
        return file
    }

    static func appendUInt32(_ b: inout [UInt8], _ v: UInt32) {
        b += [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)]
    }

    static func appendChunk(_ file: inout [UInt8], _ name: String, _ data: ArraySlice<UInt8>) {
        appendUInt32(&file, UInt32(data.count))
        let start = file.count
        file += Array(name.utf8)
        file += data
        appendUInt32(&file, CRC32.checksum(file[start...]))
    }
}
