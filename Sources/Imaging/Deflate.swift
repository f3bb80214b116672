// Follows RFC 1951 (DEFLATE) and RFC 1950 (zlib): greedy LZ77 over hash chains, one dynamic Huffman block per
// run of symbols, code lengths limited with the JPEG (ITU T.81 Annex K.3) adjustment.

/// Writes bits LSB first.
struct BitWriter {
    var bytes: [UInt8] = []
    var buffer: UInt64 = 0
    var count = 0

    @inline(__always) mutating func write(_ value: Int, _ n: Int) {
        buffer |= UInt64(truncatingIfNeeded: value) << UInt64(count)
        count += n
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    mutating func flush() {
        if count > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
        buffer = 0
        count = 0
    }
}

/// zlib/DEFLATE compression in pure Swift.
enum Deflate {
    static let windowSize = 32768
    static let hashBits = 15
    static let maxChain = 48
    static let niceLength = 128
    static let blockSymbols = 1 << 16

    /// Compresses `data` as a zlib stream (default compression header, Adler-32 trailer).
    static func zlib(_ data: [UInt8]) -> [UInt8] {
        var w = BitWriter()
        w.bytes.reserveCapacity(data.count / 2 + 64)
        w.write(0x78, 8)
        w.write(0x9C, 8)
        deflate(data, into: &w)
        w.flush()
        let a = Adler32.checksum(data)
        w.bytes += [UInt8(a >> 24), UInt8((a >> 16) & 255), UInt8((a >> 8) & 255), UInt8(a & 255)]
        return w.bytes
    }

    static let lengthCode: [UInt16] = {
        var t = [UInt16](repeating: 0, count: 259)
        for code in 0..<29 {
            let base = Inflate.lengthBase[code]
            let top = code == 28 ? 258 : base + (1 << Inflate.lengthExtra[code]) - 1
            for l in base...min(top, 258) where code == 28 || l != 258 { t[l] = UInt16(code) }
        }
        t[258] = 28
        return t
    }()

    @inline(__always) static func distanceCode(_ d: Int) -> Int {
        var c = 0
        while c < 29 && Inflate.distanceBase[c + 1] <= d { c += 1 }
        return c
    }

    /// LZ77 with hash chains; symbols are flushed as dynamic Huffman blocks.
    static func deflate(_ data: [UInt8], into w: inout BitWriter) {
        let n = data.count
        var lits = [UInt16](), dists = [UInt16]()
        lits.reserveCapacity(blockSymbols + 2)
        dists.reserveCapacity(blockSymbols + 2)
        var head = [Int32](repeating: -1, count: 1 << hashBits)
        var prev = [Int32](repeating: -1, count: windowSize)
        let distCodeTable: [UInt8] = {
            // Distance code for d-1 < 256 directly, and for larger distances by (d-1) >> 7.
            var t = [UInt8](repeating: 0, count: 512)
            for d in 1...256 { t[d - 1] = UInt8(distanceCode(d)) }
            for i in 2..<256 { t[256 + i] = UInt8(distanceCode((i << 7) + 1)) }
            return t
        }()
        data.withUnsafeBufferPointer { src in
            head.withUnsafeMutableBufferPointer { head in
                prev.withUnsafeMutableBufferPointer { prev in
                    @inline(__always) func hash(_ i: Int) -> Int {
                        let v = Int(src[i]) << 16 | Int(src[i + 1]) << 8 | Int(src[i + 2])
                        return (v &* 0x9E3779B1) >> (32 - hashBits) & ((1 << hashBits) - 1)
                    }
                    @inline(__always) func insert(_ i: Int) {
                        let h = hash(i)
                        prev[i & (windowSize - 1)] = head[h]
                        head[h] = Int32(i)
                    }
                    var i = 0
                    while i < n {
                        var bestLength = 0, bestDistance = 0
                        if i + 3 <= n {
                            let maxLength = min(258, n - i)
                            var candidate = Int(head[hash(i)])
                            var chain = maxChain
                            while candidate >= 0 && i - candidate <= windowSize && chain > 0 {
                                chain -= 1
                                if src[candidate + bestLength] == src[i + bestLength] {
                                    var l = 0
                                    while l < maxLength && src[candidate + l] == src[i + l] { l += 1 }
                                    if l > bestLength {
                                        bestLength = l
                                        bestDistance = i - candidate
                                        if l >= niceLength || l == maxLength { break }
                                    }
                                }
                                let next = Int(prev[candidate & (windowSize - 1)])
                                if next >= candidate { break }
                                candidate = next
                            }
                            insert(i)
                        }
                        if bestLength >= 3 {
                            lits.append(UInt16(257 + Int(lengthCode[bestLength])))
                            lits.append(UInt16(bestLength))
                            dists.append(UInt16(bestDistance))
                            let end = i + bestLength
                            i += 1
                            while i < end {
                                if i + 3 <= n { insert(i) }
                                i += 1
                            }
                        } else {
                            lits.append(UInt16(src[i]))
                            i += 1
                        }
                        if lits.count >= blockSymbols {
                            writeBlock(lits, dists, final: false, distCodes: distCodeTable, into: &w)
                            lits.removeAll(keepingCapacity: true)
                            dists.removeAll(keepingCapacity: true)
                        }
                    }
                }
            }
        }
        writeBlock(lits, dists, final: true, distCodes: distCodeTable, into: &w)
    }

