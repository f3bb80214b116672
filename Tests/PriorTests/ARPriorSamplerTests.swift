import Foundation
import NN
import Prior
import Testing

/// Seeding, guidance, temperature and top-p of the AR prior's sampler.
@Suite struct ARPriorSamplerTests {
    @Test func samplingIsDeterministicBySeed() throws {
        let (prior, data) = try ARFixtures.prior()
        let batch = try data.rows([0, 1, 2])
        var sampler = ARPriorSampler(prior: prior)
        sampler.guidanceScale = 3
        sampler.topP = 0.9
        func draw(_ seed: UInt64) throws -> ARPriorSampler.Sample {
            try sampler.sample(
                tokens: batch.tokens, mask: batch.mask, textEmbedding: batch.textEmbeddings, seed: seed)
        }
        let a = try draw(7), b = try draw(7), c = try draw(8)
        #expect(a.imageEmbeddings.shape == [3, prior.configuration.embeddingDim])
        #expect(a.codes.count == 3 * prior.configuration.components)
        #expect(a.codes == b.codes && a.imageEmbeddings.scalars == b.imageEmbeddings.scalars)
        #expect(a.codes != c.codes)
        // The cosine token comes from the top half of the training cosines.
        let median = prior.codebook.dot.code(prior.codebook.dotQuantile(0.5), channel: 0)
        #expect(a.dotTokens.allSatisfy { $0 >= median })
        // Items are independent of their batch neighbours only through their own uniforms: the first item alone
        // with the same seed draws the same cosine token.
        let single = try data.rows([0])
        let alone = try sampler.sample(
            tokens: single.tokens, mask: single.mask, textEmbedding: single.textEmbeddings, seed: 7)
        #expect(alone.dotTokens[0] == a.dotTokens[0])
    }

    @Test func topPAndTemperature() throws {
        let logits: [Float] = [2, 1, 0.5, 0, -1]
        // top-p small or temperature near zero: always the argmax.
        for u in stride(from: Float(0), to: 1, by: 0.05) {
            #expect(ARPriorSampler.pick(logits: logits, temperature: 1, topP: 0.01, uniform: u) == 0)
            #expect(ARPriorSampler.pick(logits: logits, temperature: 1e-3, topP: 1, uniform: u) == 0)
        }
        // top-p = 0.8 keeps the buckets {0, 1, 2} (softmax mass 0.55, 0.20, 0.12 → 0.87 ≥ 0.8).
        var seen = Set<Int>()
        for u in stride(from: Float(0), to: 1, by: 0.01) {
            seen.insert(ARPriorSampler.pick(logits: logits, temperature: 1, topP: 0.8, uniform: u))
        }
        #expect(seen == [0, 1, 2])
        // Temperature flattens: the argmax's share of a uniform grid falls as the temperature rises.
        func share(_ temperature: Float) -> Int {
            stride(from: Float(0.0005), to: 1, by: 0.001).filter {
                ARPriorSampler.pick(logits: logits, temperature: temperature, topP: 1, uniform: $0) == 0
            }.count
        }
        #expect(share(0.5) > share(1))
        #expect(share(1) > share(4))
        #expect(abs(share(1000) - 200) < 10)
        // Inverse CDF at u: with temperature 1 and top-p 1, u below p₀ picks bucket 0.
        #expect(ARPriorSampler.pick(logits: logits, temperature: 1, topP: 1, uniform: 0.5) == 0)
        #expect(ARPriorSampler.pick(logits: logits, temperature: 1, topP: 1, uniform: 0.999) == 4)
    }

    @Test func badOptionsThrow() throws {
        let (prior, data) = try ARFixtures.prior()
        let batch = try data.rows([0])
        var sampler = ARPriorSampler(prior: prior)
        sampler.temperature = 0
        #expect(throws: PriorError.self) {
            try sampler.sample(tokens: batch.tokens, mask: nil, textEmbedding: batch.textEmbeddings, seed: 0)
        }
        sampler.temperature = 1
        sampler.topP = 0
        #expect(throws: PriorError.self) {
            try sampler.sample(tokens: batch.tokens, mask: nil, textEmbedding: batch.textEmbeddings, seed: 0)
        }
        sampler.topP = 1
        #expect(throws: PriorError.self) {
            try sampler.sample(tokens: [0, 1], mask: nil, textEmbedding: batch.textEmbeddings, seed: 0)
        }
        #expect(throws: PriorError.self) {
            try sampler.sample(
                tokens: Array(repeating: 99_999, count: prior.configuration.textLength), mask: nil,
                textEmbedding: batch.textEmbeddings, seed: 0)
        }
    }
}
