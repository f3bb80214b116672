import Foundation

/// The DDIM reverse step with stochasticity η: x_prev = √ᾱ_prev x₀ + √(1 − ᾱ_prev − σ²) ε + σ z, where
/// σ = η √β̃ of the jump. η = 0 is deterministic; η = 1 has the DDPM posterior variance.
// Follows diffusers' DDIMScheduler.step.
public struct DDIMSampler: DiffusionSampler, Sendable {
    /// The training noise schedule.
    public let schedule: NoiseSchedule
    /// What the model predicts.
    public let predictionType: PredictionType
    /// Clamping of the predicted x₀.
    public let clipping: SampleClipping
    /// Stochasticity η ≥ 0.
    public let eta: Double
    /// ᾱ used when a step lands before timestep 0: 1 (diffusers' `set_alpha_to_one`) or ᾱ₀.
    public let finalAlphaCumprod: Double
    /// Recompute ε from the clipped x₀ (diffusers' `use_clipped_model_output`).
    public let usesClippedModelOutput: Bool

    /// A DDIM sampler. Throws `invalidConfiguration` naming `eta` or `clipping`.
    public init(
        schedule: NoiseSchedule, predictionType: PredictionType = .epsilon, clipping: SampleClipping = .unit,
        eta: Double = 0, setsAlphaToOne: Bool = true, usesClippedModelOutput: Bool = false
    ) throws {
        guard eta >= 0, eta.isFinite else {
            throw DiffusionError.invalidConfiguration(field: "eta", reason: "must be finite and >= 0, got \(eta)")
        }
        try clipping.validate()
        self.schedule = schedule
        self.predictionType = predictionType
        self.clipping = clipping
        self.eta = eta
        self.finalAlphaCumprod = setsAlphaToOne ? 1 : schedule.alphasCumprod[0]
        self.usesClippedModelOutput = usesClippedModelOutput
    }

    /// Noise is drawn only when η > 0.
    public func needsNoise(timestep: Int, previous: Int) -> Bool { eta > 0 }

    /// One DDIM step; `noise` is required when η > 0.
    public func step(sample: [Float], output: ModelOutput, timestep: Int, previous: Int, noise: [Float]?) throws
        -> StepOutput
    {
        var previousSample = sample
        var original = [Float](repeating: 0, count: sample.count)
        try previousSample.withUnsafeMutableBufferPointer { x in
            try original.withUnsafeMutableBufferPointer { x0 in
                try output.prediction.withUnsafeBufferPointer { p in
                    try withOptionalBuffer(noise) { z in
                        try step(
                            sample: x, prediction: p, noise: z, predictedOriginalSample: x0, timestep: timestep,
                            previous: previous)
                    }
                }
            }
        }
        return StepOutput(previousSample: previousSample, predictedOriginalSample: original)
    }

    /// The same step in place over raw buffers: `sample` is overwritten with x_prev and, if given,
    /// `predictedOriginalSample` receives x₀. All buffers have the sample's length.
    public func step(
        sample: UnsafeMutableBufferPointer<Float>, prediction: UnsafeBufferPointer<Float>,
        noise: UnsafeBufferPointer<Float>?, predictedOriginalSample: UnsafeMutableBufferPointer<Float>?,
        timestep: Int, previous: Int
    ) throws {
        try schedule.validate(timestep, field: "timestep", lowest: 0)
        if previous >= timestep || previous >= schedule.trainingSteps {
            throw DiffusionError.invalidConfiguration(
                field: "previous", reason: "\(previous) must be below \(timestep)")
        }
        let n = sample.count
        try checkLength("prediction", prediction.count, n)
        try checkLength("predictedOriginalSample", predictedOriginalSample?.count ?? n, n)
        if eta > 0 {
            guard let noise else { throw DiffusionError.missingInput(name: "noise") }
            try checkLength("noise", noise.count, n)
        }
        let c = StepCoefficients(
            schedule: schedule, timestep: timestep, previous: previous, finalAlphaCumprod: finalAlphaCumprod,
            useTrainedBeta: false)
        let sigma = eta * c.posteriorVariance.squareRoot()
        // diffusers takes the square root unguarded (NaN for η > 1 on some jumps); clamp at zero instead.
        let direction = max(1 - c.alphaProductPrevious - sigma * sigma, 0).squareRoot()
        let signal = c.alphaProductPrevious.squareRoot()
        for i in 0..<n {
            let x = Double(sample[i])
            let p = Double(prediction[i])
            let x0 = clipping.apply(
                predictionType.originalSample(prediction: p, noisy: x, alphaCumprod: c.alphaProduct))
            let eps =
                usesClippedModelOutput
                ? (x - c.alphaProduct.squareRoot() * x0) / c.betaProduct.squareRoot()
                : predictionType.noise(prediction: p, noisy: x, alphaCumprod: c.alphaProduct)
            var value = signal * x0 + direction * eps
            if eta > 0 { value += sigma * Double(noise![i]) }
            predictedOriginalSample?[i] = Float(x0)
            sample[i] = Float(value)
        }
    }
}
