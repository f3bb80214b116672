import Diffusion
import Foundation
import Testing

@Suite struct LossTests {
    let schedule = try! NoiseSchedule(.squaredCosine)

    @Test func targets() throws {
        let x0: [Float] = [0.5, -1]
        let eps: [Float] = [0.2, 0.3]
        let t = 400
        let a = schedule.alphasCumprod[t]
        #expect(
            try DiffusionLoss.target(for: .epsilon, original: x0, noise: eps, timestep: t, schedule: schedule) == eps)
        #expect(try DiffusionLoss.target(for: .sample, original: x0, noise: eps, timestep: t, schedule: schedule) == x0)
        let v = try DiffusionLoss.target(for: .velocity, original: x0, noise: eps, timestep: t, schedule: schedule)
        #expect(abs(Double(v[0]) - (a.squareRoot() * 0.2 - (1 - a).squareRoot() * 0.5)) < 1e-6)
    }

    @Test func meanSquaredErrorGradient() throws {
        let p: [Float] = [0.5, -1, 2]
        let y: [Float] = [0, 1, 1.5]
        let loss = try DiffusionLoss.meanSquaredError(prediction: p, target: y, weight: 2)
        #expect(abs(loss.value - 2 * (0.25 + 4 + 0.25) / 3) < 1e-12)
        try checkGradient(p, loss.gradient) {
            try DiffusionLoss.meanSquaredError(prediction: $0, target: y, weight: 2).value
        }
    }

    @Test func minSNRWeights() {
        let w = LossWeighting.minSNR(gamma: 5)
        #expect(w.weight(signalToNoiseRatio: 10, predictionType: .epsilon) == 0.5)
        #expect(w.weight(signalToNoiseRatio: 2, predictionType: .epsilon) == 1)
        #expect(w.weight(signalToNoiseRatio: 10, predictionType: .sample) == 5)
        #expect(w.weight(signalToNoiseRatio: 10, predictionType: .velocity) == 5.0 / 11)
        #expect(LossWeighting.uniform.weight(signalToNoiseRatio: 10, predictionType: .sample) == 1)
    }

    @Test func klVanishesForTheTruePosterior() throws {
        let x0: [Float] = [0.3, -0.7, 0.1]
        let eps: [Float] = [1, -0.5, 0.2]
        let t = 300
        let xt = try schedule.addNoise(to: x0, noise: eps, at: t)
        // v = −1 selects the posterior variance itself; the exact ε gives the true mean.
        let vb = try DiffusionLoss.variationalBound(
            original: x0, noisy: xt, timestep: t, output: ModelOutput(prediction: eps, varianceValues: [-1, -1, -1]),
            predictionType: .epsilon, schedule: schedule)
        #expect(abs(vb.value) < 1e-6)
        let worse = try DiffusionLoss.variationalBound(
            original: x0, noisy: xt, timestep: t, output: ModelOutput(prediction: eps, varianceValues: [0, 0, 0]),
            predictionType: .epsilon, schedule: schedule)
        #expect(worse.value > 0)
    }

    @Test(arguments: [PredictionType.epsilon, .sample, .velocity], [0, 1, 37, 500, 999])
    func variationalBoundGradients(predictionType: PredictionType, t: Int) throws {
        // Include both edges of the discretized likelihood (x₀ = ±1) and an interior value.
        let x0: [Float] = [-1, 1, 0.2, -0.4, 0.9]
        let eps: [Float] = [0.4, -1.3, 0.7, 0.1, -0.2]
        let xt = try schedule.addNoise(to: x0, noise: eps, at: t)
        let truth = try DiffusionLoss.target(
            for: predictionType, original: x0, noise: eps, timestep: t, schedule: schedule)
        // A prediction that is close to but not at the truth (t = 0 likelihood is sharp).
        let offsets: [Float] = [0.002, -0.003, 0.001, 0.004, -0.002]
        let scale: Float = predictionType == .sample ? 1 : 0.5
        let prediction = (0..<5).map { truth[$0] + scale * offsets[$0] }
        let values: [Float] = [-0.6, 0.3, 0.9, -0.1, 0.0]
        let vb = try DiffusionLoss.variationalBound(
            original: x0, noisy: xt, timestep: t, output: ModelOutput(prediction: prediction, varianceValues: values),
            predictionType: predictionType, schedule: schedule, trainsMean: true)
        #expect(vb.value.isFinite)
        try checkGradient(values, vb.varianceGradient, step: 1e-3) {
            try DiffusionLoss.variationalBound(
                original: x0, noisy: xt, timestep: t, output: ModelOutput(prediction: prediction, varianceValues: $0),
                predictionType: predictionType, schedule: schedule
            ).value
        }
        try checkGradient(prediction, vb.predictionGradient, step: t == 0 ? 1e-4 : 1e-3) {
            try DiffusionLoss.variationalBound(
                original: x0, noisy: xt, timestep: t, output: ModelOutput(prediction: $0, varianceValues: values),
                predictionType: predictionType, schedule: schedule
            ).value
        }
        // Without `trainsMean` the mean is a constant.
        let frozen = try DiffusionLoss.variationalBound(
            original: x0, noisy: xt, timestep: t, output: ModelOutput(prediction: prediction, varianceValues: values),
            predictionType: predictionType, schedule: schedule)
        #expect(frozen.predictionGradient.allSatisfy { $0 == 0 })
        #expect(frozen.varianceGradient == vb.varianceGradient)
    }

    @Test func hybridLossGradients() throws {
        let x0: [Float] = [0.3, -0.7, 0.1, 0.95]
        let eps: [Float] = [1, -0.5, 0.2, -1.4]
        let t = 250
        let xt = try schedule.addNoise(to: x0, noise: eps, at: t)
        let prediction: [Float] = [0.8, -0.3, 0.5, -1]
        let values: [Float] = [0.2, -0.4, 0.7, 0]
        func loss(_ p: [Float], _ v: [Float]) throws -> ModelOutputLoss {
            try DiffusionLoss.hybrid(
                original: x0, noise: eps, noisy: xt, timestep: t, output: ModelOutput(prediction: p, varianceValues: v),
                predictionType: .epsilon, schedule: schedule, weighting: .minSNR(gamma: 5), variationalBoundWeight: 1)
        }
        let value = try loss(prediction, values)
        let snr = schedule.signalToNoiseRatio(at: t)
        let mse = try DiffusionLoss.meanSquaredError(prediction: prediction, target: eps, weight: min(snr, 5) / snr)
        #expect(value.value > mse.value)
        // The mean is held constant in the bound, so the prediction gradient is the MSE's alone.
        #expect(value.predictionGradient == mse.gradient)
        try checkGradient(values, value.varianceGradient) { try loss(prediction, $0).value }
    }
}

/// Central finite differences of `f` at `x` against `gradient` (the loss is evaluated in Double, the input is Float).
func checkGradient(
    _ x: [Float], _ gradient: [Float], step: Float = 1e-3, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Float]) throws -> Double
) throws {
    for i in x.indices {
        var plus = x
        var minus = x
        plus[i] += step
        minus[i] -= step
        let numeric = (try f(plus) - f(minus)) / Double(plus[i] - minus[i])
        let analytic = Double(gradient[i])
        let tolerance = 1e-3 * max(abs(numeric), abs(analytic)) + 1e-6
        #expect(
            abs(numeric - analytic) <= tolerance, "element \(i): numeric \(numeric) analytic \(analytic)",
            sourceLocation: sourceLocation)
    }
}
