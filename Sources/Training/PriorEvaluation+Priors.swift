import Foundation
import NN
import Prior
import TensorStream

extension PriorEvaluation {
    /// How the priors are sampled during evaluation (the stages' defaults).
    public struct SamplerSettings: Sendable {
        /// Diffusion prior: steps, guidance scale, best-of-N candidates.
        public var steps = 25, guidance: Float = 4, candidates = 2
        /// AR prior: guidance scale, temperature, nucleus mass.
        public var arGuidance: Float = 1, temperature: Float = 1, topP: Float = 1
        /// Base seed; frame k samples with seed + k.
        public var seed: UInt64 = 0
        public init() {}
    }

    /// Evaluates a diffusion prior folder and/or an AR prior folder side by side. The mean-embedding baseline is the
    /// diffusion prior's `clip_mean` (else the AR codebook's PCA mean): the mean of its training image embeddings.
    public static func run(
        clipFolder: String, diffusion: String?, autoregressive: String?, sets: [PriorDataSet], cacheFolder: String?,
        settings: SamplerSettings, log: (String) -> Void
    ) throws -> PriorEvaluation {
        var predictors: [Predictor] = []
        var mean: [Float]?
        if let folder = diffusion {
            let model = try PriorTransformer(directory: folder)
            var sampler = try PriorSampler(
                model: model, unconditional: PriorSampler.unconditional(inModelDirectory: folder))
            sampler.steps = settings.steps
            sampler.guidanceScale = settings.guidance
            sampler.candidates = settings.candidates
            mean = model.clipMean.value.scalars
            predictors.append(
                Predictor(
                    name: "diffusion prior (\(settings.steps) steps, guidance \(settings.guidance), "
                        + "best of \(settings.candidates))"
                ) { frame, index in
                    let conditioning = try PriorConditioning(
                        textEmbedding: Tensor(frame.tensor("text.embed")),
                        hiddenStates: Tensor(frame.tensor("text.hidden")), mask: Tensor(frame.tensor("text.mask")))
                    return try sampler.sample(conditioning, seed: settings.seed &+ UInt64(index)).imageEmbeddings
                })
        }
        if let folder = autoregressive {
            let prior = try ARPrior(directory: folder)
            var sampler = ARPriorSampler(prior: prior)
            sampler.guidanceScale = settings.arGuidance
            sampler.temperature = settings.temperature
            sampler.topP = settings.topP
            mean = mean ?? prior.codebook.pca.mean
            predictors.append(
                Predictor(
                    name: "AR prior (guidance \(settings.arGuidance), temperature \(settings.temperature), "
                        + "top-p \(settings.topP))"
                ) { frame, index in
                    let tokens = try Tensor(frame.tensor("text.tokens")).scalars.map { Int($0) }
                    let mask = try Tensor(frame.tensor("text.mask")).scalars.map { $0 != 0 }
                    return try sampler.sample(
                        tokens: tokens, mask: mask, textEmbedding: Tensor(frame.tensor("text.embed")),
                        seed: settings.seed &+ UInt64(index)
                    ).imageEmbeddings
                })
        }
        guard let mean else { throw TrainingError.badOption("prior-eval needs a diffusion or an AR prior folder") }
        return try PriorEvaluation(
            clipFolder: clipFolder, sets: sets, cacheFolder: cacheFolder, meanImage: mean, predictors: predictors,
            log: log)
    }
}
