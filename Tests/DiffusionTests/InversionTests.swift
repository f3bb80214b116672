import Diffusion
import Foundation
import Testing

@Suite struct InversionTests {
    let schedule = try! NoiseSchedule(.squaredCosine)

    /// A model that knows x₀: inversion followed by η = 0 sampling is exact up to rounding.
    @Test(arguments: [PredictionType.epsilon, .sample, .velocity])
    func knownOriginalRoundTrip(predictionType: PredictionType) throws {
        let target: [Float] = [0.5, -0.25, 0.9, -0.8]
        let schedule = self.schedule
        let model: DenoisingModel = { x, t in
            let a = schedule.alphasCumprod[t]
            // ε implied by x and the known x₀, then expressed as the requested prediction.
            let eps = (0..<x.count).map {
                Float((Double(x[$0]) - a.squareRoot() * Double(target[$0])) / (1 - a).squareRoot())
            }
            return ModelOutput(
                prediction: try PredictionType.epsilon.convert(eps, to: predictionType, noisy: x, alphaCumprod: a))
        }
        // Start from a point on the trajectory of `target` so that the model is exact everywhere.
        let image = target
        let timesteps = try TimestepSchedule.ddim(steps: 20)
        let latent = try DDIMInversion(schedule: schedule, predictionType: predictionType).invert(
            image, timesteps: timesteps, model: model)
        var loop = DenoisingLoop(
            initialSample: latent, timesteps: timesteps,
            sampler: try DDIMSampler(schedule: schedule, predictionType: predictionType, clipping: .off),
            noise: TestNormals(seed: 0), model: model)
        let back = try loop.run()
        for i in 0..<image.count { #expect(abs(back[i] - image[i]) < 1e-4, "\(predictionType)") }
    }

    /// The exact ε of a Gaussian data law: inversion and sampling are discretizations of the same ODE, so the
    /// round trip reconstructs the input to within the discretization error, which shrinks with more steps.
    @Test func gaussianRoundTrip() throws {
        let model = gaussianEpsilonModel(schedule: schedule, mean: 0.2, std: 0.4)
        var noise = TestNormals(seed: 11)
        let image = noise.normals(count: 256).map { 0.2 + 0.4 * $0 }
        var errors: [Double] = []
        for steps in [50, 250] {
            let timesteps = try TimestepSchedule.ddim(steps: steps)
            let latent = try DDIMInversion(schedule: schedule).invert(image, timesteps: timesteps, model: model)
            let (mean, std) = meanAndStd(latent)
            #expect(abs(mean) < 0.15 && abs(std - 1) < 0.15, "latent should look like noise: \(mean) \(std)")
            var loop = DenoisingLoop(
                initialSample: latent, timesteps: timesteps,
                sampler: try DDIMSampler(schedule: schedule, clipping: .off),
                noise: TestNormals(seed: 0), model: model)
            let back = try loop.run()
            let error = zip(back, image).map { abs(Double($0) - Double($1)) }.max()!
            print("DDIM inversion, Gaussian data, \(steps) steps: max reconstruction error \(error)")
            errors.append(error)
        }
        #expect(errors[1] < 0.03)
        #expect(errors[1] < errors[0])
    }
}
