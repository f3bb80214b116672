import Diffusion
import Foundation
import TensorCore

/// Draws CLIP image embeddings from a `PriorTransformer`: Karlo's respaced DDPM loop (`UnCLIPScheduler`: cosine
/// schedule, x₀ prediction, fixed-small-log variance, x₀ clipped to ±5) with classifier-free guidance, then
/// best-of-N: N candidates per prompt, keeping the one whose embedding has the highest dot product with the text
/// embedding (the unCLIP paper's sampling trick; N = 2 by default).
///
/// **Randomness, exactly.** Candidate n of item b is chain c = b·N + n. The starting noise of all chains is
/// `PhiloxRandom(seed).normal(shape: [B·N, D])`. Each chain's per-step noise comes from its own stream,
/// `PhiloxRandom(seed: chainSeed(seed, startingNoiseRow))` (D normals per noisy step), so a chain's result depends
/// only on the seed and its starting noise: replaying one item from its recorded starting noise (`initialNoise`)
/// and the same seed gives the same embedding, whichever candidate won and however many were drawn.
// Follows the prior half of diffusers' UnCLIPPipeline.__call__ and Karlo's T2I sampler.
public struct PriorSampler {
    /// The file in a prior model folder holding the unconditional (empty prompt) conditioning: `text.embed`
    /// [1, Dp], `text.hidden` [1, T, D], `text.mask` [1, T], the CLIP encoding of "" for the prior's CLIP.
    public static let unconditionalFileName = "unconditional.safetensors"

    /// The network.
    public let model: PriorTransformer
    /// The unconditional conditioning (batch 1), needed when `guidanceScale` ≠ 1.
    public var unconditional: PriorConditioning?
    /// Sampling steps (Karlo's respacing of the 1000 training steps; Karlo's default 25).
    public var steps = 25
    /// Classifier-free guidance scale (unCLIP's prior default 4; 1 = no guidance, no unconditional pass).
    public var guidanceScale: Float = 4
    /// Candidates per prompt for best-of-N (1 = no ranking).
    public var candidates = 2
    /// The training noise schedule (Karlo's prior: cosine over 1000 steps).
    public var schedule: NoiseSchedule
    /// The x₀ clamp (Karlo's prior: ±5 in normalised space).
    public var clipping = SampleClipping.symmetric(5)

    /// A sampler with Karlo's defaults.
    public init(model: PriorTransformer, unconditional: PriorConditioning?) throws {
        self.model = model
        self.unconditional = unconditional
        schedule = try NoiseSchedule(.squaredCosine, trainingSteps: 1000)
    }

    /// One sampled batch.
    public struct Sample {
        /// The chosen image embeddings [B, clip] (CLIP space, after `postProcess`).
        public var imageEmbeddings: Tensor
        /// The starting noise of each chosen chain [B, D]: `prior.noise`, which replays the item.
        public var initialNoise: Tensor
        /// Dot product of every candidate with its text embedding [B, N] (zeros when N = 1 and the widths differ).
        public var scores: Tensor
        /// Index of the chosen candidate per item.
        public var chosen: [Int]
    }

    /// Samples B embeddings, one per conditioning item. Draws `candidates` chains per item from `seed` and keeps
    /// the best; when `initialNoise` [B, D] is given, runs exactly one chain per item from it (a replay).
    public func sample(
        _ conditioning: PriorConditioning, seed: UInt64, initialNoise: Tensor? = nil,
        progress: ((DenoisingStep) -> Void)? = nil
    ) throws -> Sample {
        let b = conditioning.batchSize, d = model.configuration.embeddingDim
        guard candidates >= 1 else { throw PriorError.badOption(name: "candidates", reason: "must be ≥ 1") }
        _ = try model.checkInputs(
            [b, d], conditioning.textEmbedding.shape, conditioning.hiddenStates?.shape, conditioning.mask?.shape)
        let n = initialNoise == nil ? candidates : 1
        let start: Tensor
        if let initialNoise {
            guard initialNoise.shape == [b, d] else {
                throw PriorError.badInput(name: "prior.noise", shape: initialNoise.shape, expected: "[\(b), \(d)]")
            }
            start = initialNoise
        } else {
            var rng = PhiloxRandom(seed: seed)
            start = try rng.normal(shape: [b * n, d])  // [B·N, D]
        }
        let streams = ChainNoise(seed: seed, startingNoise: start)
        let embeddings = try denoise(
            conditioning.repeatingItems(n), initialLatents: start, noise: streams, progress: progress)
        return try Self.choose(embeddings, start: start, text: conditioning.textEmbedding, candidates: n)
    }

