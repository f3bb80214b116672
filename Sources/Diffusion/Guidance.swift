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
