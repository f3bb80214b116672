import Foundation
import Testing

@testable import TensorCore

/// Checks a backward kernel against central finite differences of L(x) = Σ dy ⊙ f(x).
/// `forward` maps inputs to outputs; `backward` returns dL/dx given x and dy. Checks every input (small tensors).
func checkGradient(
    _ x: [Float], outputs: Int, seed: UInt64 = 99, h: Float = 1e-2, tolerance: Double = 2e-3,
    forward: ([Float]) -> [Float], backward: ([Float], [Float]) -> [Float], _ name: String
) {
    var rng = TestRandom(seed: seed)
    let dy = rng.array(outputs)
    let analytic = backward(x, dy)
    func loss(_ v: [Float]) -> Double {
        let y = forward(v)
        var s = 0.0
        for i in y.indices { s += Double(dy[i]) * Double(y[i]) }
        return s
    }
    var worst = 0.0
    for i in x.indices {
        var p = x, m = x
        p[i] += h
        m[i] -= h
        let fd = (loss(p) - loss(m)) / Double(p[i] - m[i])
        worst = max(worst, abs(Double(analytic[i]) - fd) / (1 + abs(fd)))
    }
    #expect(worst < tolerance, "\(name): worst gradient error \(worst)")
}

@Suite struct BackwardKernelTests {
    @Test func softmax() {
        var rng = TestRandom(seed: 1)
        let (rows, cols) = (3, 9)
        let x = rng.array(rows * cols).map { $0 * 3 }
        checkGradient(
            x, outputs: rows * cols,
            forward: { v in
                var y = [Float](repeating: 0, count: v.count)
                Softmax.forward(v, &y, rows: rows, cols: cols)
                return y
            },
            backward: { v, dy in
                var y = [Float](repeating: 0, count: v.count), dx = y
                Softmax.forward(v, &y, rows: rows, cols: cols)
                Softmax.backward(y: y, dy: dy, dx: &dx, rows: rows, cols: cols)
                return dx
            }, "softmax")
    }

