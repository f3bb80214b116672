import NN

extension UNetModel {
    /// The network's output for noisy `sample` at `timesteps`.
    ///
    /// - Parameters:
    ///   - sample: `[B, in_channels, H, W]`; H and W divisible by 2^(levels − 1).
    ///   - timesteps: one per batch item, or one for all.
    ///   - context: `[B, L, D]` context tokens (`encoder_hidden_states`, D = `encoder_hid_dim` or
    ///     `cross_attention_dim`); required when any block attends.
    ///   - contextMask: `[B, L]`, 1 = attend, 0 = ignore (diffusers' `attention_mask`); optional.
    ///   - classLabels: `[B, timeEmbeddingDim]`, added to the time embedding (`class_embed_type="identity"`;
    ///     the unCLIP text projection's additive embedding); required exactly when the config has it.
    /// - Returns: `[B, out_channels, H, W]`.
    public func callAsFunction(
        _ sample: Variable, timesteps: [Float], context: Variable? = nil, contextMask: Tensor? = nil,
        classLabels: Variable? = nil, tape: Tape
    ) throws -> Variable {
        try validate(
            sample: sample.shape, timesteps: timesteps, context: context?.shape, contextMask: contextMask?.shape,
            classLabels: classLabels?.shape)
        let b = sample.shape[0]
        let steps = timesteps.count == 1 ? Array(repeating: timesteps[0], count: b) : timesteps
        var x = sample
        if config.centerInputSample {
            x = try tape.add(tape.scale(x, by: 2), .constant(Tensor(repeating: -1, shape: [1])))
        }

        // Time embedding: [B, T], plus the class labels, then the optional activation.
        let features = try sinusoidalTimestepFeatures(
            steps, dim: config.blockOutChannels[0], flipSinToCos: config.flipSinToCos,
            downscaleFreqShift: config.freqShift)
        var emb = try timeEmbedding(.constant(features), tape: tape)  // emb: [B, T]
        if let classLabels { emb = try tape.add(emb, classLabels) }
        if let act = config.timeEmbeddingActivation { emb = tape.activation(emb, act) }

        var ctx = context
        if let encoderHidProj, let c = ctx { ctx = try encoderHidProj(c, tape: tape) }  // ctx: [B, L, cross_dim]

        var h = try convIn(x, tape: tape)  // h: [B, C0, H, W]
        var skips: [Variable] = [h]
        for block in downBlocks {
            let (out, blockSkips) = try block(h, timeEmbedding: emb, context: ctx, contextMask: contextMask, tape: tape)
            h = out
            skips += blockSkips
        }
        if let midBlock { h = try midBlock(h, timeEmbedding: emb, context: ctx, contextMask: contextMask, tape: tape) }
        for block in upBlocks {
            h = try block(h, skips: &skips, timeEmbedding: emb, context: ctx, contextMask: contextMask, tape: tape)
        }
        if let convNormOut { h = tape.activation(try convNormOut(h, tape: tape), config.fixedActivation) }
        return try convOut(h, tape: tape)  // [B, out_channels, H, W]
    }

    /// Inference on plain tensors (no tape, nothing saved): see `callAsFunction(_:timesteps:context:…)`.
    public func predict(
        sample: Tensor, timesteps: [Float], context: Tensor? = nil, contextMask: Tensor? = nil,
        classLabels: Tensor? = nil
    ) throws -> Tensor {
        let tape = Tape(recording: false)
        return try self(
            .constant(sample), timesteps: timesteps, context: context.map { .constant($0) }, contextMask: contextMask,
            classLabels: classLabels.map { .constant($0) }, tape: tape
        ).value
    }

    /// Checks every input's shape against the config before any work, naming the input at fault.
    func validate(sample: [Int], timesteps: [Float], context: [Int]?, contextMask: [Int]?, classLabels: [Int]?) throws {
        let factor = 1 << (config.levels - 1)
        guard sample.count == 4, sample[0] > 0, sample[1] == config.inChannels, sample[2] > 0, sample[3] > 0,
            sample[2] % factor == 0, sample[3] % factor == 0
        else {
            throw UNetError.invalidInput(
                name: "sample", shape: sample,
                expected: "[B, \(config.inChannels), H, W] with H and W positive multiples of \(factor)")
        }
        let b = sample[0]
        guard timesteps.count == 1 || timesteps.count == b, timesteps.allSatisfy(\.isFinite) else {
            throw UNetError.invalidInput(
                name: "timestep", shape: [timesteps.count], expected: "1 or \(b) finite values")
        }
        if config.usesContext {
            guard let context else {
                throw UNetError.missingInput(
                    name: "encoder_hidden_states", reason: "this UNet attends to context tokens")
            }
            guard context.count == 3, context[0] == b, context[1] > 0, context[2] == config.contextInputDim else {
                throw UNetError.invalidInput(
                    name: "encoder_hidden_states", shape: context, expected: "[\(b), L, \(config.contextInputDim)]")
            }
            if let contextMask, contextMask != [b, context[1]] {
                throw UNetError.invalidInput(
                    name: "attention_mask", shape: contextMask, expected: "[\(b), \(context[1])]")
            }
        } else if let context {
            throw UNetError.invalidInput(
                name: "encoder_hidden_states", shape: context, expected: "none (no block attends)")
        }
        if config.classEmbeddingIsIdentity {
            guard let classLabels else {
                throw UNetError.missingInput(name: "class_labels", reason: "class_embed_type is \"identity\"")
            }
            guard classLabels == [b, config.timeEmbeddingDim] else {
                throw UNetError.invalidInput(
                    name: "class_labels", shape: classLabels, expected: "[\(b), \(config.timeEmbeddingDim)]")
            }
        } else if let classLabels {
            throw UNetError.invalidInput(
                name: "class_labels", shape: classLabels, expected: "none (no class embedding)")
        }
    }
}
