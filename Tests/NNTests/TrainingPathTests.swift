import Testing

@testable import NN

/// A tiny pre-LN transformer block: the same forward serves inference and training.
final class TinyBlock: Module {
    let norm: LayerNorm
    let attn: MultiHeadAttention
    let mlp: FeedForward

    override init() {
        norm = try! LayerNorm(4)
        attn = try! MultiHeadAttention(dim: 4, heads: 2)
        mlp = try! FeedForward(dim: 4, hiddenDim: 8, activation: .gelu)
    }

    /// x: [B, T, 4] → [B, T, 4]
    func callAsFunction(_ x: Variable, tape: Tape) throws -> Variable {
        let h = try tape.add(x, attn(norm(x, tape: tape), causal: true, tape: tape))  // h: [B, T, 4]
        return try tape.add(h, mlp(h, tape: tape))
    }
}

@Suite struct TrainingPathTests {
    @Test func inferenceRecordsNothingAndMatchesTraining() throws {
        let m = TinyBlock()
        try m.initializeParameters(seed: 1)
        var r = TestRandom(seed: 2)
        let x = try r.tensor([2, 3, 4])
        let inference = Tape(recording: false)
        let y0 = try m(.constant(x), tape: inference)
        #expect(inference.count == 0 && !y0.requiresGrad)
        let training = Tape()
        let y1 = try m(.constant(x), tape: training)
        #expect(training.count > 0 && y1.requiresGrad)
        #expect(y0.value.scalars == y1.value.scalars)
    }

    /// Gradients through the module tree against central finite differences in float32.
    @Test func gradientsMatchFiniteDifferences() throws {
        let m = TinyBlock()
        try m.initializeParameters(seed: 3)
        var r = TestRandom(seed: 4)
        let x = try r.tensor([1, 3, 4])
        func loss() throws -> Float {
            try m(.constant(x), tape: Tape(recording: false)).value.scalars.enumerated()
                .reduce(0) { $0 + $1.element * Float($1.offset % 5 + 1) * 0.1 }
        }
        let tape = Tape()
        let y = try m(.constant(x), tape: tape)
        let weights = try Variable.constant(
            Tensor(shape: y.shape, scalars: (0..<y.value.count).map { Float($0 % 5 + 1) * 0.1 }))
        try tape.backward(tape.sum(tape.multiply(y, weights)))
        for (key, p) in m.parameters() {
            guard let g = p.grad else {
                Issue.record("no gradient for \(key)")
                continue
            }
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 5)) {
                let old = p.value[flat: i], h: Float = 1e-2
                p.withMutableValue { $0[i] = old + h }
                let up = try loss()
                p.withMutableValue { $0[i] = old - h }
                let down = try loss()
                p.withMutableValue { $0[i] = old }
                let numeric = (up - down) / (2 * h)
                #expect(abs(numeric - g[flat: i]) < 2e-2 * (1 + abs(numeric)), "\(key)[\(i)]")
            }
        }
    }
}

@Suite struct InferenceCacheTests {
    let m = TinyBlock(), tape = Tape(recording: false)
    let x: Tensor, plain: [Float]

    /// A block with random weights, an input and its output before any cache.
    init() throws {
        try m.initializeParameters(seed: 5)
        var r = TestRandom(seed: 6)
        x = try r.tensor([2, 3, 4])
        plain = try m(.constant(x), tape: tape).value.scalars
    }

    @Test func packedWeightsGiveTheSameResultsAndFollowUpdates() throws {
        try m.prepareTreeForInference()
        #expect(maxError(try m(.constant(x), tape: tape).value.scalars, plain) < 1e-6)
        // An in-place optimizer-style update must not be hidden by the packed copy.
        m.mlp.fc1.weight.withMutableValue { w in for i in w.indices { w[i] *= 0.5 } }
        let updated = try m(.constant(x), tape: tape).value.scalars
        m.releaseInferenceCaches()
        #expect(try m(.constant(x), tape: tape).value.scalars == updated)
        #expect(maxError(updated, plain) > 1e-4)
    }

    /// A stage keeps only the packed copy: same results, the plain weight reads as zeros, and weights loaded
    /// afterwards are used.
    @Test func droppingThePlainWeightsKeepsTheResults() throws {
        let fc1 = m.mlp.fc1.weight.value
        try m.prepareTreeForInference(keepingWeights: false)
        #expect(maxError(try m(.constant(x), tape: tape).value.scalars, plain) < 1e-6)
        #expect(m.mlp.fc1.weight.value.scalars.allSatisfy { $0 == 0 })
        try m.mlp.fc1.weight.update(Tensor(shape: fc1.shape, scalars: fc1.scalars.map { $0 * 0.5 }))
        #expect(maxError(try m(.constant(x), tape: tape).value.scalars, plain) > 1e-4)
    }
}
