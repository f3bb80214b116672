import Foundation

/// 3×3, stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for
/// Convolutional Neural Networks", 2015): each 2×2 block of outputs ("tile") comes from a 4×4 input patch d as
/// Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A. Summed over input channels, the elementwise product becomes 16 independent
/// matrix products U[ξ] (O × C) · V[ξ] (C × tiles), one per position ξ of the 4×4 transformed patch: 16
/// multiply-adds per tile and channel pair instead of 36, i.e. 2.25× fewer than im2col + GEMM. The transforms
/// are additions only and cost a few vector operations per tile.
///
/// Tiles are processed in blocks of `tileBlock` (input transform → 16 GEMMs → output transform) so that a block's
/// V and M stay in cache; blocks are split over the threads and each is computed the same way whichever thread
/// takes it, so results do not depend on the thread count. Used for inference and training forward passes alike
/// (the backward pass never needs the forward's internals); rounding differs from im2col by a few ulps.
enum WinogradConv {
    /// Tiles per block: the GEMMs' column count.
    static let tileBlock = GEMMBlocking.tuning("WINOGRAD_TILES", 128)
    /// `UNCLIP_CONV_WINOGRAD=0` turns the path off (for side-by-side measurements).
    static let enabled = getenv("UNCLIP_CONV_WINOGRAD").map { String(cString: $0) != "0" } ?? true
    /// Fewest output tiles (over the batch) for which the path is taken (`UNCLIP_GEMM_WINOGRAD_MIN_TILES`).
    static let minimumTiles = GEMMBlocking.tuning("WINOGRAD_MIN_TILES", 128)

    /// Whether `g` takes this path: 3×3, stride 1, channels wide enough for the products to dominate the
    /// transforms, and enough tiles (`minimumTiles`, 128: a 16×16 output over 2 samples) to pay for transforming
    /// the weights on every call. Measured by `unclip-bench conv` on the AMD EPYC (2 threads) against im2col:
    /// 320 channels at 256×256 and at 64×64 (batch 2) about 2×; 640 at 32×32 (batch 2) 1.9×; 1280 at 32×32 (batch
    /// 1) 1.6×; at 16×16 (batch 2, 128 tiles: one block, see `fewTiles`) 640 and 320 channels 1.6×, 960 1.1×;
    /// 1280 at 8×8 (32 tiles) 0.5×, where transforming 1280² kernels costs more than the products save.
    static func applies(to g: Conv2DGeometry) -> Bool {
        enabled && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideH == 1 && g.strideW == 1
            && g.inChannels >= 32 && g.outChannels >= 32 && g.outHeight >= 2 && g.outWidth >= 2
            && g.batch * tiles(g).count >= minimumTiles
    }

    /// Tiles per sample: ⌈HO/2⌉ rows of ⌈WO/2⌉.
    static func tiles(_ g: Conv2DGeometry) -> (rows: Int, columns: Int, count: Int) {
        let rows = (g.outHeight + 1) / 2, columns = (g.outWidth + 1) / 2
        return (rows, columns, rows * columns)
    }

    /// y = conv(x, weight) + bias for a geometry that `applies`.
    static func forward(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ y: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry, pool: ThreadPool
    ) {
        let c = g.inChannels, o = g.outChannels, tb = tileBlock
        let scratch = Scratch.current
        // U[ξ] = G g Gᵀ for every (output, input) channel pair, written straight into the GEMMs' packed A panels.
        let paddedRows = (o + GEMMBlocking.mr - 1) / GEMMBlocking.mr * GEMMBlocking.mr
        let packed = scratch.buffer(slot: 13, count: 16 * paddedRows * c)
        transformWeights(weight, into: packed, outChannels: o, inChannels: c, paddedRows: paddedRows, pool: pool)
        let panels = (0..<16).map { xi in PrepackedA(base: packed + xi * paddedRows * c, paddedRows: paddedRows) }
        let layout = PaddedLayout(g)
        let padded = scratch.buffer(slot: 6, count: g.batch * c * layout.plane + PaddedLayout.slack)
        pad(x, into: padded, g, layout, pool: pool)

        let total = g.batch * layout.tiles.count
        let blocks = (total + tb - 1) / tb
        if blocks < pool.threadCount {
            fewTiles(padded, panels: panels, bias: bias, y, g, layout, tiles: total, pool: pool)
            return
        }
        pool.parallelFor(blocks, grain: 1) { range in
            let local = Scratch.current
            // 16 spare floats: the output transform reads whole SIMD16 groups past a block's last tile.
            let v = local.buffer(slot: 18, count: 16 * c * tb + 16)
            let m = local.buffer(slot: 19, count: 16 * o * tb + 16)
            for block in range {
                let t0 = block * tb, count = min(tb, total - t0)
                transformInput(padded, into: v, tiles: t0..<t0 + count, ld: tb, channels: 0..<c, of: c, layout)
                for xi in 0..<16 {
                    GEMMKernel.serial(
                        .none, m: o, n: count, k: c, alpha: 1, a: panels[xi].base, lda: c,  // A: prepacked
                        source: MatrixPanels(trans: .none, b: v + xi * c * tb, ldb: tb), columnOffset: 0, beta: 0,
                        c: m + xi * o * tb, ldc: tb, prepackedA: panels[xi])
                }
                transformOutput(m, bias: bias, into: y, tiles: t0..<t0 + count, ld: tb, channels: 0..<o, g, layout)
            }
        }
    }

