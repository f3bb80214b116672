import Foundation
import Testing

@testable import TensorCore

/// Direct convolution in double: y[n, o, oy, ox] = b[o] + Σ w[o, c, ky, kx] · x[n, c, oy·s − p + ky, ox·s − p + kx].
func referenceConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int) -> [Double] {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let ho = (h + 2 * p - kh) / s + 1, wo = (wd + 2 * p - kw) / s + 1
    var out = [Double](repeating: 0, count: n * o * ho * wo)
    for i in 0..<n {
        for oc in 0..<o {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var acc = Double(b?[flat: oc] ?? 0)
                    for ic in 0..<c {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * s - p + ky, ix = ox * s - p + kx
                                if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
                                acc +=
                                    Double(w[flat: ((oc * c + ic) * kh + ky) * kw + kx])
                                    * Double(x[flat: ((i * c + ic) * h + iy) * wd + ix])
                            }
                        }
                    }
                    out[((i * o + oc) * ho + oy) * wo + ox] = acc
                }
            }
        }
    }
    return out
}

/// Attention in double with explicit masks; fully masked rows give zeros.
func referenceAttention(
    q: Tensor, k: Tensor, v: Tensor, causal: Bool, keyPadding: Tensor?, additive: Tensor?,
    scale: Double
) throws -> [Double] {
    let (b, h, tq, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
    let tk = k.shape[2], dv = v.shape[3]
    let full = [b, h, tq, tk]
    let addIdx = additive.map { Tensor.broadcastIndices(from: $0.shape, to: full) }
    var out = [Double](repeating: 0, count: b * h * tq * dv)
    for bb in 0..<b {
        for hh in 0..<h {
            for i in 0..<tq {
                var s = [Double](repeating: -.infinity, count: tk)
                for j in 0..<tk {
                    if causal && j > i { continue }
                    if let kp = keyPadding, kp[flat: bb * tk + j] == 0 { continue }
                    var dot = 0.0
                    for c in 0..<d {
                        dot +=
                            Double(q[flat: ((bb * h + hh) * tq + i) * d + c])
                            * Double(k[flat: ((bb * h + hh) * tk + j) * d + c])
                    }
                    s[j] = dot * scale
                    if let additive, let addIdx {
                        s[j] += Double(additive[flat: addIdx[((bb * h + hh) * tq + i) * tk + j]])
                    }
                }
                let m = s.max()!
                if m == -.infinity { continue }
                let e = s.map { exp($0 - m) }
                let z = e.reduce(0, +)
                for c in 0..<dv {
                    var acc = 0.0
                    for j in 0..<tk { acc += e[j] / z * Double(v[flat: ((bb * h + hh) * tk + j) * dv + c]) }
                    out[((bb * h + hh) * tq + i) * dv + c] = acc
                }
            }
        }
    }
    return out
}

func maxError(_ got: Tensor, _ expected: [Double]) -> Double {
    var e = 0.0
    for i in 0..<got.count { e = max(e, abs(Double(got[flat: i]) - expected[i]) / (1 + abs(expected[i]))) }
    return e
}

@Suite struct ConvTests {
    @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0), (3, 1, 0), (2, 2, 0), (5, 3, 2)])
    func conv2dMatchesDirectLoop(kernel: Int, stride: Int, padding: Int) throws {
        let x = try tensor([2, 5, 9, 11], seed: 11), w = try tensor([7, 5, kernel, kernel], seed: 12)
        let b = try tensor([7], seed: 13)
        let y = try x.conv2d(weight: w, bias: b, stride: stride, padding: padding)
        #expect(y.shape == [2, 7, (9 + 2 * padding - kernel) / stride + 1, (11 + 2 * padding - kernel) / stride + 1])
        #expect(maxError(y, referenceConv(x, w, b, stride: stride, padding: padding)) < 1e-5)
        let y2 = try x.conv2d(weight: w, stride: stride, padding: padding)
        #expect(maxError(y2, referenceConv(x, w, nil, stride: stride, padding: padding)) < 1e-5)
    }

    /// Rows wider than the GEMM's 32-column panels take the contiguous (SIMD) implicit-im2col path.
    @Test(arguments: [(3, 1, 1, 64), (3, 1, 0, 66), (3, 2, 1, 70), (1, 1, 0, 40), (5, 1, 2, 40)])
    func conv2dWideRows(kernel: Int, stride: Int, padding: Int, width: Int) throws {
        let x = try tensor([2, 4, 5, width], seed: 14), w = try tensor([6, 4, kernel, kernel], seed: 15)
        let b = try tensor([6], seed: 16)
        let y = try x.conv2d(weight: w, bias: b, stride: stride, padding: padding)
        #expect(maxError(y, referenceConv(x, w, b, stride: stride, padding: padding)) < 1e-5)
    }

    /// Large enough to be split over threads, with pre-packed weights reused across samples.
    @Test(arguments: [(3, 1, 1), (1, 1, 0), (3, 2, 1)])
    func conv2dThreaded(kernel: Int, stride: Int, padding: Int) throws {
        let x = try tensor([2, 16, 12, 64], seed: 17), w = try tensor([26, 16, kernel, kernel], seed: 18)
        let b = try tensor([26], seed: 19)
        let y = try x.conv2d(weight: w, bias: b, stride: stride, padding: padding)
        #expect(maxError(y, referenceConv(x, w, b, stride: stride, padding: padding)) < 1e-5)
        let serial = try Tensor(shape: y.shape, scalars: [Float](repeating: 0, count: y.count))
        let g = Conv2DGeometry(
            batch: 2, inChannels: 16, height: 12, width: 64, outChannels: 26, kernelHeight: kernel, kernelWidth: kernel,
            strideH: stride, strideW: stride, padH: padding, padW: padding)
        Conv2D.forward(
            x.storage.pointer, weight: w.storage.pointer, bias: b.storage.pointer, serial.storage.pointer, g,
            pool: .serial)
        #expect(serial.scalars == y.scalars)
    }

    /// Enough output channels that the block of C kept in L2 is narrower than the image: the product runs over
    /// several column blocks (`GEMMBlocking.columnBlock`), on the pool and on one thread.
    @Test func conv2dOverSeveralColumnBlocks() throws {
        let x = try tensor([1, 16, 12, 200], seed: 23), w = try tensor([100, 16, 3, 3], seed: 24)
        let b = try tensor([100], seed: 25)
        #expect(GEMMBlocking.columnBlock(rows: 100) < 12 * 200)
        let y = try x.conv2d(weight: w, bias: b, padding: 1)
        #expect(maxError(y, referenceConv(x, w, b, stride: 1, padding: 1)) < 1e-5)
        let serial = try Tensor(shape: y.shape, scalars: [Float](repeating: 0, count: y.count))
        let g = Conv2DGeometry(
            batch: 1, inChannels: 16, height: 12, width: 200, outChannels: 100, kernelHeight: 3, kernelWidth: 3,
            padH: 1, padW: 1)
        Conv2D.forward(
            x.storage.pointer, weight: w.storage.pointer, bias: b.storage.pointer, serial.storage.pointer, g,
            pool: .serial)
        #expect(serial.scalars == y.scalars)
    }

    /// Several samples of a small image (16×16 and below) run as one product; output rows 8 or 16 wide take the
    /// SIMD8 implicit-im2col path. The same numbers on one thread as on the pool.
    @Test(arguments: [(3, 1, 1, 16), (3, 1, 1, 8), (3, 2, 1, 16), (1, 1, 0, 8), (3, 1, 0, 10)])
    func conv2dSmallImagesOfSeveralSamples(kernel: Int, stride: Int, padding: Int, size: Int) throws {
        let x = try tensor([3, 6, size, size], seed: 20), w = try tensor([10, 6, kernel, kernel], seed: 21)
        let b = try tensor([10], seed: 22)
        let y = try x.conv2d(weight: w, bias: b, stride: stride, padding: padding)
        #expect(maxError(y, referenceConv(x, w, b, stride: stride, padding: padding)) < 1e-5)
        let serial = try Tensor(shape: y.shape, scalars: [Float](repeating: 0, count: y.count))
        let g = Conv2DGeometry(
            batch: 3, inChannels: 6, height: size, width: size, outChannels: 10, kernelHeight: kernel,
            kernelWidth: kernel, strideH: stride, strideW: stride, padH: padding, padW: padding)
        Conv2D.forward(
            x.storage.pointer, weight: w.storage.pointer, bias: nil, serial.storage.pointer, g, pool: .serial)
        #expect(maxError(serial, referenceConv(x, w, nil, stride: stride, padding: padding)) < 1e-5)
    }

    @Test func conv2dRejectsBadShapes() throws {
        let x = try Tensor(zeros: [1, 3, 4, 4])
        #expect(throws: TensorError.shapeMismatch(op: "conv2d", lhs: [1, 3, 4, 4], rhs: [2, 4, 3, 3])) {
            try x.conv2d(weight: Tensor(zeros: [2, 4, 3, 3]))
        }
        #expect(throws: TensorError.self) { try x.conv2d(weight: Tensor(zeros: [2, 3, 7, 7])) }
        #expect(throws: TensorError.self) { try x.conv2d(weight: Tensor(zeros: [2, 3, 3, 3]), stride: 0) }
        #expect(throws: TensorError.self) {
            try x.conv2d(weight: Tensor(zeros: [2, 3, 3, 3]), bias: Tensor(zeros: [3]))
        }
    }

    @Test func upsampleAndPool() throws {
        let x = try tensor([2, 3, 4, 5], seed: 14)
        let up = try x.upsampledNearest2x()
        #expect(up.shape == [2, 3, 8, 10])
        for p in 0..<6 {
            for i in 0..<8 {
                for j in 0..<10 {
                    #expect(up[flat: (p * 8 + i) * 10 + j] == x[flat: (p * 4 + i / 2) * 5 + j / 2])
                }
            }
        }
        let pooled = try up.averagePooled(kernel: 2)
        #expect(pooled.shape == x.shape)
        #expect(maxRelativeError(pooled.scalars, x.scalars) < 1e-6)
        let p3 = try x.averagePooled(kernel: 3, stride: 1)
        #expect(p3.shape == [2, 3, 2, 3])
        var e: Float = 0
        for a in 0..<3 { for b in 0..<3 { e += x[flat: (1 * 4 + 1 + a) * 5 + 2 + b] } }
        #expect(abs(p3[flat: (1 * 2 + 1) * 3 + 2] - e / 9) < 1e-6)
        #expect(throws: TensorError.self) { try x.averagePooled(kernel: 6) }
    }
}

