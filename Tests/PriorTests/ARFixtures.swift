import Foundation
import NN
import Prior

/// Small synthetic data and models for the AR prior tests.
enum ARFixtures {
    /// A synthetic captioned set: text embeddings t ~ N(0, I) [N, D]; image embeddings `M·t + σ·ε` with M = ½I + a
    /// fixed random matrix / √D (a known noisy function of the text); captions [N, T] whose ids depend on t's signs.
    static func data(count: Int, dim: Int = 8, textLength: Int = 6, noise: Float = 0.1, seed: UInt64 = 1) throws
        -> ARPriorTrainingData
    {
        var rng = PhiloxRandom(seed: seed)
        var fixed = PhiloxRandom(seed: 1234)  // the same M for every seed
        let m = try fixed.normal(shape: [dim, dim]).scalars.enumerated().map { i, v in
            v / Float(dim).squareRoot() + (i / dim == i % dim ? 0.5 : 0)
        }
        let text = try rng.normal(shape: [count, dim]).scalars
        let eps = try rng.normal(shape: [count, dim]).scalars
        var image = [Float](repeating: 0, count: count * dim)
        var tokens = [Int](repeating: 0, count: count * textLength)
        for n in 0..<count {
            for i in 0..<dim {
                var s: Float = 0
                for j in 0..<dim { s += m[i * dim + j] * text[n * dim + j] }
                image[n * dim + i] = s + noise * eps[n * dim + i]
            }
            tokens[n * textLength] = 1  // start
            let words = 1 + n % (textLength - 2)
            for w in 0..<words { tokens[n * textLength + 1 + w] = 3 + w * 2 + (text[n * dim + w % dim] > 0 ? 1 : 0) }
            tokens[n * textLength + 1 + words] = 2  // end, then 0 padding
        }
        return try ARPriorTrainingData(
            tokens: tokens, mask: nil, textEmbeddings: Tensor(shape: [count, dim], scalars: text),
            imageEmbeddings: Tensor(shape: [count, dim], scalars: image))
    }

    static func configuration(dim: Int = 8, textLength: Int = 6, buckets: Int = 32) -> ARPriorConfiguration {
        var c = ARPriorConfiguration()
        c.embeddingDim = dim
        c.textLength = textLength
        c.textVocabSize = 32
        c.width = 32
        c.layers = 2
        c.heads = 4
        c.components = dim
        c.maxComponents = dim
        c.codeBuckets = buckets
        c.dotBuckets = 16
        return c
    }

    /// A randomly initialised prior with a codebook fitted to synthetic data.
    static func prior(seed: UInt64 = 3) throws -> (ARPrior, ARPriorTrainingData) {
        let data = try data(count: 64)
        var c = configuration()
        let codebook = try ARPriorCodebook(fitting: data.textEmbeddings, images: data.imageEmbeddings, configuration: c)
        c.components = codebook.pca.componentCount
        let transformer = try ARPriorTransformer(c)
        try transformer.initializeParameters(seed: seed)
        return (try ARPrior(transformer: transformer, codebook: codebook), data)
    }
}