    /// The guided loop from explicit starting latents [B, D] (x_T) with step noise from `noise` (B·D normals per
    /// noisy step, item-major); returns the image embeddings [B, clip] after `postProcess`.
    public func denoise(
        _ conditioning: PriorConditioning, initialLatents: Tensor, noise: any NoiseSource,
        progress: ((DenoisingStep) -> Void)? = nil
    ) throws -> Tensor {
        let c = model.configuration, b = conditioning.batchSize
        guard c.resolvedClipEmbedDim == c.embeddingDim else {
            throw PriorError.badConfig(
                path: "config.json", key: "clip_embed_dim",
                reason:
                    "sampling needs the output width \(c.resolvedClipEmbedDim) to equal embedding_dim \(c.embeddingDim)"
            )
        }
        guard initialLatents.shape == [b, c.embeddingDim] else {
            throw PriorError.badInput(
                name: "initial latents", shape: initialLatents.shape, expected: "[\(b), \(c.embeddingDim)]")
        }
        guard steps >= 2, steps <= schedule.trainingSteps else {
            throw PriorError.badOption(name: "steps", reason: "must be in 2...\(schedule.trainingSteps), got \(steps)")
        }
        _ = try model.checkInputs(
            [b, c.embeddingDim], conditioning.textEmbedding.shape, conditioning.hiddenStates?.shape,
            conditioning.mask?.shape)
        let guidance = try ClassifierFreeGuidance(scale: guidanceScale)
        var batch = conditioning
        if guidance.isActive {
            guard let unconditional else {
                throw PriorError.badOption(
                    name: "guidance",
                    reason: "scale \(guidanceScale) needs the unconditional (empty prompt) conditioning")
            }
            // [unconditional × B; conditional], the order the references concatenate them in.
            batch = try .concatenating(unconditional.repeatingItems(b / max(unconditional.batchSize, 1)), conditioning)
            guard batch.batchSize == 2 * b else {
                throw PriorError.badInput(
                    name: "unconditional text.embed", shape: unconditional.textEmbedding.shape, expected: "[1, Dp]")
            }
        }
        let model = self.model, d = c.embeddingDim
        let network: DenoisingModel = { sample, timestep in
            var latents = try Tensor(shape: [b, d], scalars: sample)  // [B, D]
            if guidance.isActive { latents = try Tensor.concatenate([latents, latents], axis: 0) }  // [2B, D]
            let output = try model(
                latents, timesteps: [Float(timestep)], textEmbedding: batch.textEmbedding,
                hiddenStates: batch.hiddenStates, mask: batch.mask)  // [B or 2B, D]
            let prediction = ModelOutput(prediction: output.scalars)
            return guidance.isActive ? try guidance.combine(batched: prediction) : prediction
        }
        let sampler = try DDPMSampler(
            schedule: schedule, predictionType: .sample, varianceType: .fixedSmallLog, clipping: clipping,
            convention: .unclip)
        var loop = DenoisingLoop(
            initialSample: initialLatents.scalars,
            timesteps: try TimestepSchedule.karlo(steps: steps, trainingSteps: schedule.trainingSteps),
            sampler: sampler, noise: noise, model: network)
        while let step = try loop.nextStep() { progress?(step) }
        return try model.postProcess(Tensor(shape: [b, d], scalars: loop.sample))
    }

    /// Best-of-N: per item, the candidate with the highest dot product with the text embedding.
    static func choose(_ embeddings: Tensor, start: Tensor, text: Tensor, candidates n: Int) throws -> Sample {
        let b = text.shape[0], d = embeddings.shape[1], dt = text.shape[1]
        guard n == 1 || dt == d else {
            throw PriorError.badInput(
                name: "text.embed", shape: text.shape, expected: "[\(b), \(d)] to rank candidates against")
        }
        let e = embeddings.scalars, t = text.scalars, s0 = start.scalars
        var scores = [Float](repeating: 0, count: b * n)
        var chosen = [Int](repeating: 0, count: b)
        var best = [Float](), noise = [Float]()
        best.reserveCapacity(b * d)
        noise.reserveCapacity(b * d)
        for item in 0..<b {
            for k in 0..<n where dt == d {
                var dot: Float = 0
                for i in 0..<d { dot += e[(item * n + k) * d + i] * t[item * d + i] }
                scores[item * n + k] = dot
                if scores[item * n + k] > scores[item * n + chosen[item]] { chosen[item] = k }
            }
            let row = item * n + chosen[item]
            best += e[row * d..<(row + 1) * d]
            noise += s0[row * d..<(row + 1) * d]
        }
        return Sample(
            imageEmbeddings: try Tensor(shape: [b, d], scalars: best),
            initialNoise: try Tensor(shape: [b, start.shape[1]], scalars: noise),
            scores: try Tensor(shape: [b, n], scalars: scores), chosen: chosen)
    }
}

/// Per-chain step noise: chain c draws from `PhiloxRandom(seed: chainSeed(seed, starting noise row c))`.
struct ChainNoise: NoiseSource {
    var streams: [PhiloxRandom]
    let width: Int

    init(seed: UInt64, startingNoise: Tensor) {
        width = startingNoise.shape[1]
        let values = startingNoise.scalars, w = width
        streams = (0..<startingNoise.shape[0]).map { c in
            PhiloxRandom(seed: PriorSampler.chainSeed(seed, values[c * w..<(c + 1) * w]))
        }
    }

    mutating func normals(count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            for c in streams.indices {
                let begin = c * width, n = Swift.min(width, count - begin)
                if n <= 0 { break }
                streams[c].fillNormal(base + begin, count: n, pool: .serial)
            }
        }
        return out
    }
}

extension PriorSampler {
    /// The seed of a chain's step-noise stream: SplitMix64 of `seed` XOR the FNV-1a hash of the chain's starting
    /// noise (its float32 bit patterns, little-endian).
    public static func chainSeed(_ seed: UInt64, _ startingNoise: ArraySlice<Float>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in startingNoise {
            var bits = value.bitPattern
            for _ in 0..<4 {
                hash = (hash ^ UInt64(bits & 0xff)) &* 0x0000_0100_0000_01b3
                bits >>= 8
            }
        }
        var z = seed ^ hash
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