    /// Writes one dynamic-Huffman block. `lits` holds literals (< 256) and, for matches, the length symbol followed
    /// by the match length; `dists` holds one distance per match.
    static func writeBlock(_ lits: [UInt16], _ dists: [UInt16], final: Bool, distCodes: [UInt8], into w: inout BitWriter) {
        @inline(__always) func dcode(_ d: Int) -> Int { d <= 256 ? Int(distCodes[d - 1]) : Int(distCodes[256 + ((d - 1) >> 7)]) }
        var litFreq = [Int](repeating: 0, count: 286)
        var distFreq = [Int](repeating: 0, count: 30)
        var i = 0, m = 0
        while i < lits.count {
            let s = Int(lits[i])
            litFreq[s] += 1
            if s > 256 {
                distFreq[dcode(Int(dists[m]))] += 1
                m += 1
                i += 2
            } else {
                i += 1
            }
        }
        litFreq[256] = 1
        let litLengths = codeLengths(litFreq, limit: 15)
        let distLengths = codeLengths(distFreq, limit: 15)
        let litCodes = canonicalCodes(litLengths)
        let distCodesH = canonicalCodes(distLengths)

        var hlit = 286
        while hlit > 257 && litLengths[hlit - 1] == 0 { hlit -= 1 }
        var hdist = 30
        while hdist > 1 && distLengths[hdist - 1] == 0 { hdist -= 1 }
        // Run-length code the concatenated code lengths with symbols 16 (repeat previous), 17 and 18 (zeros).
        let all = Array(litLengths[0..<hlit]) + Array(distLengths[0..<hdist])
        var rle: [(Int, Int, Int)] = []  // (symbol, extra value, extra bits)
        var k = 0
        while k < all.count {
            let v = all[k]
            var run = 1
            while k + run < all.count && all[k + run] == v { run += 1 }
            if v == 0 && run >= 3 {
                let r = min(run, 138)
                rle.append(r >= 11 ? (18, r - 11, 7) : (17, r - 3, 3))
                k += r
            } else if v != 0 && run >= 4 {
                rle.append((Int(v), 0, 0))
                let r = min(run - 1, 6)
                rle.append((16, r - 3, 2))
                k += 1 + r
            } else {
                rle.append((Int(v), 0, 0))
                k += 1
            }
        }
        var clFreq = [Int](repeating: 0, count: 19)
        for (s, _, _) in rle { clFreq[s] += 1 }
        let clLengths = codeLengths(clFreq, limit: 7)
        let clCodes = canonicalCodes(clLengths)
        var hclen = 19
        while hclen > 4 && clLengths[Inflate.codeLengthOrder[hclen - 1]] == 0 { hclen -= 1 }

        w.write(final ? 1 : 0, 1)
        w.write(2, 2)
        w.write(hlit - 257, 5)
        w.write(hdist - 1, 5)
        w.write(hclen - 4, 4)
        for j in 0..<hclen { w.write(Int(clLengths[Inflate.codeLengthOrder[j]]), 3) }
        for (s, extra, bits) in rle {
            w.write(clCodes[s], Int(clLengths[s]))
            if bits > 0 { w.write(extra, bits) }
        }
        i = 0
        m = 0
        while i < lits.count {
            let s = Int(lits[i])
            w.write(litCodes[s], Int(litLengths[s]))
            if s > 256 {
                let length = Int(lits[i + 1])
                let lc = s - 257
                if Inflate.lengthExtra[lc] > 0 { w.write(length - Inflate.lengthBase[lc], Inflate.lengthExtra[lc]) }
                let d = Int(dists[m])
                let dc = dcode(d)
                w.write(distCodesH[dc], Int(distLengths[dc]))
                if Inflate.distanceExtra[dc] > 0 { w.write(d - Inflate.distanceBase[dc], Inflate.distanceExtra[dc]) }
                m += 1
                i += 2
            } else {
                i += 1
            }
        }
        w.write(litCodes[256], Int(litLengths[256]))
    }