    /// `forward` for outputs too small to give every thread a block of tiles (a 16×16 or 8×8 map: 128 or 32
    /// tiles over a batch of 2): all tiles form one block, and the threads share out its transforms by channel
    /// and its 16 products by ξ instead. Each product is computed whole by one thread, so the result is the same
    /// as the block path's, whatever the thread count.
    private static func fewTiles(
        _ padded: UnsafePointer<Float>, panels: [PrepackedA], bias: UnsafePointer<Float>?,
        _ y: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry, _ layout: PaddedLayout, tiles count: Int,
        pool: ThreadPool
    ) {
        let c = g.inChannels, o = g.outChannels
        let scratch = Scratch.current
        let v = scratch.buffer(slot: 18, count: 16 * c * count + 16)
        let m = scratch.buffer(slot: 19, count: 16 * o * count + 16)
        pool.parallelFor(c, grain: 16) { channels in
            transformInput(padded, into: v, tiles: 0..<count, ld: count, channels: channels, of: c, layout)
        }
        pool.parallelFor(16, grain: 1) { range in
            for xi in range {
                GEMMKernel.serial(
                    .none, m: o, n: count, k: c, alpha: 1, a: panels[xi].base, lda: c,
                    source: MatrixPanels(trans: .none, b: v + xi * c * count, ldb: count), columnOffset: 0, beta: 0,
                    c: m + xi * o * count, ldc: count, prepackedA: panels[xi])
            }
        }
        pool.parallelFor(o, grain: 16) { channels in
            transformOutput(m, bias: bias, into: y, tiles: 0..<count, ld: count, channels: channels, g, layout)
        }
    }

    /// Where tiles read their 4×4 patches: each sample's channels as planes of `height × width` floats with the
    /// image at (padH, padW) and zeros around; the plane holds every tile's patch (2·tiles + 2 ≥ image + 2·pad).
    /// A group of 16 tiles always loads 34 columns, so the lanes past a tile row's end read on into the next
    /// row (or the buffer's `slack`); those lanes are never stored.
    struct PaddedLayout {
        let tiles: (rows: Int, columns: Int, count: Int)
        let height: Int, width: Int, plane: Int
        let padH: Int, padW: Int
        static let slack = 64
        init(_ g: Conv2DGeometry) {
            tiles = WinogradConv.tiles(g)
            height = 2 * tiles.rows + 2
            width = 2 * tiles.columns + 2
            plane = height * width
            padH = g.padH
            padW = g.padW
        }
    }

    /// Every sample's [C, H, W] planes into the padded layout.
    static func pad(
        _ x: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ g: Conv2DGeometry, _ l: PaddedLayout,
        pool: ThreadPool
    ) {
        let hw = g.height * g.width
        pool.parallelFor(g.batch * g.inChannels, grain: 8) { planes in
            for p in planes {
                let plane = dst + p &* l.plane, src = x + p &* hw
                plane.update(repeating: 0, count: l.plane)
                for iy in 0..<g.height {
                    (plane + ((iy &+ l.padH) &* l.width &+ l.padW)).update(from: src + iy &* g.width, count: g.width)
                }
            }
        }
    }

