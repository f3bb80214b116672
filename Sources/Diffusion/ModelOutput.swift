/// What the denoising model returns for one flat sample.
public struct ModelOutput: Equatable, Sendable {
    /// The prediction (ε, x₀ or v, per the sampler's `PredictionType`), as many elements as the sample.
    public var prediction: [Float]
    /// For `VarianceType.learnedRange`: the extra output channels v ∈ [−1, 1] that interpolate the log variance,
    /// as many elements as the sample. `nil` for models with a fixed variance.
    public var varianceValues: [Float]?

    /// Wraps a prediction and optional learned-variance values.
    public init(prediction: [Float], varianceValues: [Float]? = nil) {
        self.prediction = prediction
        self.varianceValues = varianceValues
    }
}

/// The denoising network as the samplers see it: the noisy sample x_t and its training timestep in, the output out.
public typealias DenoisingModel = (_ sample: [Float], _ timestep: Int) throws -> ModelOutput

/// The result of one reverse step.
public struct StepOutput: Equatable, Sendable {
    /// x_prev, the sample at the previous (less noisy) timestep.
    public var previousSample: [Float]
    /// The x₀ the step used (after clipping).
    public var predictedOriginalSample: [Float]

    /// Wraps a step's two outputs.
    public init(previousSample: [Float], predictedOriginalSample: [Float]) {
        self.previousSample = previousSample
        self.predictedOriginalSample = predictedOriginalSample
    }
}

/// A reverse-process update rule that the denoising loop can drive.
public protocol DiffusionSampler {
    /// Whether `step` for this jump consumes Gaussian noise (so the loop draws it only when needed).
    func needsNoise(timestep: Int, previous: Int) -> Bool
    /// One update x_t → x_prev, a pure function of its arguments.
    func step(sample: [Float], output: ModelOutput, timestep: Int, previous: Int, noise: [Float]?) throws -> StepOutput
}
