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

extension ModelOutput {
    /// Splits a learned-variance network's raw output, laid out [B, 2C, …] (each item's first C channels the
    /// prediction, the last C the variance values, as Karlo's decoder and diffusers' `torch.split` along dim 1), into a
    /// prediction and variance values each laid out [B, C, …].
    public init(splittingChannelsOf output: [Float], batchSize: Int) throws {
        guard batchSize > 0, output.count % (2 * batchSize) == 0 else {
            throw DiffusionError.invalidConfiguration(
                field: "batchSize", reason: "\(output.count) elements do not split into \(batchSize) items of 2 halves")
        }
        let half = output.count / (2 * batchSize)
        var prediction: [Float] = []
        var values: [Float] = []
        prediction.reserveCapacity(half * batchSize)
        values.reserveCapacity(half * batchSize)
        for item in 0..<batchSize {
            let start = item * 2 * half
            prediction.append(contentsOf: output[start..<start + half])
            values.append(contentsOf: output[start + half..<start + 2 * half])
        }
        self.init(prediction: prediction, varianceValues: values)
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
