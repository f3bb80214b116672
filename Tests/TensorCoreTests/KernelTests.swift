import Foundation
import Testing

@testable import TensorCore

func tensor(_ shape: [Int], seed: UInt64, scale: Float = 1) throws -> Tensor {
    var rng = TestRandom(seed: seed)
    return try Tensor(shape: shape, scalars: rng.array(shape.reduce(1, *)).map { $0 * scale })
}

@Suite struct TensorTests {
    @Test func reshapeSharesStorageAndCopiesOnWrite() throws {
        let a = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        var b = try a.reshaped([3, -1])
        #expect(b.shape == [3, 2])
        #expect(b.storage === a.storage)
        b[flat: 0] = 9
        #expect(a[flat: 0] == 1 && b[flat: 0] == 9)
        #expect(throws: TensorError.self) { try a.reshaped([4, 2]) }
        #expect(throws: TensorError.self) { try a.reshaped([-1, -1]) }
        #expect(throws: TensorError.self) { try Tensor(zeros: [2, -1]) }
        #expect(throws: TensorError.self) { try Tensor(shape: [2, 2], scalars: [1, 2, 3]) }
        #expect(Int(bitPattern: UnsafeRawPointer(a.storage.pointer)) % 64 == 0)
    }

    @Test func matmulBroadcastsAndChecksShapes() throws {
        let a = try tensor([2, 3, 5, 4], seed: 1), b = try tensor([4, 6], seed: 2)
        let c = try a.matmul(b)
        #expect(c.shape == [2, 3, 5, 6])
        var expected = [Float](repeating: 0, count: 30)
        referenceGEMM(
            transA: false, transB: false, m: 5, n: 6, k: 4, alpha: 1, a: Array(a.scalars[20..<40]), lda: 4,
            b: b.scalars, ldb: 6, beta: 0, c: &expected, ldc: 6)
        #expect(maxRelativeError(Array(c.scalars[30..<60]), expected) < 1e-6)
        // Batch dims [3, 1] × [1, 2] broadcast to [3, 2].
        let x = try tensor([3, 1, 2, 4], seed: 3), y = try tensor([1, 2, 4, 5], seed: 4)
        let z = try x.matmul(y)
        #expect(z.shape == [3, 2, 2, 5])
        var e2 = [Float](repeating: 0, count: 10)
        referenceGEMM(
            transA: false, transB: false, m: 2, n: 5, k: 4, alpha: 1, a: Array(x.scalars[16..<24]), lda: 4,
            b: Array(y.scalars[20..<40]), ldb: 5, beta: 0, c: &e2, ldc: 5)
        #expect(maxRelativeError(Array(z.scalars[(5 * 10)..<(6 * 10)]), e2) < 1e-6)
        #expect(throws: TensorError.shapeMismatch(op: "matmul", lhs: [2, 3], rhs: [4, 5])) {
            try Tensor(zeros: [2, 3]).matmul(Tensor(zeros: [4, 5]))
        }
        let w = try tensor([6, 4], seed: 5), bias = try tensor([6], seed: 6)
        let lin = try a.linear(weight: w, bias: bias)
        let ref = try (a.matmul(w, transposeOther: true)) + bias
        #expect(maxRelativeError(lin.scalars, ref.scalars) < 1e-6)
        #expect(throws: TensorError.self) { try a.linear(weight: Tensor(zeros: [6, 5])) }
    }

    @Test func broadcastingBinaryOps() throws {
        let a = try tensor([2, 3, 4], seed: 1), b = try tensor([3, 1], seed: 2), s = try Tensor(shape: [], scalars: [2])
        for op in BinaryOp.allCases {
            let c = try a.binary(op, b)
            #expect(c.shape == [2, 3, 4])
            for i in 0..<2 {
                for j in 0..<3 {
                    for k in 0..<4 {
                        #expect(c[flat: (i * 3 + j) * 4 + k] == op.apply(a[flat: (i * 3 + j) * 4 + k], b[flat: j]))
                    }
                }
            }
            let d = try b.binary(op, a)  // broadcast on the left operand
            #expect(d[flat: 5] == op.apply(b[flat: 1], a[flat: 5]))
            let e = try a.binary(op, s)
            #expect(e[flat: 7] == op.apply(a[flat: 7], 2))
        }
        #expect(throws: TensorError.shapeMismatch(op: "add", lhs: [2, 3, 4], rhs: [3, 2])) {
            try a + Tensor(zeros: [3, 2])
        }
    }

    @Test func reductions() throws {
        let a = try tensor([3, 4, 5], seed: 3)
        for r in Reduction.allCases {
            let out = try a.reduced(r, axis: 1)
            #expect(out.shape == [3, 5])
            for i in 0..<3 {
                for k in 0..<5 {
                    let vals = (0..<4).map { a[flat: (i * 4 + $0) * 5 + k] }
                    let expected: Float
                    switch r {
                    case .sum: expected = vals.reduce(0, +)
                    case .mean: expected = vals.reduce(0, +) / 4
                    case .max: expected = vals.max()!
                    case .min: expected = vals.min()!
                    }
                    #expect(abs(out[flat: i * 5 + k] - expected) < 1e-6)
                }
            }
        }
        #expect(try a.reduced(.sum, axis: -1, keepingDimension: true).shape == [3, 4, 1])
        #expect(throws: TensorError.self) { try a.reduced(.max, axis: 3) }
        #expect(abs(a.sum() - a.scalars.reduce(0, +)) < 1e-4)
    }
}