    /// Huffman code lengths for `freq`, none longer than `limit`. At least two symbols get a code so that every
    /// decoder accepts the table.
    static func codeLengths(_ freqIn: [Int], limit: Int) -> [UInt8] {
        var freq = freqIn
        var used = freq.indices.filter { freq[$0] > 0 }
        for s in freq.indices where used.count < 2 && freq[s] == 0 {
            freq[s] = 1
            used.append(s)
        }
        // Build the tree by repeatedly joining the two lightest nodes (n <= 286, so a simple scan is fine).
        var weight = used.map { freq[$0] }
        var parent = [Int](repeating: -1, count: used.count)
        var active = Array(weight.indices)
        while active.count > 1 {
            active.sort { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 > $1 }
            let a = active.removeLast(), b = active.removeLast()
            let node = weight.count
            weight.append(weight[a] + weight[b])
            parent.append(-1)
            parent[a] = node
            parent[b] = node
            active.append(node)
        }
        var depth = [Int](repeating: 0, count: used.count)
        var counts = [Int](repeating: 0, count: 64)
        for leaf in used.indices {
            var d = 0, p = parent[leaf]
            while p >= 0 {
                d += 1
                p = parent[p]
            }
            depth[leaf] = min(d, 63)
            counts[depth[leaf]] += 1
        }
        // Limit lengths: move pairs of the deepest leaves up while keeping the Kraft sum exactly 1.
        var top = 63
        while top > limit {
            while counts[top] > 0 {
                var j = top - 2
                while j > 0 && counts[j] == 0 { j -= 1 }
                counts[top] -= 2
                counts[top - 1] += 1
                counts[j + 1] += 2
                counts[j] -= 1
            }
            top -= 1
        }
        // Shortest codes to the most frequent symbols.
        let order = used.indices.sorted { freq[used[$0]] != freq[used[$1]] ? freq[used[$0]] > freq[used[$1]] : used[$0] < used[$1] }
        var lengths = [UInt8](repeating: 0, count: freq.count)
        var len = 1
        for idx in order {
            while len <= limit && counts[len] == 0 { len += 1 }
            counts[len] -= 1
            lengths[used[idx]] = UInt8(len)
        }
        return lengths
    }

    /// Canonical codes for `lengths`, bit-reversed for LSB-first writing.
    static func canonicalCodes(_ lengths: [UInt8]) -> [Int] {
        var count = [Int](repeating: 0, count: 16)
        for l in lengths { count[Int(l)] += 1 }
        count[0] = 0
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for len in 1...15 {
            code = (code + count[len - 1]) << 1
            next[len] = code
        }
        var codes = [Int](repeating: 0, count: lengths.count)
        for (s, l) in lengths.enumerated() where l > 0 {
            let len = Int(l)
            let c = next[len]
            next[len] += 1
            var r = 0
            for b in 0..<len where c & (1 << b) != 0 { r |= 1 << (len - 1 - b) }
            codes[s] = r
        }
        return codes
    }
}
