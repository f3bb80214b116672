import Foundation
import NN
import Prior
import TensorStream
import Testing

/// Training the diffusion prior on tiny synthetic pairs: the loss on a fixed batch goes down, and resuming from a
/// checkpoint gives exactly the weights of an uninterrupted run.
@Suite(.serialized) struct PriorTrainerTests {
    /// D = 8, T = 4 text tokens, width 2 × 8, one layer.
    static func configuration() -> PriorConfiguration {
        var c = PriorConfiguration()
        c.heads = 2
        c.headDim = 8
        c.layers = 1
        c.embeddingDim = 8
        c.textLength = 4
        return c
    }

    /// N pairs whose image embedding is a fixed function of the text embedding (plus an offset, so `clip_mean`
    /// matters), in frames of 8 as `unclip-text` + `unclip-image` would write them.
    static func data(count: Int = 32, seed: UInt64 = 5) throws -> PriorTrainingData {
        var rng = PhiloxRandom(seed: seed)
        var frames: [Frame] = []
        for start in stride(from: 0, to: count, by: 8) {
            let b = min(8, count - start)
            let text = try rng.normal(shape: [b, 8]), hidden = try rng.normal(shape: [b, 4, 8])
            let image = try Tensor(
                shape: [b, 8], scalars: text.scalars.enumerated().map { 2 * $0.element + Float($0.offset % 8) })
            var frame = Frame()
            frame["text.embed"] = try text.blob()
            frame["text.hidden"] = try hidden.blob()
            frame["text.mask"] = try .bool(shape: [b, 4], (0..<(b * 4)).map { $0 % 4 < 3 })
            frame["image.embed"] = try image.blob()
            frames.append(frame)
        }
        return try PriorTrainingData(frames: frames)
    }

    static func unconditional() throws -> PriorConditioning {
        try PriorConditioning(
            textEmbedding: Tensor(zeros: [1, 8]), hiddenStates: Tensor(repeating: 0.5, shape: [1, 4, 8]),
            mask: Tensor(shape: [1, 4], scalars: [1, 1, 0, 0]))
    }

    static func options(steps: Int, ema: Float? = nil) -> PriorTrainingOptions {
        var o = PriorTrainingOptions()
        o.steps = steps
        o.batchSize = 8
        o.learningRate = 3e-3
        o.minimumLearningRate = 3e-4
        o.warmupSteps = 2
        o.emaDecay = ema
        o.seed = 9
        return o
    }

    @Test func statisticsComeFromTheTrainingImages() throws {
        let data = try Self.data()
        let trainer = try PriorTrainer.fresh(
            configuration: Self.configuration(), data: data, unconditional: Self.unconditional(),
            options: Self.options(steps: 1))
        let (mean, std) = data.imageStatistics()
        #expect(trainer.model.clipMean.value.scalars == mean)
        #expect(trainer.model.clipStd.value.scalars == std)
        // Offsets 0…7 per dimension, text ~ N(0, 1) scaled by 2: mean ≈ offset, std ≈ 2.
        #expect(abs(mean[7] - 7) < 1.5 && abs(std[0] - 2) < 1)
        // clip_mean / clip_std are data, not parameters: not in the optimizer.
        #expect(
            !trainer.optimizer.parameters.contains { $0 === trainer.model.clipMean || $0 === trainer.model.clipStd })
    }

    @Test func trainingLowersTheLossOnAFixedBatch() throws {
        let data = try Self.data()
        let trainer = try PriorTrainer.fresh(
            configuration: Self.configuration(), data: data, unconditional: Self.unconditional(),
            options: Self.options(steps: 60))
        var rng = PhiloxRandom(seed: 1)
        let indices = Array(0..<16), timesteps = indices.map { $0 * 60 }
        let noise = try rng.normal(shape: [16, 8])
        func fixedLoss() throws -> Float {
            try trainer.loss(
                on: data, indices: indices, timesteps: timesteps, dropped: indices.map { $0 % 5 == 0 }, noise: noise,
                tape: Tape(recording: false)
            ).value.scalars[0]
        }
        let before = try fixedLoss()
        for _ in 0..<60 { try trainer.trainStep() }
        let after = try fixedLoss()
        #expect(after < 0.8 * before, "loss \(before) → \(after)")
        #expect(trainer.step == 60)
    }

    @Test func resumeEqualsAnUninterruptedRun() throws {
        let data = try Self.data()
        let options = Self.options(steps: 6, ema: 0.9)
        let straight = try PriorTrainer.fresh(
            configuration: Self.configuration(), data: data, unconditional: Self.unconditional(), options: options)
        for _ in 0..<6 { try straight.trainStep() }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prior-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try PriorTrainer.fresh(
            configuration: Self.configuration(), data: data, unconditional: Self.unconditional(), options: options)
        for _ in 0..<3 { try first.trainStep() }
        try first.saveCheckpoint(to: dir.path)
        let resumed = try PriorTrainer.resuming(from: dir.path, data: data, options: options)
        #expect(resumed.step == 3)
        for _ in 0..<3 { try resumed.trainStep() }

        let a = straight.exportedWeights().tensors, b = resumed.exportedWeights().tensors
        #expect(a.map(\.name) == b.map(\.name))
        for (x, y) in zip(a, b) { #expect(x.tensor.scalars == y.tensor.scalars, "\(x.name)") }
        #expect(
            zip(straight.optimizer.parameters, resumed.optimizer.parameters).allSatisfy {
                $0.value.scalars == $1.value.scalars
            })
        #expect(straight.random == resumed.random)
    }

    @Test func theCheckpointIsAModelFolderTheSamplerLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prior-folder-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.data()
        let trainer = try PriorTrainer.fresh(
            configuration: Self.configuration(), data: data, unconditional: Self.unconditional(),
            options: Self.options(steps: 2, ema: 0.5))
        try trainer.trainStep()
        try trainer.saveCheckpoint(to: dir.path)
        let model = try PriorTransformer(directory: dir.path)
        let unconditional = try #require(try PriorSampler.unconditional(inModelDirectory: dir.path))
        #expect(unconditional.mask?.scalars == [1, 1, 0, 0])
        // The folder holds the EMA weights, and the data statistics.
        let exported = Dictionary(uniqueKeysWithValues: trainer.exportedWeights().tensors.map { ($0.name, $0.tensor) })
        for (key, value) in model.parameters() { #expect(exported[key]?.scalars == value.value.scalars, "\(key)") }
        #expect(model.clipMean.value.scalars == data.imageStatistics().mean)
        var sampler = try PriorSampler(model: model, unconditional: unconditional)
        sampler.steps = 3
        let sample = try sampler.sample(data.conditioning([0, 1]), seed: 1)
        #expect(sample.imageEmbeddings.shape == [2, 8])
    }

    @Test func mismatchedDataIsAnErrorNamingIt() throws {
        var c = Self.configuration()
        c.textLength = 5
        #expect(throws: PriorError.self) {
            try PriorTrainer.fresh(
                configuration: c, data: Self.data(), unconditional: Self.unconditional(),
                options: Self.options(steps: 1))
        }
        var frame = Frame()
        frame["text.embed"] = try Tensor(zeros: [2, 8]).blob()
        frame["text.hidden"] = try Tensor(zeros: [2, 4, 8]).blob()
        frame["text.mask"] = try Tensor(zeros: [2, 3]).blob()
        frame["image.embed"] = try Tensor(zeros: [2, 8]).blob()
        #expect(throws: PriorError.self) { try PriorTrainingData(frames: [frame]) }
    }
}