    typealias Vector = SIMD16<Float>

    /// G x for one column (or row) of a 3×3 kernel: G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
    @inline(__always)
    static func g(_ x0: Float, _ x1: Float, _ x2: Float) -> (Float, Float, Float, Float) {
        let sum: Float = x0 + x2
        return (x0, 0.5 * (sum + x1), 0.5 * (sum - x1), x2)
    }

    /// Bᵀ x for one column (or row) of a patch: Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]].
    @inline(__always)
    static func bt(_ x0: Vector, _ x1: Vector, _ x2: Vector, _ x3: Vector) -> (Vector, Vector, Vector, Vector) {
        (x0 - x2, x1 + x2, x2 - x1, x1 - x3)
    }

    /// Aᵀ x for one column (or row) of a transformed tile: Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]].
    @inline(__always)
    static func at(_ x0: Vector, _ x1: Vector, _ x2: Vector, _ x3: Vector) -> (Vector, Vector) {
        (x0 + x1 + x2, x1 - x2 - x3)
    }

    /// Columns 0...3 of 16 tiles' patches in one row: the even and odd floats of two loads 2 floats apart.
    @inline(__always)
    static func patchRow(_ p: UnsafePointer<Float>) -> (Vector, Vector, Vector, Vector) {
        let a = UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Float>.self)
        let b = UnsafeRawPointer(p).loadUnaligned(fromByteOffset: 8, as: SIMD32<Float>.self)
        return (a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
    }

    /// U[ξ = 4i + j] = (G g Gᵀ)[i, j] for every kernel g = weight[o, c], as 16 prepacked `o × c` A operands
    /// (`PrepackedA` layout, `paddedRows · c` floats apart; the padding rows are zero).
    static func transformWeights(
        _ w: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, outChannels o: Int, inChannels c: Int,
        paddedRows: Int, pool: ThreadPool
    ) {
        let step = paddedRows * c  // from one ξ's panels to the next
        pool.parallelFor(paddedRows, grain: 8) { rows in
            for oc in rows {
                for ic in 0..<c {
                    let at = PrepackedA.offset(row: oc, column: ic, paddedRows: paddedRows, depth: c)
                    if oc >= o {
                        for xi in 0..<16 { u[xi &* step &+ at] = 0 }
                        continue
                    }
                    let k = w + (oc &* c &+ ic) &* 9
                    // G g, column by column: column j holds rows 0...3.
                    let c0 = g(k[0], k[3], k[6]), c1 = g(k[1], k[4], k[7]), c2 = g(k[2], k[5], k[8])
                    // (G g) Gᵀ, row by row.
                    @inline(__always) func put(_ i: Int, _ r: (Float, Float, Float, Float)) {
                        u[(4 &* i) &* step &+ at] = r.0
                        u[(4 &* i &+ 1) &* step &+ at] = r.1
                        u[(4 &* i &+ 2) &* step &+ at] = r.2
                        u[(4 &* i &+ 3) &* step &+ at] = r.3
                    }
                    put(0, g(c0.0, c1.0, c2.0))
                    put(1, g(c0.1, c1.1, c2.1))
                    put(2, g(c0.2, c1.2, c2.2))
                    put(3, g(c0.3, c1.3, c2.3))
                }
            }
        }
    }

