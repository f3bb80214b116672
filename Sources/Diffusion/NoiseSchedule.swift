import Foundation

/// How the training betas β₁…β_T are laid out.
public enum BetaSchedule: Equatable, Sendable {
    /// Betas evenly spaced from `start` to `end` inclusive (diffusers' `linear`; its defaults are 1e-4 and 0.02).
    case linear(start: Double, end: Double)
    /// The cosine schedule ᾱ(t) = cos²((t/T + 0.008)/1.008 · π/2), betas capped at `maxBeta`
    /// (diffusers' `squaredcos_cap_v2`, GLIDE's and Karlo's `cosine`).
    case squaredCosine(maxBeta: Double)

    /// diffusers' default linear schedule, 1e-4 … 0.02.
    public static let linear = BetaSchedule.linear(start: 1e-4, end: 0.02)
    /// The cosine schedule with the usual cap of 0.999.
    public static let squaredCosine = BetaSchedule.squaredCosine(maxBeta: 0.999)

    /// The linear schedule with the 1000-step endpoints 1e-4 … 0.02 scaled by 1000 / `trainingSteps`, so that other
    /// step counts reach the same final noise level (GLIDE's `get_named_beta_schedule("linear", …)`).
    public static func scaledLinear(trainingSteps: Int) -> BetaSchedule {
        let scale = 1000 / Double(max(trainingSteps, 1))
        return .linear(start: scale * 1e-4, end: scale * 0.02)
    }
}

/// The forward (noising) process of a diffusion model over `trainingSteps` discrete steps: betas, alphas, their
/// cumulative products and the coefficients of the Gaussian posterior q(x_{t−1} | x_t, x₀). Everything is held in
/// `Double`; samplers round to `Float` only when they write a sample.
///
/// Indexing follows diffusers: timestep `t` in `0 ..< trainingSteps` has cumulative product `alphasCumprod[t]`;
/// the clean sample sits at "timestep −1" with ᾱ = 1.
public struct NoiseSchedule: Equatable, Sendable {
    /// The beta layout this schedule was built from.
    public let betaSchedule: BetaSchedule
    /// Number of training timesteps T.
    public let trainingSteps: Int
    /// β_t.
    public let betas: [Double]
    /// α_t = 1 − β_t.
    public let alphas: [Double]
    /// ᾱ_t = ∏_{s≤t} α_s.
    public let alphasCumprod: [Double]
    /// Variance of q(x_{t−1} | x_t, x₀): β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t); zero at t = 0.
    public let posteriorVariance: [Double]
    /// log of `posteriorVariance`, with the zero at t = 0 replaced by the value at t = 1 (GLIDE's "log-clipped").
    public let posteriorLogVarianceClipped: [Double]
    /// Coefficient of x₀ in the posterior mean: β_t √ᾱ_{t−1} / (1 − ᾱ_t).
    public let posteriorMeanCoefficientOriginal: [Double]
    /// Coefficient of x_t in the posterior mean: (1 − ᾱ_{t−1}) √α_t / (1 − ᾱ_t).
    public let posteriorMeanCoefficientNoisy: [Double]

    /// Builds the schedule. Throws `invalidConfiguration` naming `trainingSteps`, `start`, `end` or `maxBeta` when
    /// the betas would not lie in (0, 1].
    public init(_ betaSchedule: BetaSchedule = .squaredCosine, trainingSteps: Int = 1000) throws {
        guard trainingSteps >= 2 else {
            throw DiffusionError.invalidConfiguration(
                field: "trainingSteps", reason: "must be at least 2, got \(trainingSteps)")
        }
        self.betaSchedule = betaSchedule
        self.trainingSteps = trainingSteps
        var betas = [Double](repeating: 0, count: trainingSteps)
        switch betaSchedule {
        case .linear(let start, let end):
            guard start > 0, start < 1 else {
                throw DiffusionError.invalidConfiguration(
                    field: "start", reason: "beta must be in (0, 1), got \(start)")
            }
            guard end > 0, end < 1 else {
                throw DiffusionError.invalidConfiguration(field: "end", reason: "beta must be in (0, 1), got \(end)")
            }
            let stride = (end - start) / Double(trainingSteps - 1)
            for t in 0..<trainingSteps { betas[t] = start + Double(t) * stride }
            betas[trainingSteps - 1] = end
        case .squaredCosine(let maxBeta):
            guard maxBeta > 0, maxBeta <= 1 else {
                throw DiffusionError.invalidConfiguration(field: "maxBeta", reason: "must be in (0, 1], got \(maxBeta)")
            }
            // Follows diffusers' betas_for_alpha_bar (cosine transform).
            func alphaBar(_ s: Double) -> Double {
                let c = cos((s + 0.008) / 1.008 * Double.pi / 2)
                return c * c
            }
            let n = Double(trainingSteps)
            for t in 0..<trainingSteps {
                betas[t] = min(1 - alphaBar(Double(t + 1) / n) / alphaBar(Double(t) / n), maxBeta)
            }
        }
        self.betas = betas
        alphas = betas.map { 1 - $0 }
        var cumprod = [Double](repeating: 0, count: trainingSteps)
        var running = 1.0
        for t in 0..<trainingSteps {
            running *= alphas[t]
            cumprod[t] = running
        }
        alphasCumprod = cumprod
        var variance = [Double](repeating: 0, count: trainingSteps)
        var coefficientOriginal = [Double](repeating: 0, count: trainingSteps)
        var coefficientNoisy = [Double](repeating: 0, count: trainingSteps)
        for t in 0..<trainingSteps {
            let previous = t > 0 ? cumprod[t - 1] : 1
            variance[t] = betas[t] * (1 - previous) / (1 - cumprod[t])
            coefficientOriginal[t] = betas[t] * previous.squareRoot() / (1 - cumprod[t])
            coefficientNoisy[t] = (1 - previous) * alphas[t].squareRoot() / (1 - cumprod[t])
        }
        posteriorVariance = variance
        posteriorLogVarianceClipped = (0..<trainingSteps).map { log(variance[$0 == 0 ? 1 : $0]) }
        posteriorMeanCoefficientOriginal = coefficientOriginal
        posteriorMeanCoefficientNoisy = coefficientNoisy
    }

    /// ᾱ at `timestep`, where −1 (or any negative timestep) is the clean sample with ᾱ = `final`.
    @inlinable
    public func alphaCumprod(at timestep: Int, final: Double = 1) -> Double {
        timestep >= 0 ? alphasCumprod[timestep] : final
    }

    /// Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t).
    public func signalToNoiseRatio(at timestep: Int) -> Double {
        let a = alphasCumprod[timestep]
        return a / (1 - a)
    }

    /// Throws unless `timestep` is in `lowest ..< trainingSteps`.
    func validate(_ timestep: Int, field: String, lowest: Int = -1) throws {
        if timestep < lowest || timestep >= trainingSteps {
            throw DiffusionError.timestepOutOfRange(field: field, timestep: timestep, trainingSteps: trainingSteps)
        }
    }

    /// The forward process q(x_t | x₀): √ᾱ_t x₀ + √(1 − ᾱ_t) ε.
    public func addNoise(to original: [Float], noise: [Float], at timestep: Int) throws -> [Float] {
        try validate(timestep, field: "timestep", lowest: 0)
        try checkLength("noise", noise, original.count)
        let a = alphasCumprod[timestep]
        let signal = a.squareRoot()
        let sigma = (1 - a).squareRoot()
        var out = [Float](repeating: 0, count: original.count)
        for i in 0..<original.count { out[i] = Float(signal * Double(original[i]) + sigma * Double(noise[i])) }
        return out
    }
}
