import Diffusion
import Foundation
import NN
import Prior
import Testing

/// The prior half of diffusers' `UnCLIPPipeline` (UnCLIPScheduler, guidance 4, 5 steps) with the starting latents
/// and per-step noise fed in, against `PriorSampler.denoise` on the same model (fixture config a).
///
/// `Diffusion` computes the schedule in float64; diffusers builds its tables in float32, whose coefficients round
/// visibly at t = 999 and t = 0 (5e-4 relative on the final embedding). So the loop must match the fixture's
/// float64-table run of the same diffusers code to 1e-4, and diffusers as it ships to 1e-3.
@Suite struct PriorSamplingConformanceTests {
    @Test func guidedKarloLoopMatchesDiffusers() throws {
        let model = try PriorTransformer(directory: fixtureDirectory + "/a")
        let f = try fixtureTensors("sampling.safetensors")
        let conditioning = try PriorConditioning(
            textEmbedding: tensor(f, "text.embed"), hiddenStates: tensor(f, "text.hidden"), mask: tensor(f, "text.mask")
        )
        let unconditional = try PriorConditioning(
            textEmbedding: tensor(f, "uncond.embed"), hiddenStates: tensor(f, "uncond.hidden"),
            mask: tensor(f, "uncond.mask"))
        var sampler = try PriorSampler(model: model, unconditional: unconditional)
        sampler.steps = 5
        sampler.guidanceScale = 4
        let stepNoise = try tensor(f, "step_noise"), samples = try tensor(f, "samples.f64tables")
        let perStep = stepNoise.count / stepNoise.shape[0], draws = stepNoise.shape[0]
        let noise = stepNoise.scalars
        var drawn = 0
        let source = ClosureNoiseSource { count in
            defer { drawn += 1 }
            guard count == perStep, drawn < draws else { return [Float](repeating: .nan, count: count) }
            return Array(noise[drawn * perStep..<(drawn + 1) * perStep])
        }
        var timesteps: [Int] = []
        var stepErrors: [Float] = []
        let reference = samples.scalars
        let out = try sampler.denoise(
            conditioning, initialLatents: tensor(f, "initial_latents"), noise: source
        ) { step in
            timesteps.append(step.timestep)
            let expected = Array(reference[step.index * perStep..<(step.index + 1) * perStep])
            if let a = try? Tensor(shape: [perStep], scalars: step.sample),
                let b = try? Tensor(shape: [perStep], scalars: expected)
            {
                stepErrors.append(relativeError(a, b))
            }
        }
        print("prior sampling per-step relative errors: \(stepErrors)")
        #expect(stepErrors.count == 5 && stepErrors.allSatisfy { $0 < 1e-4 })
        #expect(timesteps == (try tensor(f, "timesteps")).scalars.map { Int($0) })
        #expect(drawn == draws)
        let error = relativeError(out, try tensor(f, "image.embed.f64tables"))
        let shipped = relativeError(out, try tensor(f, "image.embed"))
        print(
            "prior sampling (5 steps, guidance 4): image.embed relative error \(error) (float64 tables), \(shipped) (diffusers' float32 tables)"
        )
        #expect(error < 1e-4)
        #expect(shipped < 1e-3)
    }
}
