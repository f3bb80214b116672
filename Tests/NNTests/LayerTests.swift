import Foundation
import Testing

@testable import NN

/// Each layer against a plain loop written from the PyTorch definition.
@Suite struct LayerTests {
    let inference = Tape(recording: false)

    func randomized<M: Module>(_ m: M, seed: UInt64) throws -> M {
        var r = TestRandom(seed: seed)
        for (_, v) in m.parameters() { try v.update(r.tensor(v.shape)) }
        return m
    }

    @Test func linear() throws {
        let l = try randomized(Linear(5, 3), seed: 1)
        var r = TestRandom(seed: 2)
        let x = try r.tensor([2, 4, 5])
        let y = try l(.constant(x), tape: inference).value
        #expect(y.shape == [2, 4, 3])
        let w = l.weight.value.scalars, b = l.bias!.value.scalars, xs = x.scalars
        var expected: [Float] = []
        for row in 0..<8 {
            for o in 0..<3 {
                var s = Double(b[o])
                for i in 0..<5 { s += Double(xs[row * 5 + i]) * Double(w[o * 5 + i]) }
                expected.append(Float(s))
            }
        }
        #expect(maxError(y.scalars, expected) < 1e-5)
    }

    @Test func conv2d() throws {
        let c = try randomized(Conv2d(2, 3, kernelSize: 3, stride: 2, padding: 1), seed: 3)
        var r = TestRandom(seed: 4)
        let x = try r.tensor([1, 2, 5, 5])
        let y = try c(.constant(x), tape: inference).value
        #expect(y.shape == [1, 3, 3, 3])
        let w = c.weight.value.scalars, b = c.bias!.value.scalars, xs = x.scalars
        var expected: [Float] = []
        for o in 0..<3 {
            for oy in 0..<3 {
                for ox in 0..<3 {
                    var s = Double(b[o])
                    for ci in 0..<2 {
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx
                                guard iy >= 0, iy < 5, ix >= 0, ix < 5 else { continue }
                                s += Double(xs[ci * 25 + iy * 5 + ix]) * Double(w[((o * 2 + ci) * 3 + ky) * 3 + kx])
                            }
                        }
                    }
                    expected.append(Float(s))
                }
            }
        }
        #expect(maxError(y.scalars, expected) < 1e-5)
    }

    @Test func layerNormAndGroupNorm() throws {
        let ln = try randomized(LayerNorm(6, eps: 1e-5), seed: 5)
        var r = TestRandom(seed: 6)
        let x = try r.tensor([3, 6])
        let y = try ln(.constant(x), tape: inference).value.scalars
        let w = ln.weight!.value.scalars, b = ln.bias!.value.scalars
        var expected: [Float] = []
        for row in 0..<3 {
            let v = x.scalars[(row * 6)..<(row * 6 + 6)].map(Double.init)
            let mean = v.reduce(0, +) / 6, variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
            for i in 0..<6 {
                expected.append(Float((v[i] - mean) / (variance + 1e-5).squareRoot() * Double(w[i]) + Double(b[i])))
            }
        }
        #expect(maxError(y, expected) < 1e-5)

        let gn = try randomized(GroupNorm(groups: 2, channels: 4, eps: 1e-6), seed: 7)
        let g = try r.tensor([1, 4, 3])
        let gy = try gn(.constant(g), tape: inference).value.scalars
        var gExpected: [Float] = []
        for group in 0..<2 {
            let v = g.scalars[(group * 6)..<(group * 6 + 6)].map(Double.init)
            let mean = v.reduce(0, +) / 6, variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
            for i in 0..<6 {
                let c = group * 2 + i / 3
                gExpected.append(
                    Float(
                        (v[i] - mean) / (variance + 1e-6).squareRoot() * Double(gn.weight!.value.scalars[c])
                            + Double(gn.bias!.value.scalars[c])))
            }
        }
        #expect(maxError(gy, gExpected) < 1e-5)
        #expect(throws: TensorError.self) { try GroupNorm(groups: 3, channels: 4) }
    }

    @Test func embedding() throws {
        let e = try randomized(Embedding(10, 4), seed: 8)
        let y = try e([3, 0, 9, 3], shape: [2, 2], tape: inference).value
        #expect(y.shape == [2, 2, 4])
        let table = e.weight.value.scalars
        #expect(Array(y.scalars[8..<12]) == Array(table[36..<40]))
        #expect(throws: TensorError.self) { try e([10], shape: [1], tape: inference) }
        #expect(throws: TensorError.self) { try e([1, 2], shape: [3], tape: inference) }
    }

    @Test func activationNamesFromConfigs() throws {
        #expect(try Activation(configName: "quick_gelu") == .quickGelu)
        #expect(try Activation(configName: "gelu") == .gelu)
        #expect(try Activation(configName: "gelu_pytorch_tanh") == .geluTanh)
        #expect(throws: TensorError.self) { try Activation(configName: "relu6") }
    }

    /// Multi-head attention against a naive per-head softmax loop, with each mask kind.
    @Test(arguments: [false, true])
    func attention(causal: Bool) throws {
        let (b, t, s, c, h) = (2, 4, 5, 6, 3)
        let a = try randomized(MultiHeadAttention(dim: c, heads: h, contextDim: causal ? nil : 4), seed: 9)
        var r = TestRandom(seed: 10)
        let x = try r.tensor([b, t, c]), ctx = try r.tensor([b, s, 4])
        let padding = try Tensor(shape: [b, s], scalars: [1, 1, 1, 0, 1, 1, 1, 1, 1, 0])
        let additive = try r.tensor([1, 1, t, s])
        let ctxOrX = causal ? x : ctx
        let len = causal ? t : s
        let pad: Tensor? = causal ? nil : padding
        let got = try a(
            .constant(x), context: causal ? nil : .constant(ctx), causal: causal, keyPadding: pad,
            additiveMask: causal ? nil : additive, tape: inference
        ).value

        let q = try a.query(.constant(x), tape: inference).value.scalars
        let k = try a.key(.constant(ctxOrX), tape: inference).value.scalars
        let v = try a.value(.constant(ctxOrX), tape: inference).value.scalars
        let d = c / h
        var merged = [Float](repeating: 0, count: b * t * c)
        for bi in 0..<b {
            for hi in 0..<h {
                for i in 0..<t {
                    var scores: [Double] = []
                    for j in 0..<len {
                        var dot = 0.0
                        for e in 0..<d {
                            dot += Double(q[(bi * t + i) * c + hi * d + e]) * Double(k[(bi * len + j) * c + hi * d + e])
                        }
                        var sc = dot / Double(d).squareRoot()
                        if causal && j > i { sc = -.infinity }
                        if !causal {
                            if padding.scalars[bi * s + j] == 0 { sc = -.infinity }
                            sc += Double(additive.scalars[i * s + j])
                        }
                        scores.append(sc)
                    }
                    let m = scores.max() ?? 0
                    let ex = scores.map { Foundation.exp($0 - m) }
                    let z = ex.reduce(0, +)
                    for e in 0..<d {
                        var acc = 0.0
                        for j in 0..<len { acc += ex[j] / z * Double(v[(bi * len + j) * c + hi * d + e]) }
                        merged[(bi * t + i) * c + hi * d + e] = Float(acc)
                    }
                }
            }
        }
        let expected = try a.output(.constant(Tensor(shape: [b, t, c], scalars: merged)), tape: inference).value
        #expect(got.shape == [b, t, c])
        #expect(maxError(got.scalars, expected.scalars) < 1e-5)
    }

    @Test func feedForward() throws {
        let ff = try randomized(FeedForward(dim: 3, hiddenDim: 5, activation: .quickGelu), seed: 11)
        var r = TestRandom(seed: 12)
        let x = try r.tensor([2, 3])
        let y = try ff(.constant(x), tape: inference).value
        let h = try ff.fc1(.constant(x), tape: inference).value.scalars.map { $0 / (1 + Foundation.exp(-1.702 * $0)) }
        let expected = try ff.fc2(.constant(Tensor(shape: [2, 5], scalars: h)), tape: inference).value
        #expect(maxError(y.scalars, expected.scalars) < 1e-5)
    }

    @Test func batchNormUsesRunningStatisticsAndReluMasks() throws {
        let bn = try randomized(BatchNorm2d(2, eps: 1e-3), seed: 13)
        try bn.runningVar.update(Tensor(shape: [2], scalars: [0.5, 2]))
        var r = TestRandom(seed: 14)
        let x = try r.tensor([1, 2, 2, 2])
        let y = try bn(.constant(x), tape: inference).value.scalars
        let w = bn.weight.value.scalars, b = bn.bias.value.scalars, m = bn.runningMean.value.scalars
        let v: [Float] = [0.5, 2]
        let expected = x.scalars.enumerated().map { i, value in
            let c = i / 4
            return (value - m[c]) / (v[c] + 1e-3).squareRoot() * w[c] + b[c]
        }
        #expect(maxError(y, expected) < 1e-5)
        // ReLU: forward clamps, the gradient passes only where x > 0; running statistics get none.
        let tape = Tape()
        let input = Variable(x)
        let out = try tape.relu(bn(input, tape: tape))
        #expect(out.value.scalars == y.map { max($0, 0) })
        try tape.backward(tape.sum(out))
        #expect(bn.runningMean.grad == nil && bn.weight.grad != nil)
        #expect(
            input.grad?.scalars
                == y.enumerated().map { i, value in value > 0 ? w[i / 4] / (v[i / 4] + 1e-3).squareRoot() : 0 })
    }
}
