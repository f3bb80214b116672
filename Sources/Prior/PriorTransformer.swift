import NN

/// unCLIP's diffusion prior network: predicts the clean CLIP image embedding x₀ (in normalised space) from a noisy
/// one, a timestep and the CLIP text conditioning.
///
/// The token sequence is [T projected text hidden states, projected pooled text embedding, timestep embedding,
/// projected noisy image embedding, learned `prd` token] (81 tokens for Karlo), plus a learned positional
/// embedding; pre-LN blocks with a causal mask and key padding on the text; `norm_out`; the last token through
/// `proj_to_clip_embeddings`. Parameter keys are diffusers' (`PriorTransformer` checkpoints load as they are);
/// Karlo's original keys load through `PriorTransformer.karloKeyMap`.
// Follows diffusers' PriorTransformer (models/transformers/prior_transformer.py) and Karlo's xf.PriorTransformer.
public final class PriorTransformer: Module {
    public let timeEmbedding: TimestepEmbedding
    public let projIn: Linear
    public let embeddingProjNorm: LayerNorm?
    public let embeddingProj: Linear
    public let encoderHiddenStatesProj: Linear?
    /// [1, T + additional, C]
    public let positionalEmbedding: Variable
    /// [1, 1, C], the learned query token (`added_emb_type = "prd"`).
    public let prdEmbedding: Variable?
    public let transformerBlocks: [PriorTransformerBlock]
    public let normIn: LayerNorm?
    public let normOut: LayerNorm
    public let projToClipEmbeddings: Linear
    /// [1, clip], the CLIP image-embedding statistics that `postProcess` un-normalises with.
    public let clipMean: Variable
    /// [1, clip]
    public let clipStd: Variable

    /// The hyper-parameters.
    public let configuration: PriorConfiguration

    /// A model with zero weights (load a checkpoint, or call `initializeParameters(seed:)`).
    public init(_ configuration: PriorConfiguration) throws {
        let c = configuration, inner = c.innerDim
        self.configuration = c
        timeEmbedding = try TimestepEmbedding(
            channels: inner, hiddenDim: c.resolvedTimeEmbedDim, outDim: inner, activation: c.timeActivation)
        projIn = try Linear(c.embeddingDim, inner)
        embeddingProjNorm = c.embeddingProjNorm ? try LayerNorm(c.resolvedEmbeddingProjDim) : nil
        embeddingProj = try Linear(c.resolvedEmbeddingProjDim, inner)
        encoderHiddenStatesProj = c.projectsHiddenStates ? try Linear(c.embeddingDim, inner) : nil
        positionalEmbedding = Variable(try Tensor(untouchedZeros: [1, c.positionCount, inner]))
        prdEmbedding = c.hasPrdToken ? Variable(try Tensor(untouchedZeros: [1, 1, inner])) : nil
        transformerBlocks = try (0..<c.layers).map { _ in try PriorTransformerBlock(heads: c.heads, headDim: c.headDim)
        }
        normIn = c.normIn ? try LayerNorm(inner) : nil
        normOut = try LayerNorm(inner)
        projToClipEmbeddings = try Linear(inner, c.resolvedClipEmbedDim)
        clipMean = Variable(try Tensor(untouchedZeros: [1, c.resolvedClipEmbedDim]))
        clipStd = Variable(try Tensor(repeating: 1, shape: [1, c.resolvedClipEmbedDim]))
    }

    /// The x₀ prediction for a batch, without autograd.
    ///
    /// - Parameters:
    ///   - latents: the noisy image embeddings [B, D] (normalised space).
    ///   - timesteps: one timestep for the whole batch, or one per item.
    ///   - textEmbedding: the pooled CLIP text embeddings [B, Dp].
    ///   - hiddenStates: the CLIP text hidden states [B, T, D] (required when the config projects them).
    ///   - mask: [B, T], nonzero for real tokens. With a mask the attention is causal plus key padding, −10000
    ///     added to masked scores as in diffusers; without one, diffusers applies no mask at all, and neither does
    ///     this.
    /// - Returns: the predicted x₀ [B, clip].
    public func callAsFunction(
        _ latents: Tensor, timesteps: [Float], textEmbedding: Tensor, hiddenStates: Tensor?, mask: Tensor?
    ) throws -> Tensor {
        try forward(
            .constant(latents), timesteps: timesteps, textEmbedding: .constant(textEmbedding),
            hiddenStates: hiddenStates.map { .constant($0) }, mask: mask, tape: Tape(recording: false)
        ).value
    }

