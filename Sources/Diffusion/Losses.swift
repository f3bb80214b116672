import Foundation

/// Per-timestep weighting of the simple loss.
public enum LossWeighting: Equatable, Sendable {
    /// Every timestep weighs 1.
    case uniform
    /// Min-SNR-γ (Hang et al. 2023): the loss of each prediction type is reweighted so that it equals
    /// min(SNR, γ) times the x₀ error, i.e. weight min(SNR, γ)/SNR for ε, min(SNR, γ) for x₀ and
    /// min(SNR, γ)/(SNR + 1) for v.
    case minSNR(gamma: Double)

    /// The weight at signal-to-noise ratio `snr` for `predictionType`.
    public func weight(signalToNoiseRatio snr: Double, predictionType: PredictionType) -> Double {
        switch self {
        case .uniform: return 1
        case .minSNR(let gamma):
            let clamped = min(snr, gamma)
            switch predictionType {
            case .epsilon: return clamped / snr
            case .sample: return clamped
            case .velocity: return clamped / (snr + 1)
            }
        }
    }
}

/// A scalar loss and its gradient with respect to one model output array.
public struct LossValue: Sendable {
    /// The loss.
    public let value: Double
    /// ∂loss/∂output, one element per output element.
    public let gradient: [Float]
}

/// A loss over a learned-variance model's output and its gradients with respect to both output arrays.
public struct ModelOutputLoss: Sendable {
    /// The loss. For `variationalBound`, L_vb in bits per dimension: KL(q(x_{t−1}|x_t,x₀) ‖ p(x_{t−1}|x_t)) for
    /// t > 0, the discretized Gaussian negative log-likelihood of x₀ for t = 0.
    public let value: Double
    /// ∂loss/∂prediction (for `variationalBound`, all zeros unless the mean gradient is requested).
    public let predictionGradient: [Float]
    /// ∂loss/∂v for the learned-range variance values.
    public let varianceGradient: [Float]
}

/// Training losses as plain functions with analytic gradients, so a trainer can backpropagate into the model
/// without running them through the autograd engine.
public enum DiffusionLoss {
    /// The target a model of `predictionType` should output for x₀ = `original`, ε = `noise` at `timestep`.
    public static func target(
        for predictionType: PredictionType, original: [Float], noise: [Float], timestep: Int, schedule: NoiseSchedule
    ) throws -> [Float] {
        try schedule.validate(timestep, field: "timestep", lowest: 0)
        try checkLength("noise", noise, original.count)
        let a = schedule.alphasCumprod[timestep]
        return (0..<original.count).map {
            Float(predictionType.target(original: Double(original[$0]), noise: Double(noise[$0]), alphaCumprod: a))
        }
    }

    /// weight · mean((prediction − target)²) and its gradient. Use `LossWeighting.weight` for `weight`.
    public static func meanSquaredError(prediction: [Float], target: [Float], weight: Double = 1) throws -> LossValue {
        try checkLength("target", target, prediction.count)
        let n = Double(prediction.count)
        var sum = 0.0
        var gradient = [Float](repeating: 0, count: prediction.count)
        for i in 0..<prediction.count {
            let d = Double(prediction[i]) - Double(target[i])
            sum += d * d
            gradient[i] = Float(2 * weight * d / n)
        }
        return LossValue(value: weight * sum / n, gradient: gradient)
    }

