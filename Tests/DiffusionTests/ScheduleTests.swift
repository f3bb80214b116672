import Diffusion
import Foundation
import Testing

@Suite struct ScheduleTests {
    @Test func linearEndpointsAndScaling() throws {
        let s = try NoiseSchedule(.linear, trainingSteps: 1000)
        #expect(abs(s.betas[0] - 1e-4) < 1e-15)
        #expect(abs(s.betas[999] - 0.02) < 1e-15)
        let half = try NoiseSchedule(.scaledLinear(trainingSteps: 500), trainingSteps: 500)
        #expect(abs(half.betas[0] - 2e-4) < 1e-15)
        #expect(abs(half.betas[499] - 0.04) < 1e-15)
    }

    @Test func cosineIsCappedAndMonotone() throws {
        let s = try NoiseSchedule(.squaredCosine)
        #expect(s.betas.max() == 0.999)
        for t in 1..<s.trainingSteps { #expect(s.alphasCumprod[t] < s.alphasCumprod[t - 1]) }
        #expect(s.alphaCumprod(at: -1) == 1)
    }

    @Test func posteriorQuantities() throws {
        let s = try NoiseSchedule(.squaredCosine)
        #expect(s.posteriorVariance[0] == 0)
        #expect(s.posteriorLogVarianceClipped[0] == log(s.posteriorVariance[1]))
        for t in [1, 10, 500, 999] {
            let previous = s.alphasCumprod[t - 1]
            // The posterior mean of x_t = √ᾱ_t x₀ (no noise) must be √ᾱ_{t−1} x₀.
            let mean =
                s.posteriorMeanCoefficientOriginal[t] + s.posteriorMeanCoefficientNoisy[t]
                * s.alphasCumprod[t].squareRoot()
            #expect(abs(mean - previous.squareRoot()) < 1e-12)
            #expect(abs(s.posteriorLogVarianceClipped[t] - log(s.posteriorVariance[t])) < 1e-12)
        }
    }

    @Test func addNoise() throws {
        let s = try NoiseSchedule(.linear)
        let x = try s.addNoise(to: [1, -1], noise: [0.5, 2], at: 10)
        let a = s.alphasCumprod[10]
        #expect(abs(Double(x[0]) - (a.squareRoot() + (1 - a).squareRoot() * 0.5)) < 1e-6)
        #expect(throws: DiffusionError.lengthMismatch(name: "noise", expected: 2, actual: 1)) {
            try s.addNoise(to: [1, -1], noise: [0], at: 10)
        }
    }

    @Test func invalidConfigurationsNameTheField() throws {
        func field(_ body: () throws -> Void) -> String? {
            do {
                try body()
                return nil
            } catch DiffusionError.invalidConfiguration(let field, _) {
                return field
            } catch { return "other: \(error)" }
        }
        let s = try NoiseSchedule()
        #expect(field { _ = try NoiseSchedule(trainingSteps: 1) } == "trainingSteps")
        #expect(field { _ = try NoiseSchedule(.linear(start: 0, end: 0.02)) } == "start")
        #expect(field { _ = try NoiseSchedule(.linear(start: 1e-4, end: 1.5)) } == "end")
        #expect(field { _ = try NoiseSchedule(.squaredCosine(maxBeta: 2)) } == "maxBeta")
        #expect(field { _ = try TimestepSchedule.karlo(steps: 1) } == "steps")
        #expect(field { _ = try TimestepSchedule.ddim(steps: 1001) } == "steps")
        #expect(field { _ = try TimestepSchedule.ddpm(steps: 10, spacing: .leading(offset: -1)) } == "offset")
        #expect(field { _ = try DDIMSampler(schedule: s, eta: -1) } == "eta")
        #expect(field { _ = try DDPMSampler(schedule: s, clipping: .symmetric(0)) } == "clipping")
        #expect(field { _ = try DDPMSampler(schedule: s, clipping: .range(lower: 1, upper: -1)) } == "clipping")
        #expect(field { _ = try ClassifierFreeGuidance(scale: .nan) } == "scale")
        #expect(
            field { _ = try TimestepSchedule(descending: [10, 20], trainingSteps: 1000) } == "pairs[0].previous")
        #expect(
            field {
                _ = try TimestepSchedule(
                    pairs: [TimestepPair(timestep: 10, previous: 5), TimestepPair(timestep: 20, previous: 10)],
                    trainingSteps: 1000)
            } == "pairs[1].timestep")
    }

    @Test func karloTimesteps() throws {
        #expect(try TimestepSchedule.karlo(steps: 7).timesteps == [999, 832, 666, 500, 333, 166, 0])
        let pairs = try TimestepSchedule.karlo(steps: 7).pairs
        #expect(pairs.last == TimestepPair(timestep: 0, previous: -1))
        #expect(pairs.first == TimestepPair(timestep: 999, previous: 832))
    }

    @Test func predictionConversionsRoundTrip() throws {
        let a = 0.37
        let x: [Float] = [0.3, -1.2, 2.0]
        let eps: [Float] = [1.1, -0.4, 0.25]
        for from in PredictionType.allCases {
            let p = try PredictionType.epsilon.convert(eps, to: from, noisy: x, alphaCumprod: a)
            for to in PredictionType.allCases {
                let q = try from.convert(p, to: to, noisy: x, alphaCumprod: a)
                let back = try to.convert(q, to: .epsilon, noisy: x, alphaCumprod: a)
                for i in 0..<3 { #expect(abs(back[i] - eps[i]) < 1e-5, "\(from)→\(to)") }
            }
        }
        // v = √ᾱ ε − √(1 − ᾱ) x₀ with x₀ = (x − √(1−ᾱ) ε)/√ᾱ.
        let v = try PredictionType.epsilon.convert(eps, to: .velocity, noisy: x, alphaCumprod: a)
        let x0 = (Double(x[0]) - (1 - a).squareRoot() * Double(eps[0])) / a.squareRoot()
        #expect(abs(Double(v[0]) - (a.squareRoot() * Double(eps[0]) - (1 - a).squareRoot() * x0)) < 1e-6)
    }

    @Test func clipping() {
        #expect(SampleClipping.off.apply(7) == 7)
        #expect(SampleClipping.unit.apply(-3) == -1)
        #expect(SampleClipping.symmetric(5).apply(6) == 5)
        #expect(SampleClipping.range(lower: 0, upper: 2).apply(-1) == 0)
    }
}
