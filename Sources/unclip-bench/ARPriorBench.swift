import Foundation
import NN
import Prior
import TensorCore

/// The autoregressive prior at the paper's sizes (D = 768, K = 319 PCA components, 1024 buckets, 77 tokens) with
/// random weights: fitting the PCA on 1000 random embeddings, then one guided sample (scale 2, top-p 0.9).
func benchARPrior(_ o: BenchOptions) throws {
    let d = 768
    var rng = PhiloxRandom(seed: 1)
    let g = try rng.normal(shape: [1000, d])
    var pca: EmbeddingPCA?
    let pcaTimes = try o.clock.measure(seconds: 0, minReps: 1, warmups: 0) {
        pca = try EmbeddingPCA(fitting: g, varianceFraction: 0.99, maxComponents: 319)
    }
    guard let pca else { throw BenchError(description: "PCA was not fitted") }
    report("ar-prior pca 1000x\(d) -> \(pca.componentCount)", flop: nil, pcaTimes)
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
    let mask = tokens.indices.map { $0 < 3 }
    let embedding = try rng.normal(shape: [1, d])
    let times = try o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 1) {
        let sample = try sampler.sample(tokens: tokens, mask: mask, textEmbedding: embedding, seed: 3)
        guard sample.imageEmbeddings.shape == [1, d] else {
            throw BenchError(description: "AR prior sample has shape \(sample.imageEmbeddings.shape)")
        }
    }
    let millions = Double(transformer.parameterCount) / 1e6
    report(String(format: "ar-prior sample K=%d %.0fM guided", c.components, millions), flop: nil, times)
}
