/// 2-D convolution over NCHW tensors by im2col + GEMM (groups = 1, no dilation).
///
/// Shapes: x `[N, C, H, W]`, weight `[O, C, KH, KW]`, bias `[O]`, y `[N, O, HO, WO]` with
/// `HO = (H + 2·padH − KH) / strideH + 1` (and likewise WO). A 1×1, stride-1, unpadded convolution skips im2col.
public struct Conv2DGeometry: Equatable, Sendable {
    public var batch, inChannels, height, width: Int
    public var outChannels, kernelHeight, kernelWidth: Int
    public var strideH, strideW, padH, padW: Int

    public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int, kernelHeight: Int,
                kernelWidth: Int, strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0) {
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideH = strideH; self.strideW = strideW; self.padH = padH; self.padW = padW
    }

    public var outHeight: Int { (height + 2 * padH - kernelHeight) / strideH + 1 }
    public var outWidth: Int { (width + 2 * padW - kernelWidth) / strideW + 1 }
    /// Rows of the im2col matrix: C·KH·KW.
    var patch: Int { inChannels * kernelHeight * kernelWidth }
    var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0 }
}

public enum Conv2D {
    /// col[(c, ky, kx), (oy, ox)] = x[c, oy·sh − ph + ky, ox·sw − pw + kx] (0 outside), for one sample.
    static func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry,
                       pool: ThreadPool) {
        let ho = g.outHeight, wo = g.outWidth, kh = g.kernelHeight, kw = g.kernelWidth
        pool.parallelFor(g.patch, grain: 8) { rows in
            for r in rows {
                let c = r / (kh * kw), ky = (r / kw) % kh, kx = r % kw
                let dst = col + r &* ho &* wo
                let plane = x + c &* g.height &* g.width
                for oy in 0..<ho {
                    let iy = oy &* g.strideH &- g.padH &+ ky
                    let d = dst + oy &* wo
                    if iy < 0 || iy >= g.height {
                        d.update(repeating: 0, count: wo)
                        continue
                    }
                    let src = plane + iy &* g.width
                    if g.strideW == 1 {
                        // ix = ox − pw + kx: a shifted copy with zero edges.
                        let shift = kx &- g.padW
                        let lo = Swift.max(0, -shift), hi = Swift.min(wo, g.width &- shift)
                        for ox in 0..<Swift.min(lo, wo) { d[ox] = 0 }
                        if lo < hi { (d + lo).update(from: src + (lo &+ shift), count: hi &- lo) }
                        for ox in Swift.max(hi, 0)..<wo { d[ox] = 0 }
                    } else {
                        for ox in 0..<wo {
                            let ix = ox &* g.strideW &- g.padW &+ kx
                            d[ox] = ix >= 0 && ix < g.width ? src[ix] : 0
                        }
                    }
                }
            }
        }
    }

    /// x[c, iy, ix] += col[(c, ky, kx), (oy, ox)] for every patch position inside the image (one sample).
    static func col2im(_ col: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry,
                       pool: ThreadPool) {
        let ho = g.outHeight, wo = g.outWidth, kh = g.kernelHeight, kw = g.kernelWidth
        // Parallel over channels: each channel's rows only touch that channel's plane.
        pool.parallelFor(g.inChannels, grain: 1) { channels in
            for c in channels {
                let plane = x + c &* g.height &* g.width
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let src = col + ((c &* kh &+ ky) &* kw &+ kx) &* ho &* wo
                        for oy in 0..<ho {
                            let iy = oy &* g.strideH &- g.padH &+ ky
                            if iy < 0 || iy >= g.height { continue }
                            for ox in 0..<wo {
                                let ix = ox &* g.strideW &- g.padW &+ kx
                                if ix >= 0 && ix < g.width { plane[iy &* g.width &+ ix] += src[oy &* wo &+ ox] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// y = conv(x, weight) + bias.
    public static func forward(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ y: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry, pool: ThreadPool = .shared
    ) {
        let hw = g.height * g.width, ohw = g.outHeight * g.outWidth, o = g.outChannels
        let col = g.isPointwise ? nil : Scratch.current.buffer(slot: 6, count: g.patch * ohw)
        for n in 0..<g.batch {
            let xn = x + n * g.inChannels * hw, yn = y + n * o * ohw
            if let bias {
                for oc in 0..<o { (yn + oc * ohw).update(repeating: bias[oc], count: ohw) }
            }
            let b: UnsafePointer<Float>
            if let col {
                im2col(xn, col, g, pool: pool)
                b = UnsafePointer(col)
            } else {
                b = xn
            }
            // y[n] [O, HO·WO] = W [O, C·KH·KW] · col [C·KH·KW, HO·WO]
            sgemm(.none, .none, m: o, n: ohw, k: g.patch, alpha: 1, a: weight, lda: g.patch, b: b, ldb: ohw,
                  beta: bias == nil ? 0 : 1, c: yn, ldc: ohw, pool: pool)
        }
    }

    /// Accumulates dx, dweight and dbias (each optional) from dy.
    public static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>, _ g: Conv2DGeometry,
        dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
        pool: ThreadPool = .shared
    ) {
        let hw = g.height * g.width, ohw = g.outHeight * g.outWidth, o = g.outChannels
        let scratch = Scratch.current
        let col = g.isPointwise ? nil : scratch.buffer(slot: 6, count: g.patch * ohw)
        let dcol = g.isPointwise || dx == nil ? nil : scratch.buffer(slot: 7, count: g.patch * ohw)
        for n in 0..<g.batch {
            let xn = x + n * g.inChannels * hw, dyn = dy + n * o * ohw
            if let dbias {
                for oc in 0..<o {
                    var s: Float = 0
                    for i in 0..<ohw { s += dyn[oc * ohw + i] }
                    dbias[oc] += s
                }
            }
            if let dweight {
                let b: UnsafePointer<Float>
                if let col {
                    im2col(xn, col, g, pool: pool)
                    b = UnsafePointer(col)
                } else {
                    b = xn
                }
                // dW [O, CKK] += dy[n] [O, OHW] · colᵀ
                sgemm(.none, .transposed, m: o, n: g.patch, k: ohw, alpha: 1, a: dyn, lda: ohw, b: b, ldb: ohw, beta: 1,
                      c: dweight, ldc: g.patch, pool: pool)
            }
            if let dx {
                let dxn = dx + n * g.inChannels * hw
                if let dcol {
                    // dcol [CKK, OHW] = Wᵀ · dy[n], then scattered back onto the image.
                    sgemm(.transposed, .none, m: g.patch, n: ohw, k: o, alpha: 1, a: weight, lda: g.patch, b: dyn,
                          ldb: ohw, beta: 0, c: dcol, ldc: ohw, pool: pool)
                    col2im(dcol, dxn, g, pool: pool)
                } else {
                    sgemm(.transposed, .none, m: g.inChannels, n: ohw, k: o, alpha: 1, a: weight, lda: g.patch, b: dyn,
                          ldb: ohw, beta: 1, c: dxn, ldc: ohw, pool: pool)
                }
            }
        }
    }
}
