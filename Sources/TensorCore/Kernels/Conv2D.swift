/// 2-D convolution over NCHW tensors by im2col + GEMM (groups = 1, no dilation); 3×3 stride-1 convolutions over
/// enough pixels go through Winograd's F(2×2, 3×3) instead (`WinogradConv`).
///
/// Shapes: x `[N, C, H, W]`, weight `[O, C, KH, KW]`, bias `[O]`, y `[N, O, HO, WO]` with
/// `HO = (H + 2·padH − KH) / strideH + 1` (and likewise WO). A 1×1, stride-1, unpadded convolution skips im2col.
public struct Conv2DGeometry: Equatable, Sendable {
    public var batch, inChannels, height, width: Int
    public var outChannels, kernelHeight, kernelWidth: Int
    public var strideH, strideW, padH, padW: Int

    public init(
        batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int, kernelHeight: Int,
        kernelWidth: Int, strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0
    ) {
        self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
        self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideH = strideH; self.strideW = strideW; self.padH = padH; self.padW = padW
    }

    public var outHeight: Int { (height + 2 * padH - kernelHeight) / strideH + 1 }
    public var outWidth: Int { (width + 2 * padW - kernelWidth) / strideW + 1 }
    /// Rows of the im2col matrix: C·KH·KW.
    var patch: Int { inChannels * kernelHeight * kernelWidth }
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }
}

