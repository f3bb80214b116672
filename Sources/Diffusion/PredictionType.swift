/// What the denoising model predicts from x_t.
public enum PredictionType: String, CaseIterable, Sendable {
    /// The noise ε that was added (diffusers' `epsilon`).
    case epsilon
    /// The clean sample x₀ (diffusers' `sample`; the unCLIP prior predicts this).
    case sample
    /// The velocity v = √ᾱ ε − √(1 − ᾱ) x₀ (diffusers' `v_prediction`).
    case velocity

    /// x₀ implied by one element of the prediction, given x_t and ᾱ_t.
    @inlinable
    public func originalSample(prediction: Double, noisy: Double, alphaCumprod a: Double) -> Double {
        switch self {
        case .epsilon: return (noisy - (1 - a).squareRoot() * prediction) / a.squareRoot()
        case .sample: return prediction
        case .velocity: return a.squareRoot() * noisy - (1 - a).squareRoot() * prediction
        }
    }

    /// ε implied by one element of the prediction, given x_t and ᾱ_t.
    @inlinable
    public func noise(prediction: Double, noisy: Double, alphaCumprod a: Double) -> Double {
        switch self {
        case .epsilon: return prediction
        case .sample: return (noisy - a.squareRoot() * prediction) / (1 - a).squareRoot()
        case .velocity: return a.squareRoot() * prediction + (1 - a).squareRoot() * noisy
        }
    }

    /// The value this prediction type should output for a given x₀ and ε at ᾱ (the training target).
    @inlinable
    public func target(original: Double, noise: Double, alphaCumprod a: Double) -> Double {
        switch self {
        case .epsilon: return noise
        case .sample: return original
        case .velocity: return a.squareRoot() * noise - (1 - a).squareRoot() * original
        }
    }

    /// ∂x₀/∂prediction at fixed x_t (the prediction enters x₀ linearly).
    @inlinable
    public func originalSampleDerivative(alphaCumprod a: Double) -> Double {
        switch self {
        case .epsilon: return -((1 - a) / a).squareRoot()
        case .sample: return 1
        case .velocity: return -(1 - a).squareRoot()
        }
    }

    /// Converts a flat prediction of this type into `other`, given the noisy sample x_t at ᾱ.
    public func convert(_ prediction: [Float], to other: PredictionType, noisy: [Float], alphaCumprod a: Double) throws
        -> [Float]
    {
        try checkLength("noisy", noisy, prediction.count)
        if other == self { return prediction }
        var out = [Float](repeating: 0, count: prediction.count)
        for i in 0..<prediction.count {
            let p = Double(prediction[i])
            let x = Double(noisy[i])
            let x0 = originalSample(prediction: p, noisy: x, alphaCumprod: a)
            let eps = noise(prediction: p, noisy: x, alphaCumprod: a)
            out[i] = Float(other.target(original: x0, noise: eps, alphaCumprod: a))
        }
        return out
    }
}
