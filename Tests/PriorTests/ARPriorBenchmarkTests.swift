import Foundation
import NN
import Prior
import Testing

/// Opt-in timings at the paper's sizes (D = 768, K = 319, 1024 buckets, 77 tokens): `AR_BENCH=1 swift test
/// --filter ARPriorBenchmarkTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["AR_BENCH"] != nil)) struct ARPriorBenchmarkTests {
    @Test func paperSizes() throws {
        let d = 768
        var rng = PhiloxRandom(seed: 1)
        let g = try rng.normal(shape: [1000, d])
        var clock = ContinuousClock.now
        let pca = try EmbeddingPCA(fitting: g, varianceFraction: 0.99, maxComponents: 319)
        let pcaTime = ContinuousClock.now - clock
        var c = ARPriorConfiguration()
        c.embeddingDim = d
        c.components = pca.componentCount
        let z = try pca.transform(g).scalars
        let codebook = try ARPriorCodebook(
            pca: pca,
            codes: UniformQuantizer(
                fitting: z, channels: pca.componentCount, buckets: 1024,
                standardDeviations: pca.variances.map { $0.squareRoot() }),
            dot: UniformQuantizer(low: [-1], high: [1], buckets: 1024),
            dotQuantiles: (0..<129).map { Float($0) / 128 * 0.5 })
        let transformer = try ARPriorTransformer(c)
        try transformer.initializeParameters(seed: 2)
        try transformer.prepareTreeForInference()
        var sampler = ARPriorSampler(prior: try ARPrior(transformer: transformer, codebook: codebook))
        sampler.guidanceScale = 2
        sampler.topP = 0.9
        var tokens = [Int](repeating: 0, count: 77)
        tokens[0] = 49406
        tokens[1] = 320
        tokens[2] = 49407
        clock = ContinuousClock.now
        let sample = try sampler.sample(
            tokens: tokens, mask: tokens.enumerated().map { $0.offset < 3 }, textEmbedding: rng.normal(shape: [1, d]),
            seed: 3)
        let sampleTime = ContinuousClock.now - clock
        print(
            "AR prior at paper sizes: PCA of 1000×768 (\(pca.componentCount) components) \(pcaTime); "
                + "\(transformer.parameterCount) parameters, one guided sample of K = \(c.components) codes "
                + "\(sampleTime)")
        #expect(sample.imageEmbeddings.shape == [1, d])
    }
}
