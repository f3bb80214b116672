/// A source of standard normal noise, drawn in order. The engine supplies a seeded Philox stream; tests can use any
/// deterministic source.
public protocol NoiseSource {
    /// The next `count` standard normal values.
    mutating func normals(count: Int) -> [Float]
}

/// A noise source backed by a closure.
public struct ClosureNoiseSource: NoiseSource {
    private let body: (Int) -> [Float]

    /// Wraps `body`, which returns `count` standard normals per call.
    public init(_ body: @escaping (_ count: Int) -> [Float]) { self.body = body }

    public mutating func normals(count: Int) -> [Float] { body(count) }
}

/// What one iteration of the denoising loop produced.
public struct DenoisingStep {
    /// 0-based position in the schedule.
    public let index: Int
    /// Number of steps in the schedule.
    public let count: Int
    /// The timestep the model was evaluated at.
    public let timestep: Int
    /// The timestep the new sample sits at (−1 = clean).
    public let previous: Int
    /// The sample after this step.
    public let sample: [Float]
    /// The step's x₀ estimate (useful for previews).
    public let predictedOriginalSample: [Float]

    /// Whether this was the final step.
    public var isLast: Bool { index + 1 == count }
}

/// The reverse process as a sequence of steps: each iteration calls the model once at the current timestep, draws
/// noise if the sampler needs it, and advances the sample. Iterate to show progress or stop early; a thrown model
/// or sampler error is delivered as a `.failure` element and ends the sequence.
///
/// ```swift
/// for result in loop { let step = try result.get(); progress(step.index, step.count) }
/// ```
public struct DenoisingLoop: Sequence, IteratorProtocol {
    /// The current sample.
    public private(set) var sample: [Float]
    /// The jumps still to run start at `position`.
    public private(set) var position: Int = 0
    /// The schedule being run.
    public let timesteps: TimestepSchedule
    /// The update rule.
    public let sampler: any DiffusionSampler
    /// The noise source, advanced by every step that needs noise (read it back to continue the stream).
    public private(set) var noise: any NoiseSource
    private let model: DenoisingModel
    private var failed = false

    /// A loop from `initialSample` (x_T: noise scaled by the scheduler's initial sigma of 1, or an inverted
    /// latent) through `timesteps`.
    public init(
        initialSample: [Float], timesteps: TimestepSchedule, sampler: any DiffusionSampler, noise: any NoiseSource,
        model: @escaping DenoisingModel
    ) {
        self.sample = initialSample
        self.timesteps = timesteps
        self.sampler = sampler
        self.noise = noise
        self.model = model
    }

    /// A loop whose x_T is the first `count` normals of `noise` (every scheduler here has an initial sigma of 1),
    /// drawn before any step noise, as the references draw their latents from the same generator first.
    public init(
        sampleCount count: Int, timesteps: TimestepSchedule, sampler: any DiffusionSampler, noise: any NoiseSource,
        model: @escaping DenoisingModel
    ) {
        var source = noise
        let start = source.normals(count: count)
        self.init(initialSample: start, timesteps: timesteps, sampler: sampler, noise: source, model: model)
    }

    /// Runs the next step, or returns nil when the schedule is done.
    public mutating func nextStep() throws -> DenoisingStep? {
        guard !failed, position < timesteps.count else { return nil }
        let pair = timesteps[position]
        do {
            let output = try model(sample, pair.timestep)
            let stepNoise =
                sampler.needsNoise(timestep: pair.timestep, previous: pair.previous)
                ? noise.normals(count: sample.count) : nil
            let result = try sampler.step(
                sample: sample, output: output, timestep: pair.timestep, previous: pair.previous, noise: stepNoise)
            sample = result.previousSample
            defer { position += 1 }
            return DenoisingStep(
                index: position, count: timesteps.count, timestep: pair.timestep, previous: pair.previous,
                sample: result.previousSample, predictedOriginalSample: result.predictedOriginalSample)
        } catch {
            failed = true
            throw error
        }
    }

    public mutating func next() -> Result<DenoisingStep, any Error>? {
        do {
            guard let step = try nextStep() else { return nil }
            return .success(step)
        } catch {
            return .failure(error)
        }
    }

    /// Runs every remaining step and returns the final sample.
    public mutating func run() throws -> [Float] {
        while try nextStep() != nil {}
        return sample
    }
}
