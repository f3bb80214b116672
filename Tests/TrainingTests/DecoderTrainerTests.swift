import CLIP
import Diffusion
import Foundation
import NN
import Shapes
import Testing
import UNet

@testable import Training

/// A tiny CLIP folder (text width = projection = 16, 16-pixel images) and tiny decoders, for fast tests.
enum TinyDecoderSetup {
    /// Writes a random-weight CLIP model folder once per process.
    static let clipFolder: String = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unclip-tiny-clip-\(getpid())").path
        var setup = CLIPTrainingRun.Setup(folder: folder)
        (setup.width, setup.layers, setup.heads, setup.projection) = (16, 1, 2, 16)
        (setup.imageSize, setup.patchSize, setup.vocabularyScenes, setup.mergeCount) = (16, 8, 200, 200)
        if !FileManager.default.fileExists(atPath: folder + "/model.safetensors") {
            // A fixed corpus and config: a failure here shows as a missing folder in the tests below.
            if let run = try? CLIPTrainingRun(setup: setup, options: CLIPTrainingOptions(steps: 0, batchSize: 2)) {
                try? run.checkpoint()
            }
        }
        return folder
    }()

    static func architecture(inpainting: Bool = false) throws -> DecoderArchitecture {
        try DecoderArchitecture(
            channels: [8, 16], layersPerBlock: 1, attentionHeadDim: 8, sampleSize: 16, clipDimension: 16,
            normGroups: 4, inpainting: inpainting)
    }

    static func builder(inpainting: Bool = false, imageRate: Double = 0.1, captionRate: Double = 0.5) throws
        -> DecoderBatchBuilder
    {
        let clip = try CLIPModel(folder: clipFolder)
        return try DecoderBatchBuilder(
            clip: clip, tokenizer: CLIPTokenizer(folder: clipFolder, contextLength: 32), imageSize: 16,
            dropout: ConditioningDropout(imageRate: imageRate, captionRate: captionRate), inpainting: inpainting,
            schedule: NoiseSchedule(.squaredCosine, trainingSteps: 1000))
    }

    static func trainer(inpainting: Bool = false, steps: Int = 10, lr: Float = 3e-3, seed: UInt64 = 1) throws
        -> DecoderTrainer
    {
        let decoder = try architecture(inpainting: inpainting).makeDecoder()
        try decoder.unet.initializeParameters(seed: seed)
        try decoder.textProjection.initializeParameters(seed: seed + 1)
        let options = try DecoderTrainingOptions(
            steps: steps, batchSize: 4, learningRate: lr, warmupSteps: 0, emaDecay: 0.9, seed: seed)
        return try DecoderTrainer(decoder: decoder, data: builder(inpainting: inpainting), options: options)
    }

    static func setup(folder: String, inpainting: Bool = false) throws -> DecoderTrainingRun.Setup {
        var setup = DecoderTrainingRun.Setup(folder: folder, architecture: try architecture(inpainting: inpainting))
        setup.clipFolder = clipFolder
        (setup.checkpointEvery, setup.evaluateEvery, setup.logEvery, setup.evaluationScenes) = (2, 0, 1, 4)
        setup.evaluation = DecodingOptions(steps: 3, guidance: 3, batchLimit: 4)
        return setup
    }
}

@Suite struct DecoderTrainerTests {
    @Test func trainingStepsReduceTheLossOnAFixedBatch() throws {
        let trainer = try TinyDecoderSetup.trainer(steps: 30)
        let batch = try trainer.nextBatch()
        let before = try trainer.loss(on: batch)
        for _ in 0..<12 { try trainer.train(on: batch) }
        let after = try trainer.loss(on: batch)
        #expect(before.isFinite && after.isFinite)
        #expect(after < 0.8 * before, "loss \(before) → \(after)")
    }

