import NN

/// The unCLIP paper's autoregressive prior network: a causal decoder-only transformer (pre-LN blocks, exact GELU)
/// over [T caption tokens, the projected CLIP text embedding, the cosine token, image codes 0 … n − 1] with a
/// learned positional embedding, whose outputs at the cosine token and at each code predict the next code.
/// Caption padding is masked out of the keys; items with dropped conditioning see a learned null in place of every
/// caption token and of the text embedding (for classifier-free guidance).
// Follows the unCLIP paper (Ramesh et al. 2022), section 2.2, "Autoregressive (AR) prior".
public final class ARPriorTransformer: Module {
    /// [textVocab, C]
    public let tokenEmbedding: Embedding
    /// D → C
    public let textProj: Linear
    /// [dotBuckets, C]
    public let dotEmbedding: Embedding
    /// [codeBuckets, C]
    public let codeEmbedding: Embedding
    /// [1, T + 1 + K, C]
    public let positionalEmbedding: Variable
    /// [1, 1, C], replaces each caption token of a dropped item.
    public let nullCaption: Variable
    /// [1, 1, C], replaces the text-embedding token of a dropped item.
    public let nullText: Variable
    public let blocks: [PriorTransformerBlock]
    public let normOut: LayerNorm
    /// C → codeBuckets
    public let head: Linear

    /// The hyper-parameters.
    public let configuration: ARPriorConfiguration

    /// A model with zero weights (load weights or call `initializeParameters(seed:)`).
    public init(_ configuration: ARPriorConfiguration) throws {
        try configuration.validate()
        let c = configuration, w = c.width
        self.configuration = c
        // Input tables start at N(0, 0.02²) like GPT's: at N(0, 1) each output row's own token (the cosine bucket,
        // the previous code) dominates its residual stream and the conditioning attention brings is barely read.
        tokenEmbedding = try Embedding(c.textVocabSize, w, initialScale: 0.02)
        textProj = try Linear(c.embeddingDim, w)
        dotEmbedding = try Embedding(c.dotBuckets, w, initialScale: 0.02)
        codeEmbedding = try Embedding(c.codeBuckets, w, initialScale: 0.02)
        positionalEmbedding = Variable(try Tensor(untouchedZeros: [1, c.contextLength, w]))
        nullCaption = Variable(try Tensor(untouchedZeros: [1, 1, w]))
        nullText = Variable(try Tensor(untouchedZeros: [1, 1, w]))
        blocks = try (0..<c.layers).map { _ in try PriorTransformerBlock(heads: c.heads, headDim: c.headDim) }
        normOut = try LayerNorm(w)
        head = try Linear(w, c.codeBuckets)
    }

    /// Next-code logits without autograd: [B, n + 1, codeBuckets] for inputs with n codes.
    public func logits(_ inputs: ARPriorInputs) throws -> Tensor {
        try forward(inputs, tape: Tape(recording: false)).value
    }

    /// The forward pass through `tape`. Returns logits [B, n + 1, codeBuckets]: row j predicts code j.
    public func forward(_ inputs: ARPriorInputs, tape: Tape) throws -> Variable {
        try validate(inputs)
        let t = inputs.textLength, n = inputs.codeCount
        var x = try embed(inputs, tape: tape)  // x: [B, S, C], S = T + 2 + n
        let s = t + 2 + n
        let mask = try attentionMask(inputs, sequenceLength: s)  // [B, 1, S, S]
        for block in blocks {
            x = try block(x, mask: mask, tape: tape)  // [B, S, C]
        }
        x = try normOut(x, tape: tape)  // [B, S, C]
        let outputs = try tape.split(x, sizes: [t + 1, n + 1], axis: 1)[1]  // [B, n + 1, C]
        return try head(outputs, tape: tape)  // [B, n + 1, codeBuckets]
    }