    /// The same forward pass through `tape` (for training: gradients reach every parameter that requires one).
    public func forward(
        _ latents: Variable, timesteps: [Float], textEmbedding: Variable, hiddenStates: Variable?, mask: Tensor?,
        tape: Tape
    ) throws -> Variable {
        let c = configuration, inner = c.innerDim
        let batch = try checkInputs(latents.shape, textEmbedding.shape, hiddenStates?.shape, mask?.shape)
        guard timesteps.count == 1 || timesteps.count == batch else {
            throw PriorError.badInput(name: "timesteps", shape: [timesteps.count], expected: "[1] or [\(batch)]")
        }
        let perItem = timesteps.count == batch ? timesteps : Array(repeating: timesteps[0], count: batch)

        var tokens: [Variable] = []
        if let hiddenStates {
            if let encoderHiddenStatesProj {
                tokens.append(try encoderHiddenStatesProj(hiddenStates, tape: tape))  // [B, T, C]
            } else {
                tokens.append(hiddenStates)  // [B, T, C] (no projection configured: used as they are)
            }
        }
        let textLength = hiddenStates?.shape[1] ?? 0
        var pooled = textEmbedding  // [B, Dp]
        if let embeddingProjNorm { pooled = try embeddingProjNorm(pooled, tape: tape) }
        tokens.append(try tape.reshape(embeddingProj(pooled, tape: tape), [batch, 1, inner]))  // [B, 1, C]
        tokens.append(try tape.reshape(timeEmbedding(perItem, tape: tape), [batch, 1, inner]))  // [B, 1, C]
        tokens.append(try tape.reshape(projIn(latents, tape: tape), [batch, 1, inner]))  // [B, 1, C]
        if let prdEmbedding {
            let zeros = Variable.constant(try Tensor(zeros: [batch, 1, inner]))
            tokens.append(try tape.add(zeros, prdEmbedding))  // [B, 1, C]
        }
        var x = try tape.concatenate(tokens, axis: 1)  // x: [B, S, C]
        let length = x.shape[1]
        x = try tape.add(x, positions(sequenceLength: length, prefix: textLength + 2, tape: tape))  // [B, S, C]

        let attentionMask = try mask.map { try additiveMask($0, sequenceLength: length) }  // [B, 1, S, S]
        if let normIn { x = try normIn(x, tape: tape) }
        for block in transformerBlocks {
            x = try block(x, mask: attentionMask, tape: tape)  // [B, S, C]
        }
        x = try normOut(x, tape: tape)  // [B, S, C]
        // The prediction token: the prd token (last), or else the image token after the conditioning tokens.
        let keep = prdEmbedding == nil ? length - (textLength + 2) : 1
        guard keep == 1 else {
            throw PriorError.badInput(name: "sequence", shape: x.shape, expected: "one prediction token")
        }
        let last = try tape.split(x, sizes: [length - 1, 1], axis: 1)[1]  // [B, 1, C]
        return try projToClipEmbeddings(tape.reshape(last, [batch, inner]), tape: tape)  // [B, clip]
    }

    /// `latents × clip_std + clip_mean`: from the prior's normalised space to CLIP's. latents: [B, clip].
    public func postProcess(_ latents: Tensor) throws -> Tensor {
        let d = configuration.resolvedClipEmbedDim
        guard latents.rank == 2, latents.shape[1] == d else {
            throw PriorError.badInput(name: "latents", shape: latents.shape, expected: "[B, \(d)]")
        }
        return try latents * clipStd.value + clipMean.value
    }