    /// V[ξ][c][t − first] = (Bᵀ d B)[ξ] for the tiles t of `range` and the input channels c of `channels` (of `c`
    /// in all), d the tile's 4×4 patch of channel c; 16 tiles of a tile row at a time.
    static func transformInput(
        _ padded: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, tiles range: Range<Int>, ld: Int,
        channels: Range<Int>, of c: Int, _ l: PaddedLayout
    ) {
        for ch in channels {
            var t = range.lowerBound
            while t < range.upperBound {
                let sample = t / l.tiles.count, r = t % l.tiles.count
                let ty = r / l.tiles.columns, tx = r % l.tiles.columns
                let n = Swift.min(16, l.tiles.columns - tx, range.upperBound - t)
                let base = padded + ((sample &* c &+ ch) &* l.plane &+ 2 &* ty &* l.width &+ 2 &* tx)
                let d0 = patchRow(base), d1 = patchRow(base + l.width)
                let d2 = patchRow(base + 2 &* l.width), d3 = patchRow(base + 3 &* l.width)
                // Bᵀ d, column by column (e_j.i = (Bᵀ d)[i, j]) ...
                let e0 = bt(d0.0, d1.0, d2.0, d3.0), e1 = bt(d0.1, d1.1, d2.1, d3.1)
                let e2 = bt(d0.2, d1.2, d2.2, d3.2), e3 = bt(d0.3, d1.3, d2.3, d3.3)
                // ... then (Bᵀ d) B, row by row.
                let out = v + (ch &* ld &+ (t &- range.lowerBound))
                let step = c &* ld  // from one ξ's matrix to the next
                @inline(__always) func put(_ i: Int, _ row: (Vector, Vector, Vector, Vector)) {
                    store(row.0, to: out + (4 &* i) &* step, count: n)
                    store(row.1, to: out + (4 &* i &+ 1) &* step, count: n)
                    store(row.2, to: out + (4 &* i &+ 2) &* step, count: n)
                    store(row.3, to: out + (4 &* i &+ 3) &* step, count: n)
                }
                put(0, bt(e0.0, e1.0, e2.0, e3.0))
                put(1, bt(e0.1, e1.1, e2.1, e3.1))
                put(2, bt(e0.2, e1.2, e2.2, e3.2))
                put(3, bt(e0.3, e1.3, e2.3, e3.3))
                t &+= n
            }
        }
    }

    /// y[the tile's 2×2 outputs] = Aᵀ M A + bias for the tiles of `range` and the output channels of `channels`;
    /// outputs past the image's last row or column (odd HO or WO) are dropped.
    static func transformOutput(
        _ m: UnsafePointer<Float>, bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>,
        tiles range: Range<Int>, ld: Int, channels: Range<Int>, _ g: Conv2DGeometry, _ l: PaddedLayout
    ) {
        let o = g.outChannels, ho = g.outHeight, wo = g.outWidth
        let step = o &* ld  // from one ξ's matrix to the next
        for oc in channels {
            let b = bias?[oc] ?? 0
            var t = range.lowerBound
            while t < range.upperBound {
                let sample = t / l.tiles.count, r = t % l.tiles.count
                let ty = r / l.tiles.columns, tx = r % l.tiles.columns
                let n = Swift.min(16, l.tiles.columns - tx, range.upperBound - t)
                let p = UnsafeRawPointer(m + (oc &* ld &+ (t &- range.lowerBound)))
                @inline(__always) func s(_ xi: Int) -> Vector {
                    p.loadUnaligned(fromByteOffset: xi &* step &* 4, as: Vector.self)
                }
                // Aᵀ M, column by column, then (Aᵀ M) A for its two rows.
                let a0 = at(s(0), s(4), s(8), s(12)), a1 = at(s(1), s(5), s(9), s(13))
                let a2 = at(s(2), s(6), s(10), s(14)), a3 = at(s(3), s(7), s(11), s(15))
                let top = at(a0.0, a1.0, a2.0, a3.0), bottom = at(a0.1, a1.1, a2.1, a3.1)
                let plane = y + (sample &* o &+ oc) &* ho &* wo
                for i in 0..<2 {
                    let oy = 2 &* ty &+ i
                    if oy >= ho { break }
                    let pair = i == 0 ? top : bottom
                    let even = pair.0 + b, odd = pair.1 + b
                    let row = plane + (oy &* wo &+ 2 &* tx)
                    if n == 16 && 2 &* tx &+ 32 <= wo {
                        for k in 0..<16 {
                            row[2 &* k] = even[k]
                            row[2 &* k &+ 1] = odd[k]
                        }
                    } else {
                        for k in 0..<n {
                            row[2 &* k] = even[k]
                            if 2 &* (tx &+ k) &+ 1 < wo { row[2 &* k &+ 1] = odd[k] }
                        }
                    }
                }
                t &+= n
            }
        }
    }

    @inline(__always)
    static func store(_ value: Vector, to p: UnsafeMutablePointer<Float>, count: Int) {
        if count == 16 {
            UnsafeMutableRawPointer(p).storeBytes(of: value, as: Vector.self)
        } else {
            for k in 0..<count { p[k] = value[k] }
        }
    }
}