@Suite struct ActivationTests {
    static func reference(_ f: Activation, _ x: Double) -> Double {
        switch f {
        case .gelu: return 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
        case .geluTanh: return 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
        case .quickGelu: return x / (1 + exp(-1.702 * x))
        case .silu: return x / (1 + exp(-x))
        }
    }

    @Test(arguments: Activation.allCases)
    func forwardMatchesReference(f: Activation) throws {
        let xs: [Float] = (0..<2001).map { Float($0 - 1000) / 100 } + [-90, 90, 0]
        let x = try Tensor(shape: [xs.count], scalars: xs)
        let y = x.activated(f)
        for i in 0..<xs.count {
            let e = ActivationTests.reference(f, Double(xs[i]))
            #expect(abs(Double(y[flat: i]) - e) <= 2e-6 * (1 + abs(e)), "\(f) at \(xs[i])")
        }
    }

    @Test(arguments: Activation.allCases)
    func backwardMatchesFiniteDifferences(f: Activation) throws {
        let xs: [Float] = (0..<81).map { Float($0 - 40) / 8 }
        var dx = [Float](repeating: 0, count: xs.count)
        let ones = [Float](repeating: 1, count: xs.count)
        f.backward(x: xs, dy: ones, dx: &dx, count: xs.count)
        for i in xs.indices {
            let h = 1e-3
            let fd =
                (ActivationTests.reference(f, Double(xs[i]) + h) - ActivationTests.reference(f, Double(xs[i]) - h))
                / (2 * h)
            #expect(abs(Double(dx[i]) - fd) < 1e-5 * (1 + abs(fd)), "\(f) at \(xs[i])")
        }
    }
}

@Suite struct NormalizationTests {
    @Test func softmaxRows() throws {
        var x = try tensor([5, 37], seed: 4, scale: 5)
        x[flat: 3] = -.infinity
        let y = try x.softmax()
        for r in 0..<5 {
            let row = (0..<37).map { Double(x[flat: r * 37 + $0]) }
            let m = row.max()!
            let s = row.map { exp($0 - m) }.reduce(0, +)
            for j in 0..<37 {
                #expect(abs(Double(y[flat: r * 37 + j]) - exp(row[j] - m) / s) < 1e-6)
            }
        }
        let masked = try Tensor(repeating: -.infinity, shape: [2, 3]).softmax()
        #expect(masked.scalars == [0, 0, 0, 0, 0, 0])
    }