@Suite struct AttentionTests {
    @Test(arguments: [
        (1, 1, 1, 1, 4), (2, 3, 77, 77, 64), (1, 2, 130, 300, 40), (2, 2, 65, 20, 33), (2, 1, 250, 250, 8),
    ])
    func matchesReferenceWithMasks(b: Int, h: Int, tq: Int, tk: Int, d: Int) throws {
        let q = try tensor([b, h, tq, d], seed: 21), k = try tensor([b, h, tk, d], seed: 22)
        let v = try tensor([b, h, tk, d + 3], seed: 23)
        let scale = 1 / Double(d).squareRoot()
        // Plain.
        let plain = try Tensor.attention(query: q, key: k, value: v)
        #expect(
            try maxError(
                plain, referenceAttention(q: q, k: k, v: v, causal: false, keyPadding: nil, additive: nil, scale: scale)
            ) < 1e-5)
        // Key padding: the last third of each sample's keys are padding (all of them for sample 1 when b > 1).
        var pad = try Tensor(repeating: 1, shape: [b, tk])
        for bb in 0..<b { for j in 0..<tk where j >= tk - tk / 3 || bb == 1 { pad[flat: bb * tk + j] = 0 } }
        let padded = try Tensor.attention(query: q, key: k, value: v, keyPadding: pad)
        #expect(
            try maxError(
                padded,
                referenceAttention(q: q, k: k, v: v, causal: false, keyPadding: pad, additive: nil, scale: scale))
                < 1e-5)
        // Causal + additive mask broadcast over batch and heads, with some −∞.
        var add = try tensor([tq, tk], seed: 24)
        for i in stride(from: 0, to: add.count, by: 7) { add[flat: i] = -.infinity }
        if tq == tk {
            let c = try Tensor.attention(query: q, key: k, value: v, causal: true, keyPadding: pad, additiveMask: add)
            let e = try referenceAttention(q: q, k: k, v: v, causal: true, keyPadding: pad, additive: add, scale: scale)
            #expect(maxError(c, e) < 1e-5)
        }
        let c2 = try Tensor.attention(query: q, key: k, value: v, causal: true, additiveMask: add, scale: 0.3)
        #expect(
            try maxError(
                c2, referenceAttention(q: q, k: k, v: v, causal: true, keyPadding: nil, additive: add, scale: 0.3))
                < 1e-5)
    }

    @Test func rejectsMismatchedShapes() throws {
        let q = try Tensor(zeros: [1, 2, 3, 4])
        #expect(throws: TensorError.shapeMismatch(op: "attention", lhs: [1, 2, 3, 4], rhs: [1, 2, 3, 5])) {
            try Tensor.attention(query: q, key: Tensor(zeros: [1, 2, 3, 5]), value: Tensor(zeros: [1, 2, 3, 4]))
        }
        #expect(throws: TensorError.self) {
            try Tensor.attention(query: q, key: q, value: q, additiveMask: Tensor(zeros: [4, 3]))
        }
        #expect(throws: TensorError.self) {
            try Tensor.attention(query: q, key: q, value: q, keyPadding: Tensor(zeros: [2, 3]))
        }
    }
}

