import Diffusion
import Foundation
import Testing

/// Step-by-step agreement with diffusers' UnCLIPScheduler, DDPMScheduler and DDIMScheduler on fixed inputs.
/// The tables are computed in Double here; diffusers computes them in float32, which rounds visibly where
/// 1 − ᾱ or β is tiny (UnCLIPScheduler's last step, t = 999 of the cosine schedule). So each step is held to
/// 1e-5 of the fixture's float64 replay and to 1e-3 of diffusers itself.
@Suite struct ConformanceTests {
    static let fixture: SchedulerFixture? = try? SchedulerFixture.load()

    @Test func fixtureLoads() throws {
        let fixture = try SchedulerFixture.load()
        #expect(fixture.cases.count >= 20)
    }

    @Test func alphasCumprodMatch() throws {
        let fixture = try #require(Self.fixture)
        for (name, reference) in fixture.schedules {
            let schedule = try NoiseSchedule(BetaSchedule(fixture: name), trainingSteps: fixture.train_timesteps)
            let replay = maxRelativeError(schedule.alphasCumprod, reference.alphas_cumprod64)
            #expect(replay < 1e-12, "\(name) replay \(replay)")
            // Relative to each value (ᾱ₉₉₉ of the cosine schedule is 2.4e−9).
            var worst = 0.0
            for t in 0..<schedule.trainingSteps {
                let r = Double(reference.alphas_cumprod[t])
                worst = max(worst, abs(schedule.alphasCumprod[t] - r) / r)
            }
            print("alphas_cumprod \(name): max relative difference to diffusers' float32 table \(worst)")
            #expect(worst < 5e-5, "\(name)")
        }
    }

