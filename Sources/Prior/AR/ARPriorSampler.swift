import Foundation
import NN

/// Draws CLIP image embeddings from an `ARPrior`, as the unCLIP paper samples its AR prior: the cosine token is
/// drawn from the top half of the training cosines, then the K codes one at a time with classifier-free guidance
/// on the text conditioning (logits `u + s·(c − u)`, u from the learned null), temperature and nucleus (top-p)
/// sampling; the codes are de-quantised and the PCA inverted.
///
/// **Randomness, exactly.** One stream `PhiloxRandom(seed)`: B uniforms u_b pick each item's cosine, the training
/// quantile at probability ½ + ½·u_b; then for each code position k = 0 … K − 1, B uniforms pick item b's code by
/// inverse CDF over the kept (top-p) buckets in descending probability order. Keys and values are cached
/// (`ARPriorCache`): one token per step after the conditioning.
public struct ARPriorSampler {
    /// The model.
    public let prior: ARPrior
    /// Classifier-free guidance scale (1 = none, no unconditional pass).
    public var guidanceScale: Float = 1
    /// Softmax temperature (> 0).
    public var temperature: Float = 1
    /// Nucleus mass in (0, 1]: the smallest set of buckets holding this much probability is kept.
    public var topP: Float = 1

    /// A sampler with no guidance, temperature 1 and top-p 1.
    public init(prior: ARPrior) {
        self.prior = prior
    }

    /// One sampled batch.
    public struct Sample {
        /// `image.embed` [B, D].
        public var imageEmbeddings: Tensor
        /// The codes, row-major [B, K].
        public var codes: [Int]
        /// The cosine token of each item [B].
        public var dotTokens: [Int]
    }

    /// Samples one image embedding per item: tokens [B, T] (ids), mask [B, T] (nil: all real), text [B, D].
    public func sample(
        tokens: [Int], mask: [Bool]?, textEmbedding: Tensor, seed: UInt64, progress: ((Int) -> Void)? = nil
    ) throws -> Sample {
        guard temperature > 0, temperature.isFinite else {
            throw PriorError.badOption(name: "temperature", reason: "must be > 0, got \(temperature)")
        }
        guard topP > 0, topP <= 1 else { throw PriorError.badOption(name: "top-p", reason: "must be in (0, 1]") }
        guard guidanceScale.isFinite else { throw PriorError.badOption(name: "guidance", reason: "must be finite") }
        let c = prior.configuration, codebook = prior.codebook
        guard textEmbedding.rank == 2, textEmbedding.shape[0] >= 1, textEmbedding.shape[1] == c.embeddingDim else {
            throw PriorError.badInput(
                name: "text.embed", shape: textEmbedding.shape, expected: "[B, \(c.embeddingDim)]")
        }
        let b = textEmbedding.shape[0]
        guard tokens.count == b * c.textLength else {
            throw PriorError.badInput(name: "text.tokens", shape: [tokens.count], expected: "[\(b), \(c.textLength)]")
        }
        let realMask = mask ?? Array(repeating: true, count: tokens.count)
        var rng = PhiloxRandom(seed: seed)
        let dots = try rng.uniform(shape: [b]).scalars.map {
            codebook.dot.code(codebook.dotQuantile(0.5 + 0.5 * $0), channel: 0)
        }
        let guided = guidanceScale != 1
        var inputs = try ARPriorInputs(tokens: tokens, mask: realMask, textEmbedding: textEmbedding, dotTokens: dots)
        if guided {  // [unconditional × B; conditional × B]
            inputs = try ARPriorInputs(
                tokens: tokens + tokens, mask: realMask + realMask,
                textEmbedding: Tensor.concatenate([textEmbedding, textEmbedding], axis: 0), dotTokens: dots + dots,
                dropped: Array(repeating: true, count: b) + Array(repeating: false, count: b))
        }
        let k = c.components, v = c.codeBuckets
        var codes = [[Int]](repeating: [], count: b)
        var (cache, next) = try prior.transformer.start(inputs)  // next: [B or 2B, V], predicting code 0
        for step in 0..<k {
            let logits = next.scalars
            let uniforms = try rng.uniform(shape: [b]).scalars
            var chosen: [Int] = []
            for item in 0..<b {
                let cond = (guided ? b + item : item) * v
                var row = Array(logits[cond..<(cond + v)])
                if guided {
                    let uncond = item * v
                    for j in 0..<v { row[j] = logits[uncond + j] + guidanceScale * (row[j] - logits[uncond + j]) }
                }
                chosen.append(Self.pick(logits: row, temperature: temperature, topP: topP, uniform: uniforms[item]))
                codes[item].append(chosen[item])
            }
            progress?(step + 1)
            if step + 1 < k { next = try cache.next(codes: guided ? chosen + chosen : chosen) }
        }
        let flat = codes.flatMap { $0 }
        return Sample(imageEmbeddings: try codebook.decode(flat), codes: flat, dotTokens: dots)
    }

    /// Picks a bucket from `logits`: softmax at `temperature`, the nucleus of mass `topP` (buckets in descending
    /// probability, ties by index, at least one), then inverse CDF at `uniform` in [0, 1).
    public static func pick(logits: [Float], temperature: Float, topP: Float, uniform: Float) -> Int {
        guard !logits.isEmpty else { return 0 }
        let scaled = logits.map { Double($0) / Double(temperature) }
        let top = scaled.max() ?? 0
        var probabilities = scaled.map { exp($0 - top) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        let order = probabilities.indices.sorted {
            probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1
        }
        var kept = 0, mass = 0.0
        while kept < order.count {
            mass += probabilities[order[kept]]
            kept += 1
            if mass >= Double(topP) { break }
        }
        let target = Double(min(max(uniform, 0), 1)) * mass
        var running = 0.0
        for index in order.prefix(kept) {
            running += probabilities[index]
            if target < running { return index }
        }
        return order[kept - 1]
    }
}