    @Test func layerNormInputAndParameters() {
        var rng = TestRandom(seed: 2)
        let (rows, c) = (4, 10)
        let x = rng.array(rows * c).map { $0 * 2 }, w = rng.array(c), b = rng.array(c)
        func fwd(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: x.count)
            LayerNorm.forward(x, &y, weight: w, bias: b, rows: rows, channels: c, eps: 1e-5)
            return y
        }
        func bwd(_ x: [Float], _ w: [Float], _ dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
            var y = [Float](repeating: 0, count: x.count), mean = [Float](repeating: 0, count: rows), rstd = mean
            LayerNorm.forward(x, &y, weight: w, bias: b, rows: rows, channels: c, eps: 1e-5, mean: &mean, rstd: &rstd)
            var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: c), db = dw
            LayerNorm.backward(
                x: x, dy: dy, weight: w, mean: mean, rstd: rstd, rows: rows, channels: c, dx: &dx,
                dweight: &dw, dbias: &db)
            return (dx, dw, db)
        }
        checkGradient(x, outputs: x.count, forward: { fwd($0, w, b) }, backward: { bwd($0, w, $1).dx }, "layerNorm dx")
        checkGradient(w, outputs: x.count, forward: { fwd(x, $0, b) }, backward: { bwd(x, $0, $1).dw }, "layerNorm dw")
        checkGradient(b, outputs: x.count, forward: { fwd(x, w, $0) }, backward: { bwd(x, w, $1).db }, "layerNorm db")
    }

    @Test func groupNormInputAndParameters() {
        var rng = TestRandom(seed: 3)
        let (n, c, hw, g) = (2, 8, 5, 4)
        let x = rng.array(n * c * hw).map { $0 * 2 }, w = rng.array(c), b = rng.array(c)
        func fwd(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: x.count)
            GroupNorm.forward(x, &y, weight: w, bias: b, batch: n, channels: c, spatial: hw, groups: g, eps: 1e-5)
            return y
        }
        func bwd(_ x: [Float], _ w: [Float], _ dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
            var y = [Float](repeating: 0, count: x.count), mean = [Float](repeating: 0, count: n * g), rstd = mean
            GroupNorm.forward(
                x, &y, weight: w, bias: b, batch: n, channels: c, spatial: hw, groups: g, eps: 1e-5,
                mean: &mean, rstd: &rstd)
            var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: c), db = dw
            GroupNorm.backward(
                x: x, dy: dy, weight: w, mean: mean, rstd: rstd, batch: n, channels: c, spatial: hw,
                groups: g, dx: &dx, dweight: &dw, dbias: &db)
            return (dx, dw, db)
        }
        checkGradient(x, outputs: x.count, forward: { fwd($0, w, b) }, backward: { bwd($0, w, $1).dx }, "groupNorm dx")
        checkGradient(w, outputs: x.count, forward: { fwd(x, $0, b) }, backward: { bwd(x, $0, $1).dw }, "groupNorm dw")
        checkGradient(b, outputs: x.count, forward: { fwd(x, w, $0) }, backward: { bwd(x, w, $1).db }, "groupNorm db")
    }

    /// Stride 1 computes dx as a convolution of dy with the flipped kernel (padding K − 1 − p); stride 2 and 1×1
    /// scatter Wᵀ·dy.
    @Test(arguments: [(3, 1, 1), (3, 1, 0), (3, 1, 2), (2, 1, 1), (3, 2, 1), (1, 1, 0), (2, 2, 0)])
    func conv2d(kernel: Int, stride: Int, padding: Int) {
        var rng = TestRandom(seed: 4)
        let g = Conv2DGeometry(
            batch: 2, inChannels: 3, height: 5, width: 6, outChannels: 4, kernelHeight: kernel,
            kernelWidth: kernel, strideH: stride, strideW: stride, padH: padding, padW: padding)
        let x = rng.array(2 * 3 * 30), w = rng.array(4 * 3 * kernel * kernel), b = rng.array(4)
        let outputs = 2 * 4 * g.outHeight * g.outWidth
        func fwd(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var y = [Float](repeating: 0, count: outputs)
            Conv2D.forward(x, weight: w, bias: b, &y, g)
            return y
        }
        func bwd(_ x: [Float], _ w: [Float], _ dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
            var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
            var db = [Float](repeating: 0, count: 4)
            Conv2D.backward(x: x, weight: w, dy: dy, g, dx: &dx, dweight: &dw, dbias: &db)
            return (dx, dw, db)
        }
        checkGradient(x, outputs: outputs, forward: { fwd($0, w, b) }, backward: { bwd($0, w, $1).dx }, "conv dx")
        checkGradient(w, outputs: outputs, forward: { fwd(x, $0, b) }, backward: { bwd(x, $0, $1).dw }, "conv dw")
        checkGradient(b, outputs: outputs, forward: { fwd(x, w, $0) }, backward: { bwd(x, w, $1).db }, "conv db")
    }

    @Test func upsampleAndPool() {
        var rng = TestRandom(seed: 5)
        let x = rng.array(2 * 3 * 4)
        checkGradient(
            x, outputs: x.count * 4,
            forward: { v in
                var y = [Float](repeating: 0, count: v.count * 4)
                Resample.upsampleNearest2x(v, &y, planes: 2, height: 3, width: 4)
                return y
            },
            backward: { v, dy in
                var dx = [Float](repeating: 0, count: v.count)
                Resample.upsampleNearest2xBackward(dy: dy, dx: &dx, planes: 2, height: 3, width: 4)
                return dx
            }, "upsample")
        let z = rng.array(2 * 5 * 6)
        for (k, s) in [(2, 2), (3, 1), (2, 3)] {
            let outputs = 2 * ((5 - k) / s + 1) * ((6 - k) / s + 1)
            checkGradient(
                z, outputs: outputs,
                forward: { v in
                    var y = [Float](repeating: 0, count: outputs)
                    Resample.averagePool(v, &y, planes: 2, height: 5, width: 6, kernel: k, stride: s)
                    return y
                },
                backward: { v, dy in
                    var dx = [Float](repeating: 0, count: v.count)
                    Resample.averagePoolBackward(dy: dy, dx: &dx, planes: 2, height: 5, width: 6, kernel: k, stride: s)
                    return dx
                }, "averagePool \(k)/\(s)")
        }
    }
}