    @Test func dropoutRatesAreHonoured() throws {
        var random = PhiloxRandom(seed: 42)
        let draws = ConditioningDropout(imageRate: 0.1, captionRate: 0.5).draw(count: 20000, random: &random)
        let image = Double(draws.image.filter { $0 }.count) / 20000
        let caption = Double(draws.caption.filter { $0 }.count) / 20000
        #expect(abs(image - 0.1) < 0.01, "image dropout \(image)")
        #expect(abs(caption - 0.5) < 0.015, "caption dropout \(caption)")
        let both = Double(zip(draws.image, draws.caption).filter { $0 && $1 }.count) / 20000
        #expect(abs(both - 0.05) < 0.008, "independent draws: both \(both)")
    }

    @Test func droppedCaptionRowsAreTheEmptyCaption() throws {
        let builder = try TinyDecoderSetup.builder(captionRate: 0.5)
        var random = PhiloxRandom(seed: 7)
        let batch = try builder.batch(size: 16, random: &random)
        #expect(batch.dropsCaption.contains(true) && batch.dropsCaption.contains(false))
        let d = builder.clipDimension
        let empty = builder.emptyCaption.embedding.scalars
        for (row, drops) in batch.dropsCaption.enumerated() {
            let values = Array(batch.caption.embedding.scalars[(row * d)..<((row + 1) * d)])
            #expect((values == empty) == drops, "row \(row)")
        }
        // The noisy input is √ᾱ x₀ + √(1 − ᾱ) ε.
        let a = Float(builder.schedule.alphasCumprod[batch.timesteps[0]])
        let expected = a.squareRoot() * batch.original.scalars[5] + (1 - a).squareRoot() * batch.noise.scalars[5]
        #expect(abs(batch.input.scalars[5] - expected) < 1e-5)
    }

    @Test func sameSeedGivesTheSameBatch() throws {
        let builder = try TinyDecoderSetup.builder()
        var r1 = PhiloxRandom(seed: 3), r2 = PhiloxRandom(seed: 3)
        let a = try builder.batch(size: 4, random: &r1), b = try builder.batch(size: 4, random: &r2)
        #expect(a.input.scalars == b.input.scalars && a.timesteps == b.timesteps && a.dropsImage == b.dropsImage)
    }

