import Diffusion
import Foundation

/// A deterministic standard-normal source for tests: SplitMix64 and Box–Muller.
struct TestNormals: NoiseSource {
    private var state: UInt64
    private(set) var drawn = 0

    init(seed: UInt64) { state = seed }

    private mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / Double(1 << 53)
    }

    mutating func normals(count: Int) -> [Float] {
        drawn += 1
        return (0..<count).map { _ in
            Float((-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()))
        }
    }
}

/// The exact ε-prediction E[ε | x_t] for data x₀ ~ N(mean, std²) per element.
func gaussianEpsilonModel(schedule: NoiseSchedule, mean: Double, std: Double) -> DenoisingModel {
    return { sample, t in
        let a = schedule.alphasCumprod[t]
        let variance = a * std * std + 1 - a
        return ModelOutput(
            prediction: sample.map { Float((1 - a).squareRoot() * (Double($0) - a.squareRoot() * mean) / variance) })
    }
}

func meanAndStd(_ x: [Float]) -> (Double, Double) {
    let n = Double(x.count)
    let mean = x.reduce(0.0) { $0 + Double($1) } / n
    let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
    return (mean, variance.squareRoot())
}
