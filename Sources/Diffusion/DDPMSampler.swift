import Foundation

/// The ancestral (DDPM) reverse step on a respaced schedule: x_prev = μ̃(x₀, x_t) + σ z, with the posterior mean
/// μ̃ of the jump t → prev, x₀ from the model's prediction (clipped as configured) and σ from the variance type.
// Follows diffusers' UnCLIPScheduler.step and DDPMScheduler.step.
public struct DDPMSampler: DiffusionSampler, Sendable {
    /// The two reference conventions, which differ only at the edges.
    public enum Convention: Sendable {
        /// diffusers' `UnCLIPScheduler` (and Karlo): for a unit jump the trained β_t is used, and the learned-range
        /// lower bound log β̃ is not clamped.
        case unclip
        /// diffusers' `DDPMScheduler`: β = 1 − ᾱ_t / ᾱ_prev always, and β̃ is clamped to at least 1e−20 before any use.
        case ddpm
    }

    /// The training noise schedule.
    public let schedule: NoiseSchedule
    /// What the model predicts.
    public let predictionType: PredictionType
    /// How σ is chosen.
    public let varianceType: VarianceType
    /// Clamping of the predicted x₀.
    public let clipping: SampleClipping
    /// Which reference's edge behaviour to follow.
    public let convention: Convention

    /// A DDPM sampler. Throws if `clipping` is invalid.
    public init(
        schedule: NoiseSchedule, predictionType: PredictionType = .epsilon, varianceType: VarianceType = .fixedSmallLog,
        clipping: SampleClipping = .unit, convention: Convention = .unclip
    ) throws {
        try clipping.validate()
        self.schedule = schedule
        self.predictionType = predictionType
        self.varianceType = varianceType
        self.clipping = clipping
        self.convention = convention
    }

    /// Noise is added on every jump from t > 0.
    public func needsNoise(timestep: Int, previous: Int) -> Bool { timestep > 0 }

    /// The standard deviation σ of the jump t → prev; `varianceValue` is the model's v for `learnedRange`.
    public func standardDeviation(timestep: Int, previous: Int, varianceValue: Double = 0) -> Double {
        let c = coefficients(timestep, previous)
        return standardDeviation(c, varianceValue)
    }

    private func coefficients(_ timestep: Int, _ previous: Int) -> StepCoefficients {
        StepCoefficients(
            schedule: schedule, timestep: timestep, previous: previous, useTrainedBeta: convention == .unclip)
    }

    private func standardDeviation(_ c: StepCoefficients, _ v: Double) -> Double {
        let clampedVariance = max(c.posteriorVariance, 1e-20)
        switch varianceType {
        case .fixedSmall:
            return (convention == .ddpm ? clampedVariance : c.posteriorVariance).squareRoot()
        case .fixedSmallLog:
            return exp(0.5 * log(clampedVariance))
        case .fixedLarge:
            return c.beta.squareRoot()
        case .learnedRange:
            let minLog = log(convention == .ddpm ? clampedVariance : c.posteriorVariance)
            let maxLog = log(c.beta)
            let fraction = (v + 1) / 2
            return exp(0.5 * (fraction * maxLog + (1 - fraction) * minLog))
        }
    }

    /// One ancestral step. `noise` (standard normal, as many elements as the sample) is required when
    /// `timestep > 0` and ignored at t = 0; `output.varianceValues` is required for `learnedRange`.
    public func step(sample: [Float], output: ModelOutput, timestep: Int, previous: Int, noise: [Float]?) throws
        -> StepOutput
    {
        var previousSample = sample
        var original = [Float](repeating: 0, count: sample.count)
        try previousSample.withUnsafeMutableBufferPointer { x in
            try original.withUnsafeMutableBufferPointer { x0 in
                try output.prediction.withUnsafeBufferPointer { p in
                    try withOptionalBuffer(output.varianceValues) { v in
                        try withOptionalBuffer(noise) { z in
                            try step(
                                sample: x, prediction: p, varianceValues: v, noise: z, predictedOriginalSample: x0,
                                timestep: timestep, previous: previous)
                        }
                    }
                }
            }
        }
        return StepOutput(previousSample: previousSample, predictedOriginalSample: original)
    }

    /// The same step in place over raw buffers (for tensor-engine adapters): `sample` is overwritten with x_prev and,
    /// if given, `predictedOriginalSample` receives x₀. All buffers have the sample's length.
    public func step(
        sample: UnsafeMutableBufferPointer<Float>, prediction: UnsafeBufferPointer<Float>,
        varianceValues: UnsafeBufferPointer<Float>?, noise: UnsafeBufferPointer<Float>?,
        predictedOriginalSample: UnsafeMutableBufferPointer<Float>?, timestep: Int, previous: Int
    ) throws {
        try schedule.validate(timestep, field: "timestep", lowest: 0)
        try schedule.validate(previous, field: "previous")
        if previous >= timestep {
            throw DiffusionError.invalidConfiguration(
                field: "previous", reason: "\(previous) must be below \(timestep)")
        }
        let n = sample.count
        try checkLength("prediction", prediction.count, n)
        try checkLength("predictedOriginalSample", predictedOriginalSample?.count ?? n, n)
        let noisy = timestep > 0
        if noisy {
            guard let noise else { throw DiffusionError.missingInput(name: "noise") }
            try checkLength("noise", noise.count, n)
        }
        let learned = varianceType == .learnedRange && noisy
        if learned {
            guard let varianceValues else { throw DiffusionError.missingInput(name: "varianceValues") }
            try checkLength("varianceValues", varianceValues.count, n)
        }
        let c = coefficients(timestep, previous)
        let fixedSigma = learned || !noisy ? 0 : standardDeviation(c, 0)
        for i in 0..<n {
            let x = Double(sample[i])
            let x0 = clipping.apply(
                predictionType.originalSample(prediction: Double(prediction[i]), noisy: x, alphaCumprod: c.alphaProduct)
            )
            predictedOriginalSample?[i] = Float(x0)
            var value = c.originalCoefficient * x0 + c.noisyCoefficient * x
            if noisy {
                let sigma = learned ? standardDeviation(c, Double(varianceValues![i])) : fixedSigma
                value += sigma * Double(noise![i])
            }
            sample[i] = Float(value)
        }
    }
}