    @Test func layerNormMatchesReference() throws {
        let x = try tensor([6, 50], seed: 5, scale: 3), w = try tensor([50], seed: 6), b = try tensor([50], seed: 7)
        let y = try x.layerNorm(weight: w, bias: b, eps: 1e-5)
        for r in 0..<6 {
            let row = (0..<50).map { Double(x[flat: r * 50 + $0]) }
            let mu = row.reduce(0, +) / 50
            let v = row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 50
            for j in 0..<50 {
                let e = (row[j] - mu) / (v + 1e-5).squareRoot() * Double(w[flat: j]) + Double(b[flat: j])
                #expect(abs(Double(y[flat: r * 50 + j]) - e) < 1e-5)
            }
        }
        #expect(throws: TensorError.shapeMismatch(op: "layerNorm", lhs: [6, 50], rhs: [49])) {
            try x.layerNorm(weight: Tensor(zeros: [49]), bias: nil)
        }
    }

    @Test func groupNormMatchesReference() throws {
        let (n, c, hw, g) = (2, 64, 9, 32)
        let x = try tensor([n, c, 3, 3], seed: 8, scale: 2), w = try tensor([c], seed: 9), b = try tensor([c], seed: 10)
        let y = try x.groupNorm(groups: g, weight: w, bias: b, eps: 1e-6)
        let cpg = c / g
        for i in 0..<n {
            for gg in 0..<g {
                let base = (i * c + gg * cpg) * hw
                let vals = (0..<(cpg * hw)).map { Double(x[flat: base + $0]) }
                let mu = vals.reduce(0, +) / Double(vals.count)
                let v = vals.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(vals.count)
                for idx in 0..<(cpg * hw) {
                    let ch = gg * cpg + idx / hw
                    let e = (vals[idx] - mu) / (v + 1e-6).squareRoot() * Double(w[flat: ch]) + Double(b[flat: ch])
                    #expect(abs(Double(y[flat: base + idx]) - e) < 1e-5)
                }
            }
        }
        #expect(throws: TensorError.self) { try x.groupNorm(groups: 5, weight: nil, bias: nil) }
    }

    /// The inference fusion (norm, then y·(1 + scale) + shift per sample and channel, then an activation, in one
    /// pass) against the same steps as separate ops.
    @Test(arguments: [Activation.silu, .gelu])
    func groupNormWithModulationAndActivation(activation: Activation) throws {
        let (n, c) = (2, 64)
        let x = try tensor([n, c, 5, 7], seed: 11, scale: 2), w = try tensor([c], seed: 12),
            b = try tensor([c], seed: 13)
        let scale = try tensor([n, c], seed: 14), shift = try tensor([n, c], seed: 15)
        let fused = try x.groupNorm(
            groups: 32, weight: w, bias: b, modulation: (scale, shift), activation: activation)
        let normed = try x.groupNorm(groups: 32, weight: w, bias: b)
        let s = try scale.reshaped([n, c, 1, 1]), t = try shift.reshaped([n, c, 1, 1])
        let expected = try (normed + normed * s + t).activated(activation)
        #expect(maxRelativeError(fused.scalars, expected.scalars) < 1e-5)
        let plain = try x.groupNorm(groups: 32, weight: w, bias: b, activation: activation)
        #expect(maxRelativeError(plain.scalars, normed.activated(activation).scalars) < 1e-5)
        #expect(throws: TensorError.self) {
            try x.groupNorm(groups: 32, weight: w, bias: b, modulation: (shift, try tensor([n, c, 1], seed: 16)))
        }
    }
}

@Suite struct VectorExpTests {
    @Test func expNonPositiveMatchesLibm() {
        var worst: Double = 0
        // A dense sweep of [-90, 0] plus the edges of the polynomial's range and of the clamp.
        var xs = (0...90_000).map { -Float($0) * 0.001 }
        xs += [0, -0.0, -0.346_573_6, -0.346_573_7, -86.999, -87, -87.001, -103, -.infinity, -1e-30]
        for start in stride(from: 0, to: xs.count - 15, by: 16) {
            let x = SIMD16<Float>((0..<16).map { xs[start + $0] })
            let e = VectorOps.expNonPositive(x)
            for i in 0..<16 {
                if x[i] < -87 {
                    #expect(e[i] == 0, "exp(\(x[i])) = \(e[i])")
                } else {
                    let want = Foundation.exp(Double(x[i]))
                    worst = max(worst, abs(Double(e[i]) - want) / want)
                }
            }
        }
        #expect(worst < 2e-7, "worst relative error \(worst)")
    }
}