    /// Checks the inputs against the configuration (lengths, widths, every id in its vocabulary).
    func validate(_ inputs: ARPriorInputs) throws {
        let c = configuration
        let b = inputs.batchSize, t = inputs.textLength, n = inputs.codeCount
        guard t == c.textLength else {
            throw PriorError.badInput(name: "text.tokens", shape: [b, t], expected: "[\(b), \(c.textLength)]")
        }
        guard inputs.textEmbedding.shape[1] == c.embeddingDim else {
            throw PriorError.badInput(
                name: "text.embed", shape: inputs.textEmbedding.shape, expected: "[\(b), \(c.embeddingDim)]")
        }
        guard n < c.components else {
            throw PriorError.badInput(name: "codes", shape: [b, n], expected: "[\(b), < \(c.components)]")
        }
        try check(inputs.tokens, below: c.textVocabSize, name: "text.tokens")
        try check(inputs.dotTokens, below: c.dotBuckets, name: "dot tokens")
        try check(inputs.codes, below: c.codeBuckets, name: "codes")
    }

    /// The token sequence with positions added: [B, S, C], S = T + 2 + n. Inputs must be validated.
    func embed(_ inputs: ARPriorInputs, tape: Tape) throws -> Variable {
        let c = configuration, w = c.width
        let b = inputs.batchSize, t = inputs.textLength, n = inputs.codeCount
        // keep: [B, 1, 1], 1 for conditioned items, 0 for dropped ones.
        let keepValues = inputs.dropped.map { $0 ? Float(0) : 1 }
        let keep = Variable.constant(try Tensor(shape: [b, 1, 1], scalars: keepValues))
        let drop = Variable.constant(try Tensor(shape: [b, 1, 1], scalars: keepValues.map { 1 - $0 }))

        let caption = try tokenEmbedding(inputs.tokens, shape: [b, t], tape: tape)  // [B, T, C]
        let captionMixed = try tape.add(
            tape.multiply(caption, keep), tape.multiply(drop, nullCaption))  // [B, T, C]
        let text = try tape.reshape(textProj(.constant(inputs.textEmbedding), tape: tape), [b, 1, w])  // [B, 1, C]
        let textMixed = try tape.add(tape.multiply(text, keep), tape.multiply(drop, nullText))  // [B, 1, C]
        var parts = [captionMixed, textMixed, try dotEmbedding(inputs.dotTokens, shape: [b, 1], tape: tape)]
        if n > 0 { parts.append(try codeEmbedding(inputs.codes, shape: [b, n], tape: tape)) }  // [B, n, C]
        let x = try tape.concatenate(parts, axis: 1)  // [B, S, C]
        return try tape.add(x, positions(0..<(t + 2 + n), tape: tape))  // [B, S, C]
    }

    /// Rows `range` of the positional embedding: [1, range.count, C].
    func positions(_ range: Range<Int>, tape: Tape) throws -> Variable {
        let rows = configuration.contextLength
        if range == 0..<rows { return positionalEmbedding }
        let sizes = [range.lowerBound, range.count, rows - range.upperBound].filter { $0 > 0 }
        let index = range.lowerBound > 0 ? 1 : 0
        return try tape.split(positionalEmbedding, sizes: sizes, axis: 1)[index]
    }

    /// Causal mask plus caption key padding, additive: 0 where query i may attend to key j, −1e9 elsewhere.
    /// Key 0 is always visible, so no row is empty; a dropped item sees only caption key 0 (its null token).
    private func attentionMask(_ inputs: ARPriorInputs, sequenceLength s: Int) throws -> Tensor {
        let b = inputs.batchSize, t = inputs.textLength
        var out = try Tensor(zeros: [b, 1, s, s])
        out.withUnsafeMutableBufferPointer { p in
            for item in 0..<b {
                for i in 0..<s {
                    for j in 0..<s {
                        var visible = j <= i
                        if j > 0 && j < t { visible = visible && !inputs.dropped[item] && inputs.mask[item * t + j] }
                        p[(item * s + i) * s + j] = visible ? 0 : -1e9
                    }
                }
            }
        }
        return out
    }

    private func check(_ ids: [Int], below limit: Int, name: String) throws {
        if let bad = ids.first(where: { $0 < 0 || $0 >= limit }) {
            throw PriorError.badInput(name: name, shape: [bad], expected: "ids in 0..<\(limit)")
        }
    }

    /// Positional and null embeddings ~ N(0, 0.02²) (the layers keep their own defaults).
    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        try positionalEmbedding.update(rng.normal(shape: positionalEmbedding.shape).scaled(by: 0.02))
        try nullCaption.update(rng.normal(shape: nullCaption.shape).scaled(by: 0.02))
        try nullText.update(rng.normal(shape: nullText.shape).scaled(by: 0.02))
    }
}
