import Diffusion
import Foundation
import NN
import Prior
import Testing

/// Best-of-N, seeding and replay of `PriorSampler` on a small random model.
@Suite struct PriorSamplerTests {
    func conditioning(batch: Int, model: PriorTransformer, seed: UInt64) throws -> PriorConditioning {
        let c = model.configuration
        var rng = PhiloxRandom(seed: seed)
        var mask = try Tensor(zeros: [batch, c.textLength])
        mask.withUnsafeMutableBufferPointer { p in
            for b in 0..<batch { for t in 0..<(2 + b % (c.textLength - 1)) { p[b * c.textLength + t] = 1 } }
        }
        return try PriorConditioning(
            textEmbedding: rng.normal(shape: [batch, c.embeddingDim]),
            hiddenStates: rng.normal(shape: [batch, c.textLength, c.embeddingDim]), mask: mask)
    }

    func sampler(_ model: PriorTransformer) throws -> PriorSampler {
        var s = try PriorSampler(model: model, unconditional: conditioning(batch: 1, model: model, seed: 99))
        s.steps = 4
        return s
    }

    @Test func bestOfNKeepsTheHighestDotProduct() throws {
        let model = try randomPrior()
        var s = try sampler(model)
        s.candidates = 3
        let text = try conditioning(batch: 2, model: model, seed: 5)
        let result = try s.sample(text, seed: 42)
        #expect(result.imageEmbeddings.shape == [2, 12])
        #expect(result.initialNoise.shape == [2, 12])
        #expect(result.scores.shape == [2, 3])
        let scores = result.scores.scalars, e = result.imageEmbeddings.scalars, t = text.textEmbedding.scalars
        for b in 0..<2 {
            let row = Array(scores[b * 3..<(b + 1) * 3])
            #expect(row[result.chosen[b]] == row.max())
            let dot = (0..<12).reduce(Float(0)) { $0 + e[b * 12 + $1] * t[b * 12 + $1] }
            #expect(abs(dot - row.max()!) <= 1e-4 * max(1, abs(dot)))
        }
        // The starting noise is the seed's Philox stream, chain b·N + n.
        var rng = PhiloxRandom(seed: 42)
        let all = try rng.normal(shape: [6, 12]).scalars
        for b in 0..<2 {
            let row = b * 3 + result.chosen[b]
            #expect(Array(result.initialNoise.scalars[b * 12..<(b + 1) * 12]) == Array(all[row * 12..<(row + 1) * 12]))
        }
    }

    @Test func sameSeedSameResultAndReplayFromRecordedNoise() throws {
        let model = try randomPrior()
        var s = try sampler(model)
        s.candidates = 2
        let text = try conditioning(batch: 2, model: model, seed: 6)
        let first = try s.sample(text, seed: 7)
        let again = try s.sample(text, seed: 7)
        #expect(first.imageEmbeddings.scalars == again.imageEmbeddings.scalars)
        let other = try s.sample(text, seed: 8)
        #expect(first.imageEmbeddings.scalars != other.imageEmbeddings.scalars)
        // Replay: one chain per item from the recorded starting noise reproduces the chosen candidates exactly.
        s.candidates = 5
        let replay = try s.sample(text, seed: 7, initialNoise: first.initialNoise)
        #expect(replay.imageEmbeddings.scalars == first.imageEmbeddings.scalars)
        #expect(replay.initialNoise.scalars == first.initialNoise.scalars)
    }

    @Test func batchingDoesNotChangeAnItem() throws {
        // Item 1 of a batch of 2 equals the same item sampled alone from the same starting noise.
        let model = try randomPrior()
        var s = try sampler(model)
        s.candidates = 1
        let text = try conditioning(batch: 2, model: model, seed: 9)
        let both = try s.sample(text, seed: 3)
        let single = try PriorConditioning(
            textEmbedding: Tensor(shape: [1, 12], scalars: Array(text.textEmbedding.scalars[12...])),
            hiddenStates: Tensor(shape: [1, 5, 12], scalars: Array(text.hiddenStates!.scalars[60...])),
            mask: Tensor(shape: [1, 5], scalars: Array(text.mask!.scalars[5...])))
        let alone = try s.sample(
            single, seed: 3, initialNoise: Tensor(shape: [1, 12], scalars: Array(both.initialNoise.scalars[12...])))
        let a = Array(both.imageEmbeddings.scalars[12...]), b = alone.imageEmbeddings.scalars
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
    }

    @Test func guidanceNeedsTheUnconditionalConditioning() throws {
        let model = try randomPrior()
        var s = try PriorSampler(model: model, unconditional: nil)
        s.steps = 3
        let text = try conditioning(batch: 1, model: model, seed: 1)
        #expect(throws: PriorError.self) { try s.sample(text, seed: 1) }
        s.guidanceScale = 1
        #expect(try s.sample(text, seed: 1).imageEmbeddings.shape == [1, 12])
    }

    @Test func badOptionsAndShapesAreTypedErrors() throws {
        let model = try randomPrior()
        var s = try sampler(model)
        let text = try conditioning(batch: 2, model: model, seed: 1)
        #expect(throws: PriorError.self) { try s.sample(text, seed: 1, initialNoise: Tensor(zeros: [2, 11])) }
        s.candidates = 0
        #expect(throws: PriorError.self) { try s.sample(text, seed: 1) }
        s.candidates = 1
        s.steps = 1
        #expect(throws: PriorError.self) { try s.sample(text, seed: 1) }
    }
}