/// The Winograd F(2×2, 3×3) path against the direct loop, called directly so that small shapes cover its edges:
/// odd output sizes (partial tiles), padding 0–2, tile rows shorter and longer than a 16-tile SIMD group, blocks
/// of tiles that straddle rows and samples, no bias.
@Suite struct WinogradConvTests {
    @Test(arguments: [(2, 20, 30, 1), (1, 7, 9, 0), (3, 5, 37, 2), (2, 33, 34, 1), (1, 2, 2, 1)])
    func matchesDirectLoop(batch: Int, height: Int, width: Int, padding: Int) throws {
        let x = try tensor([batch, 5, height, width], seed: 30), w = try tensor([7, 5, 3, 3], seed: 31)
        let b = try tensor([7], seed: 32)
        let g = Conv2DGeometry(
            batch: batch, inChannels: 5, height: height, width: width, outChannels: 7, kernelHeight: 3,
            kernelWidth: 3, padH: padding, padW: padding)
        for (bias, pool) in [(Optional(b), ThreadPool.shared), (nil, .serial)] {
            let y = try Tensor(zeros: [batch, 7, g.outHeight, g.outWidth])
            WinogradConv.forward(
                x.storage.pointer, weight: w.storage.pointer, bias: bias?.storage.pointer, y.storage.pointer, g,
                pool: pool)
            #expect(maxError(y, referenceConv(x, w, bias, stride: 1, padding: padding)) < 1e-5)
        }
    }

