/// DDIM inversion: runs the deterministic (η = 0) DDIM update backwards to map a clean sample to the x_T from which
/// η = 0 sampling over the same schedule returns (approximately) to it.
///
/// Each jump prev → t of the schedule is walked in reverse: ε is predicted at the current level (the model is
/// evaluated at `prev`, or at `t` for the first jump out of the clean sample, which has no timestep of its own),
/// x₀ is formed from it, and x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε. The walk mirrors the sampler exactly when each jump
/// lands on the next timestep (Karlo, DDPM and DDIM `leading` schedules); with DDIM `trailing`/`linspace` the
/// landing levels differ from the next timestep by a step, as they do when sampling.
// Follows the reverse DDIM update of glide-text2im's ddim_reverse_sample.
public struct DDIMInversion: Sendable {
    /// The training noise schedule.
    public let schedule: NoiseSchedule
    /// What the model predicts.
    public let predictionType: PredictionType
    /// ᾱ of the clean level (1, as `DDIMSampler.setsAlphaToOne`).
    public let finalAlphaCumprod: Double

    /// An inverter. `setsAlphaToOne` must match the sampler that will run the latent back.
    public init(schedule: NoiseSchedule, predictionType: PredictionType = .epsilon, setsAlphaToOne: Bool = true) {
        self.schedule = schedule
        self.predictionType = predictionType
        self.finalAlphaCumprod = setsAlphaToOne ? 1 : schedule.alphasCumprod[0]
    }

    /// One inverse jump from level `from` (−1 = clean) up to `to`, given the model output at `from`.
    public func step(sample: [Float], output: ModelOutput, from: Int, to: Int) throws -> [Float] {
        try schedule.validate(from, field: "from")
        try schedule.validate(to, field: "to", lowest: 0)
        if to <= from {
            throw DiffusionError.invalidConfiguration(field: "to", reason: "\(to) must be above \(from)")
        }
        try checkLength("prediction", output.prediction, sample.count)
        let current = schedule.alphaCumprod(at: from, final: finalAlphaCumprod)
        let next = schedule.alphasCumprod[to]
        var out = [Float](repeating: 0, count: sample.count)
        for i in 0..<sample.count {
            let x = Double(sample[i])
            let p = Double(output.prediction[i])
            let eps: Double
            let x0: Double
            if current >= 1 {
                // At the clean level x is x₀; ε comes from the model's reading of x at the first timestep.
                x0 = x
                eps = predictionType.noise(prediction: p, noisy: x, alphaCumprod: schedule.alphasCumprod[to])
            } else {
                x0 = predictionType.originalSample(prediction: p, noisy: x, alphaCumprod: current)
                eps = predictionType.noise(prediction: p, noisy: x, alphaCumprod: current)
            }
            out[i] = Float(next.squareRoot() * x0 + (1 - next).squareRoot() * eps)
        }
        return out
    }

    /// Maps a clean sample to the latent at `timesteps.first.timestep` by walking the schedule's jumps backwards.
    public func invert(_ original: [Float], timesteps: TimestepSchedule, model: DenoisingModel) throws -> [Float] {
        var x = original
        for pair in timesteps.pairs.reversed() {
            let evaluatedAt = pair.previous >= 0 ? pair.previous : pair.timestep
            let output = try model(x, evaluatedAt)
            x = try step(sample: x, output: output, from: pair.previous, to: pair.timestep)
        }
        return x
    }
}
