import NN

/// Held-out quality of an AR prior: how close sampled image embeddings come to the true ones, against the
/// baseline of using the text embedding itself as the image embedding.
public struct ARPriorEvaluation: Sendable {
    /// Mean cosine similarity between sampled and true image embeddings.
    public var sampledCosine: Float
    /// Mean cosine similarity between text and true image embeddings (the baseline).
    public var baselineCosine: Float
    /// Mean cosine similarity between the codebook round trip (PCA + quantisation) of the true image embeddings
    /// and the true ones: the ceiling the codes allow.
    public var reconstructionCosine: Float
    /// Mean cross-entropy per code with the conditioning (nats).
    public var loss: Float

    /// Evaluates `prior` on `heldOut` with `sampler`'s settings, seeded by `seed`.
    public init(prior: ARPrior, heldOut: ARPriorTrainingData, sampler: ARPriorSampler, seed: UInt64) throws {
        func mean(_ values: [Float]) -> Float { values.reduce(0, +) / Float(max(values.count, 1)) }
        let sample = try sampler.sample(
            tokens: heldOut.tokens, mask: heldOut.mask, textEmbedding: heldOut.textEmbeddings, seed: seed)
        sampledCosine = mean(try ARPriorCodebook.cosines(sample.imageEmbeddings, heldOut.imageEmbeddings))
        baselineCosine = mean(try ARPriorCodebook.cosines(heldOut.textEmbeddings, heldOut.imageEmbeddings))
        let codes = try prior.codebook.encode(images: heldOut.imageEmbeddings)
        reconstructionCosine = mean(
            try ARPriorCodebook.cosines(prior.codebook.decode(codes), heldOut.imageEmbeddings))
        let k = prior.configuration.components
        let inputs = try ARPriorInputs(
            tokens: heldOut.tokens, mask: heldOut.mask, textEmbedding: heldOut.textEmbeddings,
            dotTokens: prior.codebook.dotTokens(text: heldOut.textEmbeddings, images: heldOut.imageEmbeddings),
            codes: (0..<heldOut.count).flatMap { codes[($0 * k)..<($0 * k + k - 1)] })
        let tape = Tape(recording: false)
        let logits = try prior.transformer.forward(inputs, tape: tape)  // [N, K, V]
        let flat = try tape.reshape(logits, [heldOut.count * k, prior.configuration.codeBuckets])  // [N·K, V]
        loss = try tape.crossEntropy(flat, targets: codes).value.scalars[0]
    }
}
