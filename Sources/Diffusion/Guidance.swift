/// Classifier-free guidance: prediction = uncond + scale · (cond − uncond). Only the prediction is guided; learned
/// variance values are taken from the conditional output.
// Follows the variance handling of diffusers' UnCLIPPipeline and Karlo's guided_model_fn.
public struct ClassifierFreeGuidance: Equatable, Sendable {
    /// The guidance scale s (1 = conditional output unchanged; the unCLIP defaults are 4 for the prior, 8 for the
    /// decoder).
    public var scale: Float

    /// Guidance with scale `scale`. Throws `invalidConfiguration` naming `scale` if it is not finite.
    public init(scale: Float) throws {
        guard scale.isFinite else {
            throw DiffusionError.invalidConfiguration(field: "scale", reason: "must be finite, got \(scale)")
        }
        self.scale = scale
    }

    /// Whether guidance changes anything (diffusers turns the unconditional pass on only when scale > 1).
    public var isActive: Bool { scale != 1 }

    /// Combines the outputs of an unconditional and a conditional pass over the same sample.
    public func combine(unconditional: ModelOutput, conditional: ModelOutput) throws -> ModelOutput {
        let n = conditional.prediction.count
        try checkLength("unconditional.prediction", unconditional.prediction, n)
        var guided = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let u = unconditional.prediction[i]
            guided[i] = u + scale * (conditional.prediction[i] - u)
        }
        return ModelOutput(prediction: guided, varianceValues: conditional.varianceValues)
    }

    /// Combines a batched output whose first half is the unconditional batch and whose second half is the
    /// conditional one (the order the references concatenate them in). Returns the guided output for one half.
    public func combine(batched output: ModelOutput) throws -> ModelOutput {
        let total = output.prediction.count
        guard total % 2 == 0 else {
            throw DiffusionError.invalidConfiguration(field: "prediction", reason: "batched length \(total) is odd")
        }
        let half = total / 2
        var variance: [Float]? = nil
        if let values = output.varianceValues {
            try checkLength("varianceValues", values, total)
            variance = Array(values[half...])
        }
        return try combine(
            unconditional: ModelOutput(prediction: Array(output.prediction[..<half])),
            conditional: ModelOutput(prediction: Array(output.prediction[half...]), varianceValues: variance))
    }

    /// Separate scales for two conditions, the caption c (this guidance's `scale` s_t) and an image embedding z
    /// (`imageScale` s_i), from a batched output of three equal blocks: ε(∅, ∅), ε(∅, c), ε(z, c). Returns
    /// ε(∅, ∅) + s_t·(ε(∅, c) − ε(∅, ∅)) + s_i·(ε(z, c) − ε(∅, c)) for one block, with the variance values of the
    /// last (fully conditional) block.
    public func combine(batched output: ModelOutput, imageScale: Float) throws -> ModelOutput {
        let total = output.prediction.count
        guard total % 3 == 0 else {
            throw DiffusionError.invalidConfiguration(
                field: "prediction", reason: "batched length \(total) is not three blocks")
        }
        let n = total / 3, p = output.prediction
        var guided = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let unconditional = p[i], caption = p[n + i], both = p[2 * n + i]
            guided[i] = unconditional + scale * (caption - unconditional) + imageScale * (both - caption)
        }
        var variance: [Float]? = nil
        if let values = output.varianceValues {
            try checkLength("varianceValues", values, total)
            variance = Array(values[(2 * n)...])
        }
        return ModelOutput(prediction: guided, varianceValues: variance)
    }

    /// Wraps a pair of models (or one model called twice with different conditioning) into a guided model.
    public func guided(unconditional: @escaping DenoisingModel, conditional: @escaping DenoisingModel) -> DenoisingModel
    {
        let guidance = self
        return { sample, timestep in
            try guidance.combine(
                unconditional: unconditional(sample, timestep), conditional: conditional(sample, timestep))
        }
    }
}