    @Test func timestepTablesMatch() throws {
        let fixture = try #require(Self.fixture)
        for table in fixture.timestep_tables {
            let spacing = TimestepSpacing(fixture: table.spacing, offset: table.offset ?? 0)
            if table.timesteps.contains(where: { $0 >= fixture.train_timesteps }) {
                // diffusers accepts `steps_offset` pushing a timestep to T (and fails later in `step`); we refuse it.
                #expect(throws: DiffusionError.self) {
                    _ = try TimestepSchedule.ddim(steps: table.steps, spacing: spacing)
                }
                continue
            }
            let schedule: TimestepSchedule
            switch table.kind {
            case "karlo": schedule = try .karlo(steps: table.steps)
            case "ddpm": schedule = try .ddpm(steps: table.steps, spacing: spacing)
            default: schedule = try .ddim(steps: table.steps, spacing: spacing)
            }
            let label = "\(table.kind) \(table.spacing ?? "") offset \(table.offset ?? 0) N=\(table.steps)"
            #expect(schedule.timesteps == table.timesteps, "\(label)")
            // diffusers' DDIM lands below −1 at the end of some schedules; every such level is the clean sample.
            #expect(schedule.pairs.map(\.previous) == table.previous.map { max($0, -1) }, "\(label)")
        }
    }

    @Test(arguments: (try? SchedulerFixture.load())?.cases.map(\.name) ?? [])
    func stepsMatch(caseName: String) throws {
        let fixture = try #require(Self.fixture)
        let c = try #require(fixture.cases.first { $0.name == caseName })
        let schedule = try NoiseSchedule(BetaSchedule(fixture: c.beta_schedule), trainingSteps: fixture.train_timesteps)
        let clipping: SampleClipping = c.clip.map { .symmetric($0) } ?? .off
        let prediction = PredictionType(fixture: c.prediction_type)
        let sampler: any DiffusionSampler
        let timesteps: TimestepSchedule
        switch c.scheduler {
        case "ddim":
            sampler = try DDIMSampler(
                schedule: schedule, predictionType: prediction, clipping: clipping, eta: c.eta ?? 0,
                setsAlphaToOne: c.set_alpha_to_one ?? true, usesClippedModelOutput: c.use_clipped_model_output ?? false)
            timesteps = try .ddim(steps: c.steps, spacing: TimestepSpacing(fixture: c.spacing))
        case "ddpm":
            sampler = try DDPMSampler(
                schedule: schedule, predictionType: prediction, varianceType: VarianceType(fixture: c.variance_type),
                clipping: clipping, convention: .ddpm)
            timesteps = try .ddpm(steps: c.steps, spacing: TimestepSpacing(fixture: c.spacing))
        default:
            sampler = try DDPMSampler(
                schedule: schedule, predictionType: prediction, varianceType: VarianceType(fixture: c.variance_type),
                clipping: clipping, convention: .unclip)
            timesteps = try .karlo(steps: c.steps)
        }
        #expect(timesteps.timesteps == c.timesteps)
        var worstReplay = 0.0
        var worstDiffusers = 0.0
        var worstDiffusersAt = 0
        for (i, step) in c.steps_data.enumerated() {
            #expect(timesteps[i].timestep == step.t)
            #expect(timesteps[i].previous == max(step.prev, -1))
            let output = ModelOutput(prediction: step.prediction, varianceValues: step.variance_values)
            let result = try sampler.step(
                sample: step.sample, output: output, timestep: timesteps[i].timestep,
                previous: timesteps[i].previous, noise: step.noise)
            worstReplay = max(
                worstReplay, maxRelativeError(result.previousSample, step.prev_sample64),
                maxRelativeError(result.predictedOriginalSample, step.pred_original_sample64))
            let toDiffusers = max(
                maxRelativeError(result.previousSample, step.prev_sample),
                maxRelativeError(result.predictedOriginalSample, step.pred_original_sample))
            if toDiffusers > worstDiffusers {
                worstDiffusers = toDiffusers
                worstDiffusersAt = step.t
            }
        }
        print(
            "\(c.name): max error vs float64 replay \(worstReplay), vs diffusers \(worstDiffusers) (at t=\(worstDiffusersAt))"
        )
        #expect(worstReplay < 1e-5, "\(c.name) vs replay")
        #expect(worstDiffusers < 1e-3, "\(c.name) vs diffusers")
    }

    /// The hybrid loss's L_vb against DALLE2-pytorch's `normal_kl` / `discretized_gaussian_log_likelihood`, with
    /// gradients from torch autograd (mean not detached, so the prediction gradient is checked too).
    @Test func variationalBoundMatchesReference() throws {
        let fixture = try #require(Self.fixture)
        let schedule = try NoiseSchedule(.squaredCosine)
        #expect(fixture.variational_bound.count == 12)
        var worst = 0.0
        for c in fixture.variational_bound {
            let f = { (x: [Double]) in x.map { Float($0) } }
            let result = try DiffusionLoss.variationalBound(
                original: f(c.original), noisy: f(c.noisy), timestep: c.t,
                output: ModelOutput(prediction: f(c.prediction), varianceValues: f(c.variance_values)),
                predictionType: PredictionType(fixture: c.prediction_type), schedule: schedule, trainsMean: true)
            let valueError = abs(result.value - c.value) / max(1, abs(c.value))
            // Gradients are relative to the largest component (single elements can be ~0).
            let scaleV = max(c.variance_gradient.map(abs).max()!, 1e-12)
            let scaleP = max(c.prediction_gradient.map(abs).max()!, 1e-12)
            let gv = zip(result.varianceGradient, c.variance_gradient).map { abs(Double($0) - $1) / scaleV }.max()!
            let gp = zip(result.predictionGradient, c.prediction_gradient).map { abs(Double($0) - $1) / scaleP }.max()!
            worst = max(worst, valueError, gv, gp)
            #expect(valueError < 1e-6, "\(c.prediction_type) t=\(c.t) value \(result.value) vs \(c.value)")
            #expect(gv < 1e-5, "\(c.prediction_type) t=\(c.t) variance gradient")
            #expect(gp < 1e-5, "\(c.prediction_type) t=\(c.t) prediction gradient")
        }
        print("variational bound vs DALLE2-pytorch helpers: max relative error \(worst)")
    }
}