public enum Conv2D {
    /// col[(c, ky, kx), (oy, ox)] = x[c, oy·sh − ph + ky, ox·sw − pw + kx] (0 outside), for one sample.
    static func im2col(
        _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry,
        pool: ThreadPool
    ) {
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
    static func col2im(
        _ col: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry,
        pool: ThreadPool
    ) {
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
    ///
    /// y[n] `[O, HO·WO]` = W `[O, C·KH·KW]` · col `[C·KH·KW, HO·WO]`. The im2col matrix is never stored: the
    /// GEMM packs its panels straight from a zero-padded copy of the sample (`ImplicitIm2col`). Small outputs
    /// (16×16 and below) put every sample's columns in one product, so the weights (up to 59 MB for a 3×3
    /// convolution over 1280 channels) stream from memory once per call instead of once per sample and the
    /// threads get whole tiles; that product goes through an `[O, N·HO·WO]` buffer.
    public static func forward(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ y: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry, pool: ThreadPool = .shared
    ) {
        if WinogradConv.applies(to: g) {
            WinogradConv.forward(x, weight: weight, bias: bias, y, g, pool: pool)
            return
        }
        let hw = g.height * g.width, ohw = g.outHeight * g.outWidth, o = g.outChannels
        let beta: Float = bias == nil ? 0 : 1
        let perProduct = !g.isPointwise && g.batch > 1 && ohw <= 256 ? g.batch : 1
        // The weights are the GEMM's A for every product: pack them once when there are several products. A
        // single product packs its own blocks as it goes, which reads the weights from memory once instead of
        // three times (read, write packed, read packed: most of the time of a 3×3 convolution over 1280
        // channels at 8×8).
        var weightPanels: PrepackedA? = nil
        if g.batch > perProduct {
            let mPadded = (o + GEMMBlocking.mr - 1) / GEMMBlocking.mr * GEMMBlocking.mr
            weightPanels = GEMMKernel.prepackA(
                .none, a: weight, lda: g.patch, m: o, k: g.patch,
                into: Scratch.current.buffer(slot: 13, count: mPadded * g.patch), pool: pool)
        }
        if g.isPointwise {
            for n in 0..<g.batch {
                let yn = y + n * o * ohw
                fill(yn, bias: bias, rows: o, columns: ohw)
                GEMMKernel.parallel(
                    .none, m: o, n: ohw, k: g.patch, alpha: 1, a: weight, lda: g.patch,
                    source: MatrixPanels(trans: .none, b: x + n * g.inChannels * hw, ldb: ohw), beta: beta, c: yn,
                    ldc: ohw, pool: pool, prepackedA: weightPanels)
            }
            return
        }
        let hp = g.height + 2 * g.padH, wp = g.width + 2 * g.padW
        let isPadded = g.padH != 0 || g.padW != 0
        // Samples sit this far apart in the GEMM's source: the padded copies, or the input itself.
        let sampleStride = isPadded ? g.inChannels * hp * wp : g.inChannels * hw
        let padded = isPadded ? Scratch.current.buffer(slot: 6, count: perProduct * sampleStride) : nil
        let merged = perProduct > 1 ? Scratch.current.buffer(slot: 14, count: o * perProduct * ohw) : nil
        // Offsets into the source: row r = (c, ky, kx) of col, column (s, oy, ox) for sample s of the product.
        var rowOffsets = [Int](repeating: 0, count: g.patch)
        var columnOffsets = [Int](repeating: 0, count: perProduct * ohw)
        for c in 0..<g.inChannels {
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    rowOffsets[(c * g.kernelHeight + ky) * g.kernelWidth + kx] = (c * hp + ky) * wp + kx
                }
            }
        }
        for s in 0..<perProduct {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    columnOffsets[(s * g.outHeight + oy) * g.outWidth + ox] =
                        s * sampleStride + oy * g.strideH * wp + ox * g.strideW
                }
            }
        }
        let n = perProduct * ohw
        rowOffsets.withUnsafeBufferPointer { rows in
            columnOffsets.withUnsafeBufferPointer { cols in
                for first in stride(from: 0, to: g.batch, by: perProduct) {
                    let xn = x + first * g.inChannels * hw
                    let source: UnsafePointer<Float>
                    if let padded {
                        for s in 0..<perProduct {
                            pad(xn + s * g.inChannels * hw, into: padded + s * sampleStride, g, pool: pool)
                        }
                        source = UnsafePointer(padded)
                    } else {
                        source = xn
                    }
                    let out = merged ?? y + first * o * ohw
                    fill(out, bias: bias, rows: o, columns: n)
                    let panels = ImplicitIm2col(
                        image: source, rowOffsets: rows.baseAddress!, columnOffsets: cols.baseAddress!,
                        outWidth: g.outWidth, unitStride: g.strideW == 1)
                    GEMMKernel.parallel(
                        .none, m: o, n: n, k: g.patch, alpha: 1, a: weight, lda: g.patch, source: panels,
                        beta: beta, c: out, ldc: n, pool: pool, prepackedA: weightPanels)
                    if let merged {
                        // [O, S·HW] → [S, O, HW]
                        for s in 0..<perProduct {
                            for oc in 0..<o {
                                (y + ((first + s) * o + oc) * ohw).update(from: merged + oc * n + s * ohw, count: ohw)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sets each of `rows` rows of `c` to its bias (the GEMM then adds with beta 1); nothing without a bias.
    private static func fill(_ c: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, rows: Int, columns: Int) {
        guard let bias else { return }
        for r in 0..<rows { (c + r * columns).update(repeating: bias[r], count: columns) }
    }

    /// Copies one sample `[C, H, W]` into `[C, H + 2·padH, W + 2·padW]` with zero borders.
    static func pad(
        _ x: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry, pool: ThreadPool
    ) {
        let hp = g.height + 2 * g.padH, wp = g.width + 2 * g.padW
        pool.parallelFor(g.inChannels, grain: 16) { channels in
            for c in channels {
                let plane = dst + c &* hp &* wp, src = x + c &* g.height &* g.width
                plane.update(repeating: 0, count: g.padH &* wp)
                for iy in 0..<g.height {
                    let row = plane + (iy &+ g.padH) &* wp
                    row.update(repeating: 0, count: g.padW)
                    (row + g.padW).update(from: src + iy &* g.width, count: g.width)
                    (row + (g.padW &+ g.width)).update(repeating: 0, count: g.padW)
                }
                (plane + (g.height &+ g.padH) &* wp).update(repeating: 0, count: g.padH &* wp)
            }
        }
    }

    /// Accumulates dx, dweight and dbias (each optional) from dy.
    public static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>, _ g: Conv2DGeometry,
        dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
        pool: ThreadPool = .shared
    ) {
        let hw = g.height * g.width, ohw = g.outHeight * g.outWidth, o = g.outChannels
        var dx = dx
        if let target = dx, !g.isPointwise, let transposed = g.inputGradientGeometry {
            // dx is a stride-1 convolution of dy with the kernel flipped and its channel axes swapped: the whole
            // batch in one forward call (Winograd where it applies) instead of Wᵀ·dy and col2im per sample.
            accumulateInputGradient(dy: dy, weight: weight, g, transposed, into: target, pool: pool)
            dx = nil
        }
        let scratch = Scratch.current
        let col = g.isPointwise ? nil : scratch.buffer(slot: 6, count: g.patch * ohw)
        let dcol = g.isPointwise || dx == nil ? nil : scratch.buffer(slot: 7, count: g.patch * ohw)
        for n in 0..<g.batch {
            let xn = x + n * g.inChannels * hw, dyn = dy + n * o * ohw
            if let dbias {
                for oc in 0..<o { dbias[oc] += VectorOps.sum(dyn + oc * ohw, ohw) }
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
                sgemm(
                    .none, .transposed, m: o, n: g.patch, k: ohw, alpha: 1, a: dyn, lda: ohw, b: b, ldb: ohw, beta: 1,
                    c: dweight, ldc: g.patch, pool: pool)
            }
            if let dx {
                let dxn = dx + n * g.inChannels * hw
                if let dcol {
                    // dcol [CKK, OHW] = Wᵀ · dy[n], then scattered back onto the image.
                    sgemm(
                        .transposed, .none, m: g.patch, n: ohw, k: o, alpha: 1, a: weight, lda: g.patch, b: dyn,
                        ldb: ohw, beta: 0, c: dcol, ldc: ohw, pool: pool)
                    col2im(dcol, dxn, g, pool: pool)
                } else {
                    sgemm(
                        .transposed, .none, m: g.inChannels, n: ohw, k: o, alpha: 1, a: weight, lda: g.patch, b: dyn,
                        ldb: ohw, beta: 1, c: dxn, ldc: ohw, pool: pool)
                }
            }
        }
    }
}

extension Conv2D {
    /// dx += conv(dy, W′) with W′[c, o, ky, kx] = W[o, c, KH−1−ky, KW−1−kx] and padding K−1−p (`transposed`).
    /// The forward call uses scratch slots 6, 13 and 14; this one keeps W′ in 16 and the result in 17.
    static func accumulateInputGradient(
        dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, _ g: Conv2DGeometry, _ transposed: Conv2DGeometry,
        into dx: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        let (o, c, kh, kw) = (g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth)
        let scratch = Scratch.current
        let flipped = scratch.buffer(slot: 16, count: o * c * kh * kw)
        pool.parallelFor(c, grain: 8) { channels in
            for ci in channels {
                for oi in 0..<o {
                    let src = weight + (oi &* c &+ ci) &* kh &* kw, dst = flipped + (ci &* o &+ oi) &* kh &* kw
                    for k in 0..<(kh &* kw) { dst[k] = src[kh &* kw &- 1 &- k] }
                }
            }
        }
        let count = g.batch * c * g.height * g.width
        let result = scratch.buffer(slot: 17, count: count)
        forward(dy, weight: flipped, bias: nil, result, transposed, pool: pool)
        pool.parallelFor(count, grain: 1 << 15) { r in
            for i in r { dx[i] += result[i] }
        }
    }
}

extension Conv2DGeometry {
    /// The stride-1 convolution over dy whose output is this convolution's input gradient (same height and width
    /// as the input), or nil when the stride is not 1 or the padding exceeds the kernel's reach.
    var inputGradientGeometry: Conv2DGeometry? {
        guard strideH == 1, strideW == 1, padH < kernelHeight, padW < kernelWidth else { return nil }
        return Conv2DGeometry(
            batch: batch, inChannels: outChannels, height: outHeight, width: outWidth, outChannels: inChannels,
            kernelHeight: kernelHeight, kernelWidth: kernelWidth, padH: kernelHeight - 1 - padH,
            padW: kernelWidth - 1 - padW)
    }
}

/// GEMM B panels of the im2col matrix read straight from a padded image:
/// col[r, j] = image[rowOffsets[r] + columnOffsets[j]].
/// With unit stride, a 32-column panel inside one output row is two SIMD16 loads per row of col, and one over
/// output rows a multiple of 8 wide is four SIMD8 loads.
struct ImplicitIm2col: BPanelSource {
    let image: UnsafePointer<Float>
    let rowOffsets: UnsafePointer<Int>
    let columnOffsets: UnsafePointer<Int>
    let outWidth: Int
    let unitStride: Bool

    func pack(k0: Int, kc: Int, j0: Int, nc: Int, into dst: UnsafeMutablePointer<Float>) {
        let nr = GEMMBlocking.nr
        var p = 0
        while p &* nr < nc {
            let panel = dst + p &* kc &* nr
            let c0 = j0 &+ p &* nr
            let cols = Swift.min(nr, nc &- p &* nr)
            if cols == nr && unitStride && c0 / outWidth == (c0 &+ nr &- 1) / outWidth {
                let base = image + columnOffsets[c0]
                for kk in 0..<kc {
                    let src = UnsafeRawPointer(base + rowOffsets[k0 &+ kk])
                    let d = UnsafeMutableRawPointer(panel + kk &* nr)
                    d.storeBytes(of: src.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                    d.storeBytes(
                        of: src.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self), toByteOffset: 64,
                        as: SIMD16<Float>.self)
                }
            } else if cols == nr && unitStride && outWidth % 8 == 0 {
                // Narrow images (16 or 8 wide): the panel spans several output rows, but each 8-column piece
                // (c0 is a multiple of 32) stays inside one row, so it is one SIMD8 load.
                let b0 = image + columnOffsets[c0], b1 = image + columnOffsets[c0 &+ 8]
                let b2 = image + columnOffsets[c0 &+ 16], b3 = image + columnOffsets[c0 &+ 24]
                for kk in 0..<kc {
                    let r = rowOffsets[k0 &+ kk]
                    let d = UnsafeMutableRawPointer(panel + kk &* nr)
                    d.storeBytes(of: Self.load8(b0 + r), as: SIMD8<Float>.self)
                    d.storeBytes(of: Self.load8(b1 + r), toByteOffset: 32, as: SIMD8<Float>.self)
                    d.storeBytes(of: Self.load8(b2 + r), toByteOffset: 64, as: SIMD8<Float>.self)
                    d.storeBytes(of: Self.load8(b3 + r), toByteOffset: 96, as: SIMD8<Float>.self)
                }
            } else {
                for kk in 0..<kc {
                    let src = image + rowOffsets[k0 &+ kk]
                    let d = panel + kk &* nr
                    for j in 0..<nr { d[j] = j < cols ? src[columnOffsets[c0 &+ j]] : 0 }
                }
            }
            p &+= 1
        }
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}