    /// Validates the input shapes against the configuration and returns the batch size.
    func checkInputs(_ latents: [Int], _ text: [Int], _ hidden: [Int]?, _ mask: [Int]?) throws -> Int {
        let c = configuration
        guard latents.count == 2, latents[1] == c.embeddingDim, latents[0] > 0 else {
            throw PriorError.badInput(name: "latents", shape: latents, expected: "[B, \(c.embeddingDim)]")
        }
        let b = latents[0]
        guard text == [b, c.resolvedEmbeddingProjDim] else {
            throw PriorError.badInput(
                name: "text.embed", shape: text, expected: "[\(b), \(c.resolvedEmbeddingProjDim)]")
        }
        if let hidden {
            let width = c.projectsHiddenStates ? c.embeddingDim : c.innerDim
            guard hidden.count == 3, hidden[0] == b, hidden[2] == width else {
                throw PriorError.badInput(name: "text.hidden", shape: hidden, expected: "[\(b), T, \(width)]")
            }
        } else if c.projectsHiddenStates {
            throw PriorError.badInput(
                name: "text.hidden", shape: [], expected: "[\(b), \(c.textLength), \(c.embeddingDim)]")
        }
        if let mask {
            let t = hidden?[1] ?? 0
            guard mask == [b, t] else {
                throw PriorError.badInput(name: "text.mask", shape: mask, expected: "[\(b), \(t)]")
            }
        }
        return b
    }

    /// The positional embedding for a sequence of `sequenceLength` tokens: [1, S, C]. When the table is shorter,
    /// diffusers pads it with zero rows, `prefix` in front and one per prd token at the end; any other length
    /// is an error.
    private func positions(sequenceLength: Int, prefix: Int, tape: Tape) throws -> Variable {
        let table = positionalEmbedding, rows = table.shape[1], inner = configuration.innerDim
        if rows == sequenceLength { return table }
        let suffix = prdEmbedding == nil ? 0 : 1
        guard rows < sequenceLength, rows + prefix + suffix == sequenceLength else {
            throw PriorError.badInput(
                name: "positional_embedding", shape: table.shape, expected: "[1, \(sequenceLength), \(inner)]")
        }
        var parts: [Variable] = []
        if prefix > 0 { parts.append(.constant(try Tensor(zeros: [1, prefix, inner]))) }
        parts.append(table)
        if suffix > 0 { parts.append(.constant(try Tensor(zeros: [1, suffix, inner]))) }
        return try tape.concatenate(parts, axis: 1)
    }

    /// diffusers' attention mask: (1 − mask) · −10000 on the text keys, 0 on the extra tokens, plus −10000 above
    /// the diagonal; the same for every head. mask: [B, T] → [B, 1, S, S].
    private func additiveMask(_ mask: Tensor, sequenceLength s: Int) throws -> Tensor {
        let (b, t) = (mask.shape[0], mask.shape[1])
        guard t + configuration.additionalEmbeddings == s, configuration.positionCount == s else {
            throw PriorError.badInput(
                name: "text.mask", shape: mask.shape,
                expected: "T + additional_embeddings (\(configuration.additionalEmbeddings)) = \(s) tokens")
        }
        var out = try Tensor(zeros: [b, 1, s, s])
        mask.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { p in
                for item in 0..<b {
                    for i in 0..<s {
                        let row = (item * s + i) * s
                        for j in 0..<s {
                            // Float arithmetic in the reference's order: padding term, then the causal term.
                            let padding: Float = j < t ? (1 - (m[item * t + j] != 0 ? 1 : 0)) * -10000 : 0
                            p[row + j] = padding + (j > i ? -10000 : 0)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Small random weights for tests and benchmarks: every layer's default initialisation, then the positional
    /// and prd embeddings ~ N(0, 0.02²), `clip_mean` 0 and `clip_std` 1.
    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        try positionalEmbedding.update(rng.normal(shape: positionalEmbedding.shape).scaled(by: 0.02))
        if let prdEmbedding { try prdEmbedding.update(rng.normal(shape: prdEmbedding.shape).scaled(by: 0.02)) }
        try clipMean.update(Tensor(zeros: clipMean.shape))
        try clipStd.update(Tensor(repeating: 1, shape: clipStd.shape))
    }
}
