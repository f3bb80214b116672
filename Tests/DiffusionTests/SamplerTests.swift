import Diffusion
import Foundation
import Testing

@Suite struct SamplerTests {
    let schedule = try! NoiseSchedule(.squaredCosine)

    @Test func ddpmRequiresNoiseAndVarianceValues() throws {
        let sampler = try DDPMSampler(schedule: schedule, varianceType: .learnedRange)
        let x: [Float] = [0.1, 0.2]
        #expect(throws: DiffusionError.missingInput(name: "noise")) {
            try sampler.step(
                sample: x, output: ModelOutput(prediction: x, varianceValues: x), timestep: 5, previous: 4, noise: nil)
        }
        #expect(throws: DiffusionError.missingInput(name: "varianceValues")) {
            try sampler.step(sample: x, output: ModelOutput(prediction: x), timestep: 5, previous: 4, noise: x)
        }
        #expect(throws: DiffusionError.lengthMismatch(name: "prediction", expected: 2, actual: 1)) {
            try sampler.step(sample: x, output: ModelOutput(prediction: [0]), timestep: 0, previous: -1, noise: nil)
        }
        #expect(throws: DiffusionError.timestepOutOfRange(field: "timestep", timestep: 1000, trainingSteps: 1000)) {
            try sampler.step(sample: x, output: ModelOutput(prediction: x), timestep: 1000, previous: 4, noise: x)
        }
        // The last step needs neither.
        let last = try sampler.step(
            sample: x, output: ModelOutput(prediction: x), timestep: 0, previous: -1, noise: nil)
        #expect(last.previousSample.count == 2)
        #expect(!sampler.needsNoise(timestep: 0, previous: -1))
    }

    @Test func learnedRangeInterpolatesBetweenSmallAndLarge() throws {
        let learned = try DDPMSampler(schedule: schedule, varianceType: .learnedRange)
        let small = try DDPMSampler(schedule: schedule, varianceType: .fixedSmall)
        let large = try DDPMSampler(schedule: schedule, varianceType: .fixedLarge)
        let (t, p) = (500, 458)
        #expect(
            abs(
                learned.standardDeviation(timestep: t, previous: p, varianceValue: -1)
                    - small.standardDeviation(timestep: t, previous: p)) < 1e-12)
        #expect(
            abs(
                learned.standardDeviation(timestep: t, previous: p, varianceValue: 1)
                    - large.standardDeviation(timestep: t, previous: p)) < 1e-12)
        let beta = 1 - schedule.alphasCumprod[t] / schedule.alphasCumprod[p]
        #expect(abs(large.standardDeviation(timestep: t, previous: p) - beta.squareRoot()) < 1e-12)
    }

    @Test func ddimWithExactOriginalLandsOnIt() throws {
        let sampler = try DDIMSampler(schedule: schedule, predictionType: .sample, clipping: .off)
        let x0: [Float] = [0.25, -0.5, 0.75]
        let eps: [Float] = [1, -1, 0.5]
        let xt = try schedule.addNoise(to: x0, noise: eps, at: 600)
        let result = try sampler.step(
            sample: xt, output: ModelOutput(prediction: x0), timestep: 600, previous: -1, noise: nil)
        for i in 0..<3 { #expect(abs(result.previousSample[i] - x0[i]) < 1e-6) }
        // Landing on an intermediate level puts x on the same noise trajectory.
        let mid = try sampler.step(
            sample: xt, output: ModelOutput(prediction: x0), timestep: 600, previous: 300, noise: nil)
        let expected = try schedule.addNoise(to: x0, noise: eps, at: 300)
        for i in 0..<3 { #expect(abs(mid.previousSample[i] - expected[i]) < 1e-5) }
    }

    @Test func loopRunsStepsAndDrawsNoiseOnlyWhenNeeded() throws {
        let timesteps = try TimestepSchedule.karlo(steps: 7)
        let model: DenoisingModel = { x, _ in ModelOutput(prediction: x.map { $0 * 0.1 }) }
        var noise = TestNormals(seed: 1)
        let start = noise.normals(count: 16)
        var visited: [Int] = []
        var loop = DenoisingLoop(
            initialSample: start, timesteps: timesteps, sampler: try DDPMSampler(schedule: schedule),
            noise: TestNormals(seed: 2), model: model)
        for result in loop {
            let step = try result.get()
            visited.append(step.timestep)
            #expect(step.count == 7)
        }
        #expect(visited == timesteps.timesteps)

        // Same result by hand, drawing noise for every step but the last.
        var manualNoise = TestNormals(seed: 2)
        var x = start
        let sampler = try DDPMSampler(schedule: schedule)
        for pair in timesteps {
            let z = pair.timestep > 0 ? manualNoise.normals(count: 16) : nil
            x = try sampler.step(
                sample: x, output: model(x, pair.timestep), timestep: pair.timestep, previous: pair.previous, noise: z
            ).previousSample
        }
        #expect(try loop.run() == x)
        #expect(manualNoise.drawn == 6)

        // Early stop: the loop keeps its state and can resume.
        var partial = DenoisingLoop(
            initialSample: start, timesteps: timesteps, sampler: try DDPMSampler(schedule: schedule),
            noise: TestNormals(seed: 2), model: model)
        for result in partial.prefix(3) { _ = try result.get() }
        // `prefix` iterates a copy; drive the loop itself.
        _ = try partial.nextStep()
        _ = try partial.nextStep()
        #expect(partial.position == 2)
        #expect(try partial.run() == x)

        // DDIM with η = 0 draws nothing.
        var counting = DenoisingLoop(
            initialSample: start, timesteps: try .ddim(steps: 5), sampler: try DDIMSampler(schedule: schedule),
            noise: ClosureNoiseSource { _ in
                Issue.record("noise drawn"); return []
            }, model: model)
        _ = try counting.run()
    }

    @Test func bufferStepsMatchArraySteps() throws {
        var noise = TestNormals(seed: 9)
        let x = noise.normals(count: 12)
        let p = noise.normals(count: 12)
        let v = noise.normals(count: 12).map { max(-1, min(1, $0)) }
        let z = noise.normals(count: 12)
        let ddpm = try DDPMSampler(schedule: schedule, varianceType: .learnedRange)
        let expected = try ddpm.step(
            sample: x, output: ModelOutput(prediction: p, varianceValues: v), timestep: 600, previous: 560, noise: z)
        var inPlace = x
        try inPlace.withUnsafeMutableBufferPointer { buffer in
            try p.withUnsafeBufferPointer { pb in
                try v.withUnsafeBufferPointer { vb in
                    try z.withUnsafeBufferPointer { zb in
                        try ddpm.step(
                            sample: buffer, prediction: pb, varianceValues: vb, noise: zb, predictedOriginalSample: nil,
                            timestep: 600, previous: 560)
                    }
                }
            }
        }
        #expect(inPlace == expected.previousSample)
        let ddim = try DDIMSampler(schedule: schedule, eta: 0.5)
        let expectedDDIM = try ddim.step(
            sample: x, output: ModelOutput(prediction: p), timestep: 600, previous: 560, noise: z)
        var ddimInPlace = x
        try ddimInPlace.withUnsafeMutableBufferPointer { buffer in
            try p.withUnsafeBufferPointer { pb in
                try z.withUnsafeBufferPointer { zb in
                    try ddim.step(
                        sample: buffer, prediction: pb, noise: zb, predictedOriginalSample: nil, timestep: 600,
                        previous: 560)
                }
            }
        }
        #expect(ddimInPlace == expectedDDIM.previousSample)
    }

    @Test func splitsLearnedVarianceChannelsPerItem() throws {
        // B = 2 items of [2C = 4, L = 1]: each item's first two values are the prediction.
        let output = try ModelOutput(splittingChannelsOf: [1, 2, -1, -2, 3, 4, -3, -4], batchSize: 2)
        #expect(output.prediction == [1, 2, 3, 4])
        #expect(output.varianceValues == [-1, -2, -3, -4])
        #expect(throws: DiffusionError.self) { try ModelOutput(splittingChannelsOf: [1, 2, 3], batchSize: 1) }
    }

    @Test func loopDrawsItsStartFromTheNoiseSourceFirst() throws {
        let model: DenoisingModel = { x, _ in ModelOutput(prediction: x.map { $0 * 0.5 }) }
        var a = DenoisingLoop(
            sampleCount: 8, timesteps: try .karlo(steps: 4), sampler: try DDPMSampler(schedule: schedule),
            noise: TestNormals(seed: 4), model: model)
        var source = TestNormals(seed: 4)
        let start = source.normals(count: 8)
        var b = DenoisingLoop(
            initialSample: start, timesteps: try .karlo(steps: 4), sampler: try DDPMSampler(schedule: schedule),
            noise: source, model: model)
        #expect(try a.run() == b.run())
        #expect((a.noise as? TestNormals)?.drawn == 4)
    }

    struct Boom: Error {}

    @Test func loopDeliversModelErrorsAndStops() throws {
        var calls = 0
        let loop = DenoisingLoop(
            initialSample: [0, 0], timesteps: try .karlo(steps: 5), sampler: try DDPMSampler(schedule: schedule),
            noise: TestNormals(seed: 3)
        ) { x, t in
            calls += 1
            if calls == 2 { throw Boom() }
            return ModelOutput(prediction: x)
        }
        let results = Array(loop)
        #expect(results.count == 2)
        if case .failure(let error) = results[1] { #expect(error is Boom) } else { Issue.record("expected failure") }
    }

    /// With the exact ε of x₀ ~ N(0.3, 0.5²) every sampler must converge to that law as the step count grows
    /// (at 25–50 respaced steps the cosine schedule still undershoots the spread by 5–10%).
    @Test func samplingRecoversGaussianData() throws {
        let model = gaussianEpsilonModel(schedule: schedule, mean: 0.3, std: 0.5)
        var noise = TestNormals(seed: 7)
        let start = noise.normals(count: 8_000)
        func run<S: DiffusionSampler>(_ sampler: S, _ timesteps: TimestepSchedule) throws -> (Double, Double) {
            var loop = DenoisingLoop(
                initialSample: start, timesteps: timesteps, sampler: sampler, noise: noise, model: model)
            return meanAndStd(try loop.run())
        }
        // Deterministic DDIM follows the probability-flow ODE, which for Gaussian data is the affine map
        // x_T ↦ μ + s (x_T − √ᾱ_T μ)/√(ᾱ_T s² + 1 − ᾱ_T): compare element by element.
        let a = schedule.alphasCumprod[999]
        let exact = start.map { 0.3 + 0.5 * (Double($0) - a.squareRoot() * 0.3) / (a * 0.25 + 1 - a).squareRoot() }
        var odeErrors: [Double] = []
        for steps in [50, 250] {
            var loop = DenoisingLoop(
                initialSample: start, timesteps: try .ddim(steps: steps),
                sampler: try DDIMSampler(schedule: schedule, clipping: .off), noise: noise, model: model)
            let x = try loop.run()
            odeErrors.append(zip(x, exact).map { abs(Double($0) - $1) }.max()!)
            print("DDIM eta 0, \(steps) steps: max error to the exact ODE map \(odeErrors.last!)")
        }
        #expect(odeErrors[1] < odeErrors[0] / 3)
        #expect(odeErrors[1] < 0.02)
        for (name, steps, tolerance) in [("coarse", 50, 0.04), ("fine", 250, 0.012)] {
            let results = [
                (
                    "DDPM small",
                    try run(
                        DDPMSampler(schedule: schedule, varianceType: .fixedSmallLog, clipping: .off),
                        .karlo(steps: steps))
                ),
                (
                    "DDPM large",
                    try run(
                        DDPMSampler(schedule: schedule, varianceType: .fixedLarge, clipping: .off), .karlo(steps: steps)
                    )
                ),
                ("DDIM eta 1", try run(DDIMSampler(schedule: schedule, clipping: .off, eta: 1), .ddim(steps: steps))),
            ]
            for (sampler, (mean, std)) in results {
                print("\(sampler), \(steps) steps: mean \(mean) std \(std) (want 0.3, 0.5)")
                #expect(abs(mean - 0.3) < 0.02, "\(sampler) \(name)")
                #expect(abs(std - 0.5) < (sampler == "DDPM large" ? 2 * tolerance : tolerance), "\(sampler) \(name)")
            }
        }
    }

    /// DDIM with η = 1 is the DDPM posterior step with σ² = β̃ (when nothing is clipped), for any jump.
    @Test func ddimWithEtaOneIsDDPM() throws {
        let ddim = try DDIMSampler(schedule: schedule, clipping: .off, eta: 1)
        let ddpm = try DDPMSampler(schedule: schedule, varianceType: .fixedSmall, clipping: .off, convention: .ddpm)
        var noise = TestNormals(seed: 5)
        for (t, p) in [(999, 958), (500, 499), (123, 0), (40, -1)] {
            let x = noise.normals(count: 32)
            let eps = noise.normals(count: 32)
            let z = noise.normals(count: 32)
            let a = try ddim.step(sample: x, output: ModelOutput(prediction: eps), timestep: t, previous: p, noise: z)
            let b = try ddpm.step(sample: x, output: ModelOutput(prediction: eps), timestep: t, previous: p, noise: z)
            for i in 0..<32 {
                #expect(
                    abs(a.previousSample[i] - b.previousSample[i]) <= 1e-5 * max(1, abs(b.previousSample[i])), "t=\(t)")
            }
        }
    }
}

@Suite struct GuidanceTests {
    @Test func combinesPredictionAndKeepsConditionalVariance() throws {
        let guidance = try ClassifierFreeGuidance(scale: 4)
        let u = ModelOutput(prediction: [1, 2], varianceValues: [-1, -1])
        let c = ModelOutput(prediction: [2, 0], varianceValues: [0.5, 0.25])
        let g = try guidance.combine(unconditional: u, conditional: c)
        #expect(g.prediction == [5, -6])
        #expect(g.varianceValues == [0.5, 0.25])
        let batched = try guidance.combine(
            batched: ModelOutput(prediction: [1, 2, 2, 0], varianceValues: [-1, -1, 0.5, 0.25]))
        #expect(batched == g)
        #expect(
            try ClassifierFreeGuidance(scale: 1).combine(unconditional: u, conditional: c).prediction == c.prediction)
        #expect(throws: DiffusionError.self) { try guidance.combine(batched: ModelOutput(prediction: [1, 2, 3])) }
        let model = guidance.guided(
            unconditional: { _, _ in u }, conditional: { _, _ in c })
        #expect(try model([0, 0], 3) == g)
    }
}