    /// 480 tiles (blocks shared out), and 48 (one block: the threads share its products instead; one thread
    /// takes the block path, so this also checks the two paths against each other).
    @Test(arguments: [(40, 24), (12, 16)])
    func sameBitsForAnyThreadCount(height: Int, width: Int) throws {
        let x = try tensor([2, 6, height, width], seed: 33), w = try tensor([9, 6, 3, 3], seed: 34)
        let g = Conv2DGeometry(
            batch: 2, inChannels: 6, height: height, width: width, outChannels: 9, kernelHeight: 3, kernelWidth: 3,
            padH: 1, padW: 1)
        let outputs = try [ThreadPool.serial, ThreadPool(threadCount: 2), ThreadPool(threadCount: 3)].map { pool in
            let y = try Tensor(zeros: [2, 9, height, width])
            WinogradConv.forward(
                x.storage.pointer, weight: w.storage.pointer, bias: nil, y.storage.pointer, g, pool: pool)
            return y.scalars
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
    }

    /// A UNet-sized convolution goes this way through `conv2d`, and a strided, 1×1 or small one does not.
    @Test func takesUNetConvolutions() throws {
        let g = Conv2DGeometry(
            batch: 1, inChannels: 32, height: 64, width: 64, outChannels: 32, kernelHeight: 3, kernelWidth: 3,
            padH: 1, padW: 1)
        #expect(WinogradConv.applies(to: g) == WinogradConv.enabled)
        var strided = g
        strided.strideH = 2
        strided.strideW = 2
        #expect(!WinogradConv.applies(to: strided))
        var pointwise = g
        pointwise.kernelHeight = 1
        pointwise.kernelWidth = 1
        #expect(!WinogradConv.applies(to: pointwise))
        var small = g
        small.height = 16
        small.width = 16
        #expect(!WinogradConv.applies(to: small))  // 64 tiles: too few to pay for transforming the weights
        let x = try tensor([1, 32, 64, 64], seed: 35), w = try tensor([32, 32, 3, 3], seed: 36)
        let b = try tensor([32], seed: 37)
        let y = try x.conv2d(weight: w, bias: b, padding: 1)
        #expect(maxError(y, referenceConv(x, w, b, stride: 1, padding: 1)) < 1e-5)
    }
}
