import Diffusion
import NN

/// The sampling run that the decoder and the upsamplers share: x_T drawn from the seed's Philox stream, or a
/// recorded x_T replayed, then every step, then the result clamped to [−1, 1].
enum ReplayableSampling {
    /// Runs `model` from x_T to an image of `shape`. A replayed `noise` skips the draws x_T would have taken, so
    /// it gets the same step noise as the original run.
    static func run(
        shape: [Int], timesteps: TimestepSchedule, sampler: any DiffusionSampler, model: @escaping DenoisingModel,
        seed: UInt64, noise: Tensor?, progress: ((Int, Int) -> Void)?
    ) throws -> Decoder.Output {
        let count = shape.reduce(1, *)
        var source = PhiloxNoiseSource(seed: seed)
        var loop: DenoisingLoop
        if let noise {
            guard noise.shape == shape else {
                throw UNetError.invalidInput(name: "noise", shape: noise.shape, expected: "\(shape)")
            }
            _ = source.normals(count: count)
            loop = DenoisingLoop(
                initialSample: noise.scalars, timesteps: timesteps, sampler: sampler, noise: source, model: model)
        } else {
            loop = DenoisingLoop(
                sampleCount: count, timesteps: timesteps, sampler: sampler, noise: source, model: model)
        }
        let start = try Tensor(shape: shape, scalars: loop.sample)
        while let step = try loop.nextStep() { progress?(step.index, step.count) }
        // The final sample clamped to [−1, 1], as the reference pipelines do.
        let image = loop.sample.map { Swift.min(Swift.max($0, -1), 1) }
        return Decoder.Output(image: try Tensor(shape: shape, scalars: image), noise: start)
    }
}
