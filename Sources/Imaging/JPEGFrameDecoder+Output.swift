// Follows libjpeg-turbo: jidctint.c (islow IDCT), jdsample.c (fancy upsampling) and jdcolor.c (YCbCr→RGB).

extension JPEGFrameDecoder {
    /// Dequantizes and inverse-transforms every block, upsamples chroma and converts to RGB.
    func output() throws -> Image {
        var planes: [[UInt8]] = []
        for c in components {
            guard c.coefficients.count == c.blocksWide * c.blocksHigh * 64 else {
                throw corrupt("frame", 0, "component \(c.id) has no coefficients")
            }
            var plane = [UInt8](repeating: 0, count: c.blocksWide * 8 * c.blocksHigh * 8)
            let q = quant[c.quantTable]
            c.coefficients.withUnsafeBufferPointer { coef in
                plane.withUnsafeMutableBufferPointer { out in
                    q.withUnsafeBufferPointer { q in
                        for by in 0..<c.blocksHigh {
                            for bx in 0..<c.blocksWide {
                                JPEGFrameDecoder.inverseDCT(
                                    UnsafeBufferPointer(rebasing: coef[((by * c.blocksWide + bx) * 64)...]), q, out,
                                    at: by * 8 * c.blocksWide * 8 + bx * 8, stride: c.blocksWide * 8)
                            }
                        }
                    }
                }
            }
            planes.append(upsample(plane, c))
        }
        let n = width * height
        if components.count == 1 {
            return Image(unchecked: width, height, 1, planes[0])
        }
        var pixels = [UInt8](repeating: 0, count: n * 3)
        let isRGB =
            adobeTransform == 0
            || (!sawJFIF && adobeTransform == nil && components.map(\.id) == [0x52, 0x47, 0x42])
        pixels.withUnsafeMutableBufferPointer { out in
            if isRGB {
                for i in 0..<n {
                    out[i * 3] = planes[0][i]
                    out[i * 3 + 1] = planes[1][i]
                    out[i * 3 + 2] = planes[2][i]
                }
                return
            }
            let t = JPEGFrameDecoder.colorTables
            t.crR.withUnsafeBufferPointer { crR in
                t.cbB.withUnsafeBufferPointer { cbB in
                    t.crG.withUnsafeBufferPointer { crG in
                        t.cbG.withUnsafeBufferPointer { cbG in
                            planes[0].withUnsafeBufferPointer { yp in
                                planes[1].withUnsafeBufferPointer { cbp in
                                    planes[2].withUnsafeBufferPointer { crp in
                                        for i in 0..<n {
                                            let y = Int(yp[i]), cb = Int(cbp[i]), cr = Int(crp[i])
                                            out[i * 3] = clamp(y + crR[cr])
                                            out[i * 3 + 1] = clamp(y + ((cbG[cb] + crG[cr]) >> 16))
                                            out[i * 3 + 2] = clamp(y + cbB[cb])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Image(unchecked: width, height, 3, pixels)
    }

    /// libjpeg's fixed-point YCbCr→RGB tables (16 fractional bits, rounded).
    static let colorTables: (crR: [Int], cbB: [Int], crG: [Int], cbG: [Int]) = {
        func fix(_ x: Double) -> Int { Int(x * 65536 + 0.5) }
        let half = 1 << 15
        var crR = [Int](), cbB = [Int](), crG = [Int](), cbG = [Int]()
        for i in 0..<256 {
            let x = i - 128
            crR.append((fix(1.40200) * x + half) >> 16)
            cbB.append((fix(1.77200) * x + half) >> 16)
            crG.append(-fix(0.71414) * x)
            cbG.append(-fix(0.34414) * x + half)
        }
        return (crR, cbB, crG, cbG)
    }()

    /// The component's samples at full image resolution (`width * height`), upsampled as libjpeg-turbo does by
    /// default: triangular ("fancy") filters for 2×1, 1×2 and 2×2 (2×1 and 2×2 only when the component is more than
    /// two samples wide), sample replication for other integral factors; edges replicate the last real sample.
    func upsample(_ plane: [UInt8], _ c: JPEGComponent) -> [UInt8] {
        let hx = maxH / c.h, vx = maxV / c.v
        let stride = c.blocksWide * 8
        let cw = c.width, ch = c.height
        var out = [UInt8](repeating: 0, count: width * height)
        let w = width, h = height
        plane.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                @inline(__always) func at(_ x: Int, _ y: Int) -> Int { Int(p[min(max(y, 0), ch - 1) * stride + x]) }
                switch (hx, vx) {
                case (1, 1):
                    for y in 0..<h { for x in 0..<w { o[y * w + x] = p[y * stride + x] } }
                case (2, 1) where cw > 2:
                    for y in 0..<h {
                        var row = [UInt8](repeating: 0, count: 2 * cw)
                        row[0] = UInt8(at(0, y))
                        row[1] = UInt8((at(0, y) * 3 + at(1, y) + 2) >> 2)
                        for i in 1..<(cw - 1) {
                            let v = at(i, y) * 3
                            row[2 * i] = UInt8((v + at(i - 1, y) + 1) >> 2)
                            row[2 * i + 1] = UInt8((v + at(i + 1, y) + 2) >> 2)
                        }
                        row[2 * cw - 2] = UInt8((at(cw - 1, y) * 3 + at(cw - 2, y) + 1) >> 2)
                        row[2 * cw - 1] = UInt8(at(cw - 1, y))
                        for x in 0..<w { o[y * w + x] = row[x] }
                    }
                case (1, 2):
                    for y in 0..<h {
                        let j = y / 2, far = y % 2 == 0 ? j - 1 : j + 1
                        for x in 0..<w { o[y * w + x] = UInt8((at(x, j) * 3 + at(x, far) + 1) >> 2) }
                    }
                case (2, 2) where cw > 2:
                    var sums = [Int](repeating: 0, count: cw)
                    var row = [UInt8](repeating: 0, count: 2 * cw)
                    for y in 0..<h {
                        let j = y / 2, far = y % 2 == 0 ? j - 1 : j + 1
                        for i in 0..<cw { sums[i] = at(i, j) * 3 + at(i, far) }
                        row[0] = UInt8((sums[0] * 4 + 8) >> 4)
                        row[1] = UInt8((sums[0] * 3 + sums[1] + 7) >> 4)
                        for i in 1..<(cw - 1) {
                            row[2 * i] = UInt8((sums[i] * 3 + sums[i - 1] + 8) >> 4)
                            row[2 * i + 1] = UInt8((sums[i] * 3 + sums[i + 1] + 7) >> 4)
                        }
                        row[2 * cw - 2] = UInt8((sums[cw - 1] * 3 + sums[cw - 2] + 8) >> 4)
                        row[2 * cw - 1] = UInt8((sums[cw - 1] * 4 + 7) >> 4)
                        for x in 0..<w { o[y * w + x] = row[x] }
                    }
                default:
                    for y in 0..<h {
                        let sy = y / vx
                        for x in 0..<w { o[y * w + x] = p[sy * stride + x / hx] }
                    }
                }
            }
        }
        return out
    }

    /// libjpeg's islow inverse DCT: 13-bit fixed-point constants, 2 extra bits between passes, and its
    /// wrap-around range limiting of the final values. Writes 8×8 samples at `out[at]` with row `stride`.
    @inline(__always)
    static func inverseDCT(
        _ coef: UnsafeBufferPointer<Int16>, _ q: UnsafeBufferPointer<Int>, _ out: UnsafeMutableBufferPointer<UInt8>,
        at base: Int, stride: Int
    ) {
        let constBits = 13, pass1Bits = 2
        let f0298 = 2446, f0390 = 3196, f0541 = 4433, f0765 = 6270, f0899 = 7373, f1175 = 9633
        let f1501 = 12299, f1847 = 15137, f1961 = 16069, f2053 = 16819, f2562 = 20995, f3072 = 25172
        var ws = [Int32](repeating: 0, count: 64)
        @inline(__always) func descale(_ x: Int, _ n: Int) -> Int { (x &+ (1 << (n - 1))) >> n }
        ws.withUnsafeMutableBufferPointer { ws in
            for col in 0..<8 {
                @inline(__always) func c(_ row: Int) -> Int { Int(coef[row * 8 + col]) &* q[row * 8 + col] }
                if coef[8 + col] == 0 && coef[16 + col] == 0 && coef[24 + col] == 0 && coef[32 + col] == 0
                    && coef[40 + col] == 0 && coef[48 + col] == 0 && coef[56 + col] == 0
                {
                    let dc = Int32(truncatingIfNeeded: c(0) << pass1Bits)
                    for row in 0..<8 { ws[row * 8 + col] = dc }
                    continue
                }
                var z2 = c(2), z3 = c(6)
                var z1 = (z2 &+ z3) &* f0541
                var tmp2 = z1 &+ z3 &* -f1847
                var tmp3 = z1 &+ z2 &* f0765
                z2 = c(0)
                z3 = c(4)
                var tmp0 = (z2 &+ z3) << constBits
                var tmp1 = (z2 &- z3) << constBits
                let tmp10 = tmp0 &+ tmp3, tmp13 = tmp0 &- tmp3, tmp11 = tmp1 &+ tmp2, tmp12 = tmp1 &- tmp2
                tmp3 = c(1)
                tmp2 = c(3)
                tmp1 = c(5)
                tmp0 = c(7)
                var z4 = tmp1 &+ tmp3
                z3 = tmp0 &+ tmp2
                z2 = tmp1 &+ tmp2
                z1 = tmp0 &+ tmp3
                let z5 = (z3 &+ z4) &* f1175
                tmp3 = tmp3 &* f1501
                tmp2 = tmp2 &* f3072
                tmp1 = tmp1 &* f2053
                tmp0 = tmp0 &* f0298
                z4 = z4 &* -f0390 &+ z5
                z3 = z3 &* -f1961 &+ z5
                z1 = z1 &* -f0899
                z2 = z2 &* -f2562
                tmp3 = tmp3 &+ z1 &+ z4
                tmp2 = tmp2 &+ z2 &+ z3
                tmp1 = tmp1 &+ z2 &+ z4
                tmp0 = tmp0 &+ z1 &+ z3
                let s = constBits - pass1Bits
                ws[col] = Int32(truncatingIfNeeded: descale(tmp10 &+ tmp3, s))
                ws[56 + col] = Int32(truncatingIfNeeded: descale(tmp10 &- tmp3, s))
                ws[8 + col] = Int32(truncatingIfNeeded: descale(tmp11 &+ tmp2, s))
                ws[48 + col] = Int32(truncatingIfNeeded: descale(tmp11 &- tmp2, s))
                ws[16 + col] = Int32(truncatingIfNeeded: descale(tmp12 &+ tmp1, s))
                ws[40 + col] = Int32(truncatingIfNeeded: descale(tmp12 &- tmp1, s))
                ws[24 + col] = Int32(truncatingIfNeeded: descale(tmp13 &+ tmp0, s))
                ws[32 + col] = Int32(truncatingIfNeeded: descale(tmp13 &- tmp0, s))
            }
            // Post-IDCT range limit: value + 128 clamped, with libjpeg's wrap-around for wild values.
            @inline(__always) func limit(_ x: Int) -> UInt8 {
                let v = Int(Int32(truncatingIfNeeded: x)) & 1023
                return v < 128 ? UInt8(v + 128) : v < 512 ? 255 : v < 896 ? 0 : UInt8(v - 896)
            }
            for row in 0..<8 {
                let r = row * 8
                let o = base + row * stride
                if ws[r + 1] == 0 && ws[r + 2] == 0 && ws[r + 3] == 0 && ws[r + 4] == 0 && ws[r + 5] == 0
                    && ws[r + 6] == 0 && ws[r + 7] == 0
                {
                    let dc = limit(descale(Int(ws[r]), pass1Bits + 3))
                    for i in 0..<8 { out[o + i] = dc }
                    continue
                }
                var z2 = Int(ws[r + 2]), z3 = Int(ws[r + 6])
                var z1 = (z2 &+ z3) &* f0541
                var tmp0 = (Int(ws[r]) &+ Int(ws[r + 4])) << constBits
                var tmp3 = z1 &+ z2 &* f0765
                var tmp1 = (Int(ws[r]) &- Int(ws[r + 4])) << constBits
                var tmp2 = z1 &+ z3 &* -f1847
                let tmp10 = tmp0 &+ tmp3, tmp13 = tmp0 &- tmp3, tmp11 = tmp1 &+ tmp2, tmp12 = tmp1 &- tmp2
                tmp3 = Int(ws[r + 1])
                tmp2 = Int(ws[r + 3])
                tmp1 = Int(ws[r + 5])
                tmp0 = Int(ws[r + 7])
                var z4 = tmp1 &+ tmp3
                z3 = tmp0 &+ tmp2
                z2 = tmp1 &+ tmp2
                z1 = tmp0 &+ tmp3
                let z5 = (z3 &+ z4) &* f1175
                tmp3 = tmp3 &* f1501
                tmp2 = tmp2 &* f3072
                tmp1 = tmp1 &* f2053
                tmp0 = tmp0 &* f0298
                z4 = z4 &* -f0390 &+ z5
                z3 = z3 &* -f1961 &+ z5
                z2 = z2 &* -f2562
                z1 = z1 &* -f0899
                tmp3 = tmp3 &+ z1 &+ z4
                tmp2 = tmp2 &+ z2 &+ z3
                tmp1 = tmp1 &+ z2 &+ z4
                tmp0 = tmp0 &+ z1 &+ z3
                let s = constBits + pass1Bits + 3
                out[o] = limit(descale(tmp10 &+ tmp3, s))
                out[o + 7] = limit(descale(tmp10 &- tmp3, s))
                out[o + 1] = limit(descale(tmp11 &+ tmp2, s))
                out[o + 6] = limit(descale(tmp11 &- tmp2, s))
                out[o + 2] = limit(descale(tmp12 &+ tmp1, s))
                out[o + 5] = limit(descale(tmp12 &- tmp1, s))
                out[o + 3] = limit(descale(tmp13 &+ tmp0, s))
                out[o + 4] = limit(descale(tmp13 &- tmp0, s))
            }
        }
    }
}

@inline(__always) func clamp(_ v: Int) -> UInt8 { v < 0 ? 0 : v > 255 ? 255 : UInt8(v) }