    /// The variational-bound term of the hybrid loss for a learned-range model at training timestep `timestep`
    /// (no respacing: the jump is t → t − 1 of `schedule`).
    ///
    /// The model's Gaussian has mean μ̃(x̂₀, x_t) with x̂₀ from `prediction` (not clipped) and log variance
    /// f log β_t + (1 − f) log β̃_t (log-clipped), f = (v + 1)/2. By default the mean is treated as a constant
    /// (`trainsMean: false`, as in improved DDPM / GLIDE, where the simple loss trains the mean) and only the
    /// variance gradient is non-zero.
    // Follows glide-text2im's / improved-diffusion's _vb_terms_bpd, normal_kl and discretized_gaussian_log_likelihood.
    public static func variationalBound(
        original: [Float], noisy: [Float], timestep: Int, output: ModelOutput, predictionType: PredictionType,
        schedule: NoiseSchedule, trainsMean: Bool = false
    ) throws -> ModelOutputLoss {
        try schedule.validate(timestep, field: "timestep", lowest: 0)
        let n = original.count
        try checkLength("noisy", noisy, n)
        try checkLength("prediction", output.prediction, n)
        guard let values = output.varianceValues else { throw DiffusionError.missingInput(name: "varianceValues") }
        try checkLength("varianceValues", values, n)
        let t = timestep
        let a = schedule.alphasCumprod[t]
        let c0 = schedule.posteriorMeanCoefficientOriginal[t]
        let ct = schedule.posteriorMeanCoefficientNoisy[t]
        let minLog = schedule.posteriorLogVarianceClipped[t]
        let maxLog = log(schedule.betas[t])
        let meanPerPrediction = c0 * predictionType.originalSampleDerivative(alphaCumprod: a)
        let scale = 1 / (Double(n) * log(2.0))
        var total = 0.0
        var predictionGradient = [Float](repeating: 0, count: n)
        var varianceGradient = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let x0 = Double(original[i])
            let xt = Double(noisy[i])
            let predicted = predictionType.originalSample(
                prediction: Double(output.prediction[i]), noisy: xt, alphaCumprod: a)
            let modelMean = c0 * predicted + ct * xt
            let fraction = (Double(values[i]) + 1) / 2
            let modelLogVariance = fraction * maxLog + (1 - fraction) * minLog
            let dLogVarianceDv = 0.5 * (maxLog - minLog)
            var term: Double
            var dMean: Double
            var dLogVariance: Double
            if t > 0 {
                let trueMean = c0 * x0 + ct * xt
                let trueLogVariance = minLog
                let diff = trueMean - modelMean
                let ratio = exp(trueLogVariance - modelLogVariance)
                let precision = exp(-modelLogVariance)
                term = 0.5 * (-1 + modelLogVariance - trueLogVariance + ratio + diff * diff * precision)
                dMean = -diff * precision
                dLogVariance = 0.5 * (1 - ratio - diff * diff * precision)
            } else {
                let nll = discretizedGaussianNegativeLogLikelihood(
                    x: x0, mean: modelMean, logScale: 0.5 * modelLogVariance)
                term = nll.value
                dMean = nll.dMean
                dLogVariance = 0.5 * nll.dLogScale
            }
            total += term
            varianceGradient[i] = Float(scale * dLogVariance * dLogVarianceDv)
            if trainsMean { predictionGradient[i] = Float(scale * dMean * meanPerPrediction) }
        }
        return ModelOutputLoss(
            value: total * scale, predictionGradient: predictionGradient, varianceGradient: varianceGradient)
    }

    /// The hybrid loss of improved DDPM / GLIDE for a learned-range model: the simple MSE on the prediction plus
    /// `variationalBoundWeight` · L_vb (whose mean is held constant). GLIDE's `RESCALED_MSE` uses a weight of
    /// T / 1000. Returns the total and the gradients with respect to both output arrays.
    public static func hybrid(
        original: [Float], noise: [Float], noisy: [Float], timestep: Int, output: ModelOutput,
        predictionType: PredictionType, schedule: NoiseSchedule, weighting: LossWeighting = .uniform,
        variationalBoundWeight: Double = 1
    ) throws -> ModelOutputLoss {
        let target = try target(
            for: predictionType, original: original, noise: noise, timestep: timestep, schedule: schedule)
        let weight = weighting.weight(
            signalToNoiseRatio: schedule.signalToNoiseRatio(at: timestep), predictionType: predictionType)
        let simple = try meanSquaredError(prediction: output.prediction, target: target, weight: weight)
        let bound = try variationalBound(
            original: original, noisy: noisy, timestep: timestep, output: output, predictionType: predictionType,
            schedule: schedule)
        return ModelOutputLoss(
            value: simple.value + variationalBoundWeight * bound.value, predictionGradient: simple.gradient,
            varianceGradient: bound.varianceGradient.map { Float(variationalBoundWeight) * $0 })
    }

    /// −log P(x) for x in [−1, 1] quantised to 256 levels under N(mean, exp(logScale)²), with GLIDE's tanh
    /// approximation of the normal CDF and its edge handling; returns the value and its partial derivatives.
    static func discretizedGaussianNegativeLogLikelihood(x: Double, mean: Double, logScale: Double)
        -> (value: Double, dMean: Double, dLogScale: Double)
    {
        let inverseScale = exp(-logScale)
        let centered = x - mean
        let plusIn = inverseScale * (centered + 1 / 255)
        let minusIn = inverseScale * (centered - 1 / 255)
        // Derivatives of an input z = e^{−s}(x − μ ± h): ∂z/∂μ = −e^{−s}, ∂z/∂s = −z.
        func cdf(_ z: Double) -> (value: Double, derivative: Double) {
            let k = (2 / Double.pi).squareRoot()
            let u = k * (z + 0.044715 * z * z * z)
            let th = tanh(u)
            return (0.5 * (1 + th), 0.5 * (1 - th * th) * k * (1 + 3 * 0.044715 * z * z))
        }
        let floor = 1e-12
        let probability: Double
        let dProbabilityDMean: Double
        let dProbabilityDLogScale: Double
        if x < -0.999 {
            let (value, derivative) = cdf(plusIn)
            probability = value
            dProbabilityDMean = -inverseScale * derivative
            dProbabilityDLogScale = -plusIn * derivative
        } else if x > 0.999 {
            let (value, derivative) = cdf(minusIn)
            probability = 1 - value
            dProbabilityDMean = inverseScale * derivative
            dProbabilityDLogScale = minusIn * derivative
        } else {
            let plus = cdf(plusIn)
            let minus = cdf(minusIn)
            probability = plus.value - minus.value
            dProbabilityDMean = -inverseScale * (plus.derivative - minus.derivative)
            dProbabilityDLogScale = -(plusIn * plus.derivative - minusIn * minus.derivative)
        }
        if probability <= floor { return (-log(floor), 0, 0) }
        return (-log(probability), -dProbabilityDMean / probability, -dProbabilityDLogScale / probability)
    }
}