    @Test func resumeGivesTheSameWeightsAsAnUninterruptedRun() throws {
        let straight = try TinySetup.temporaryFolder(), split = try TinySetup.temporaryFolder()
        defer {
            try? FileManager.default.removeItem(atPath: straight)
            try? FileManager.default.removeItem(atPath: split)
        }
        // A resolution schedule (8 px for two steps, then 16) is part of what must resume.
        let options = try DecoderTrainingOptions(
            steps: 4, batchSize: 2, learningRate: 2e-3, warmupSteps: 1, emaDecay: 0.99, lowResolution: 8,
            lowResolutionSteps: 2, seed: 5)
        var setup = try TinyDecoderSetup.setup(folder: straight)
        setup.evaluationScenes = 0
        try DecoderTrainingRun(setup: setup, options: options).run(shouldStop: { false }, log: { _ in })

        setup.folder = split
        var calls = 0
        try DecoderTrainingRun(setup: setup, options: options).run(
            shouldStop: {
                calls += 1
                return calls > 3
            }, log: { _ in })
        #expect(throws: TrainingError.self) { _ = try DecoderTrainingRun(setup: setup, options: options) }
        setup.resume = true
        setup.clipFolder = nil  // read from training.json
        let resumed = try DecoderTrainingRun(setup: setup, options: options)
        #expect(resumed.trainer.step == 3)
        try resumed.run(shouldStop: { false }, log: { _ in })
        #expect(resumed.trainer.step == 4)
        for file in ["decoder/diffusion_pytorch_model.safetensors", "text_proj/diffusion_pytorch_model.safetensors"] {
            let a = try WeightFile(contentsOf: straight + "/" + file),
                b = try WeightFile(contentsOf: split + "/" + file)
            #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
            for (x, y) in zip(a.tensors, b.tensors) { #expect(x.tensor.scalars == y.tensor.scalars, "\(x.name)") }
        }
        let a = try WeightFile(contentsOf: straight + "/checkpoint.safetensors")
        let b = try WeightFile(contentsOf: split + "/checkpoint.safetensors")
        for (x, y) in zip(a.tensors, b.tensors) { #expect(x.tensor.scalars == y.tensor.scalars, "\(x.name)") }
        #expect(a.metadata["rng.offset"] == b.metadata["rng.offset"])
    }

    @Test func exportedFolderDecodesAndEvaluates() throws {
        let folder = try TinySetup.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let setup = try TinyDecoderSetup.setup(folder: folder)
        let options = try DecoderTrainingOptions(steps: 2, batchSize: 2, warmupSteps: 0)
        var lines: [String] = []
        try DecoderTrainingRun(setup: setup, options: options).run(shouldStop: { false }, log: { lines.append($0) })
        #expect(lines.contains { $0.hasPrefix("eval step 2") })
        let (decoder, unconditional) = try Decoder.loadWithUnconditional(directory: folder)
        #expect(unconditional != nil)
        #expect(decoder.unet.config.sampleSize == 16 && !decoder.takesInpaintingChannels)
        let result = try DecoderTrainingRun.evaluate(
            folder: folder, clip: nil, scenes: 3, split: "heldout", steps: 2, guidance: 2, batch: 3, seed: 1,
            sheet: folder + "/sheet.png")
        for v in [result.colour, result.shape, result.position, result.all] { #expect((0...1).contains(v)) }
        #expect(FileManager.default.fileExists(atPath: folder + "/sheet.png"))
        #expect(throws: TrainingError.self) {
            _ = try DecoderTrainingRun.evaluate(
                folder: folder, clip: nil, scenes: 1, split: "train", steps: 2, guidance: 2, batch: 1, seed: 1,
                sheet: nil)
        }
    }

    @Test func inpaintingEvaluationErasesTheObjectAndKeepsTheRest() throws {
        let scene = Scene(seed: 3, split: .test, options: SamplingOptions(objectCounts: 1...1))
        let box = InpaintingEvaluation.box(around: scene, size: 64)
        let (o, s) = (scene.objects[0], 64.0)
        // The square holds the object's bounding disc (x, y, radius in fractions of the side) whole.
        #expect(Double(box.x) <= (o.x - o.radius) * s && Double(box.x + box.width) >= (o.x + o.radius) * s)
        #expect(Double(box.y) <= (o.y - o.radius) * s && Double(box.y + box.height) >= (o.y + o.radius) * s)

        // Both modes on tiny trained models: scores are fractions and the kept region comes back untouched.
        for inpainting in [false, true] {
            let folder = try TinySetup.temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var setup = try TinyDecoderSetup.setup(folder: folder, inpainting: inpainting)
            setup.evaluationScenes = 2
            var lines: [String] = []
            let options = try DecoderTrainingOptions(steps: 1, batchSize: 2, warmupSteps: 0)
            try DecoderTrainingRun(setup: setup, options: options).run(shouldStop: { false }, log: { lines.append($0) })
            let mode = inpainting ? "conditioned" : "repaint"
            #expect(lines.contains { $0.hasPrefix("eval step 1") && $0.contains(inpainting ? mode : "colour") })
            let result = try DecoderTrainingRun.evaluateInpainting(
                folder: folder, clip: nil, scenes: 3, split: "test", steps: 2, guidance: 2, resample: 2, batch: 2,
                seed: 1, sheet: folder + "/sheet.png")
            #expect(result.mode.rawValue == mode && result.scenes == 3 && result.keptChange == 0)
            for v in [result.colour, result.shape, result.position, result.all] { #expect((0...1).contains(v)) }
            #expect(FileManager.default.fileExists(atPath: folder + "/sheet.png"))
        }
    }

    @Test func badOptionsThrow() {
        #expect(throws: TrainingError.self) { _ = try DecoderTrainingOptions(steps: 1, imageDropout: 1.5) }
        #expect(throws: TrainingError.self) { _ = try DecoderTrainingOptions(steps: 1, emaDecay: 1) }
        #expect(throws: TrainingError.self) { _ = try DecoderArchitecture(channels: [30, 64]) }
        #expect(throws: TrainingError.self) { _ = try DecoderArchitecture(channels: [32, 64], sampleSize: 33) }
    }
}

@Suite struct InpaintingTrainingTests {
    @Test func masksAreBoxesAndStrokes() {
        let sampler = InpaintingMaskSampler(size: 32)
        var random = PhiloxRandom(seed: 9)
        var kinds: [InpaintingMaskSampler.Kind: Int] = [:]
        for _ in 0..<200 {
            let (mask, kind) = sampler.draw(random: &random)
            kinds[kind, default: 0] += 1
            #expect(mask.allSatisfy { $0 == 0 || $0 == 1 })
            let covered = mask.reduce(0, +)
            #expect(covered > 0 && covered < Float(mask.count), "\(kind) covers \(covered)")
        }
        #expect((kinds[.boxes] ?? 0) > 60 && (kinds[.strokes] ?? 0) > 60)
    }

    @Test func batchFeedsNoisyImageMaskedImageAndMask() throws {
        let builder = try TinyDecoderSetup.builder(inpainting: true)
        var random = PhiloxRandom(seed: 11)
        let batch = try builder.batch(size: 3, random: &random)
        let (s, plane) = (16, 256)
        #expect(batch.input.shape == [3, 7, s, s])
        let mask = try #require(batch.mask)
        #expect(mask.shape == [3, 1, s, s])
        let x = batch.input.scalars, x0 = batch.original.scalars, m = mask.scalars
        let noisy = try DecoderBatchBuilder.noised(
            batch.original, noise: batch.noise, timesteps: batch.timesteps, schedule: builder.schedule
        ).scalars
        for item in 0..<3 {
            for p in 0..<plane {
                let keep = 1 - m[item * plane + p]
                #expect(x[(item * 7 + 6) * plane + p] == keep)
                for c in 0..<3 {
                    #expect(x[(item * 7 + c) * plane + p] == noisy[(item * 3 + c) * plane + p])
                    #expect(x[(item * 7 + 3 + c) * plane + p] == x0[(item * 3 + c) * plane + p] * keep)
                }
            }
        }
    }

    @Test func inpaintingTrainerStepsAndStartsFromADecoder() throws {
        let trainer = try TinyDecoderSetup.trainer(inpainting: true, steps: 3)
        for _ in 0..<2 { #expect(try trainer.trainStep().loss.isFinite) }

        // --init from a plain decoder: conv_in widened with zero weights, so the new model's output does not
        // depend on the extra channels and equals the plain decoder's.
        let plain = try TinySetup.temporaryFolder(), inpaint = try TinySetup.temporaryFolder()
        defer {
            try? FileManager.default.removeItem(atPath: plain)
            try? FileManager.default.removeItem(atPath: inpaint)
        }
        var setup = try TinyDecoderSetup.setup(folder: plain)
        setup.evaluationScenes = 0
        let options = try DecoderTrainingOptions(steps: 1, batchSize: 2, warmupSteps: 0)
        try DecoderTrainingRun(setup: setup, options: options).run(shouldStop: { false }, log: { _ in })
        var second = try TinyDecoderSetup.setup(folder: inpaint, inpainting: true)
        second.initialModel = plain
        second.evaluationScenes = 0
        let run = try DecoderTrainingRun(setup: second, options: DecoderTrainingOptions(steps: 0, batchSize: 2))
        let widened = run.trainer.decoder
        #expect(widened.takesInpaintingChannels)
        let original = try Decoder.load(directory: plain)
        var random = PhiloxRandom(seed: 2)
        let x = try random.normal(shape: [1, 3, 16, 16]), extra = try random.normal(shape: [1, 4, 16, 16])
        let context = try random.normal(shape: [1, 36, 16]), labels = try random.normal(shape: [1, 32])
        let a = try original.unet.predict(sample: x, timesteps: [500], context: context, classLabels: labels)
        let b = try widened.unet.predict(
            sample: Tensor.concatenate([x, extra], axis: 1), timesteps: [500], context: context, classLabels: labels)
        let gap = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 1
        #expect(gap < 1e-5)
    }
}
