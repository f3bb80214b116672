import CLIP
import Foundation
import NN
import Shapes
import TensorCore
import TensorStream
import Testing

@testable import Training

/// Contrastive training: temperature clamp, learning on a tiny set, exact resume, the folder it writes.
@Suite struct CLIPTrainerTests {
    @Test func logScaleIsClampedAtLn100() throws {
        let t = Variable(try Tensor(repeating: 7, shape: []))
        try CLIPTrainer.clampLogScale(t)
        #expect(t.value[flat: 0] == Float(Foundation.log(100.0)))
        let trainer = try TinySetup.trainer(steps: 1)
        try trainer.model.logitScale?.update(Tensor(repeating: 9, shape: []))
        try trainer.trainStep()
        #expect((trainer.model.logitScale?.value[flat: 0] ?? 0) <= CLIPTrainer.maximumLogScale)
    }

    @Test func lossDecreasesOnATinySet() throws {
        let trainer = try TinySetup.trainer(steps: 40, batch: 16, lr: 3e-3, scenes: 16)
        var losses: [Float] = []
        for _ in 0..<40 { losses.append(try trainer.trainStep().loss) }
        let first = losses.prefix(5).reduce(0, +) / 5, last = losses.suffix(5).reduce(0, +) / 5
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(last < first - 0.3, "first \(first) last \(last)")
    }

    func parameters(_ t: CLIPTrainer) -> [[Float]] { t.optimizer.parameters.map(\.value.scalars) }

    @Test(arguments: [nil, Float(0.9)])
    func resumeReproducesAnUninterruptedRun(ema: Float?) throws {
        let folder = try TinySetup.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let straight = try TinySetup.trainer(steps: 6, ema: ema)
        for _ in 0..<6 { try straight.trainStep() }

        let first = try TinySetup.trainer(steps: 6, ema: ema)
        for _ in 0..<3 { try first.trainStep() }
        let path = folder + "/checkpoint.safetensors"
        try first.saveCheckpoint(to: path)
        // A fresh process: a differently initialised model, then the checkpoint.
        let options = first.options
        let resumed = try CLIPTrainer(
            model: TinySetup.model(seed: 99), tokenizer: TinySetup.vocabulary.tokenizer, data: first.data,
            options: options)
        try resumed.restoreCheckpoint(from: path)
        #expect(resumed.step == 3)
        for _ in 0..<3 { try resumed.trainStep() }
        #expect(resumed.step == 6)
        #expect(parameters(resumed) == parameters(straight))
        #expect(resumed.random == straight.random)
        if ema != nil {
            #expect(
                resumed.exportWeights().tensors.map(\.tensor.scalars)
                    == straight.exportWeights().tensors.map(\.tensor.scalars))
        }
    }

    @Test func missingCheckpointIsAClearError() throws {
        let trainer = try TinySetup.trainer(steps: 1)
        #expect(throws: TrainingError.self) { try trainer.restoreCheckpoint(from: "/nonexistent/checkpoint") }
    }

    @Test func badOptionsThrow() {
        #expect(throws: TrainingError.self) { _ = try CLIPTrainingOptions(steps: 10, batchSize: 1) }
        #expect(throws: TrainingError.self) { _ = try CLIPTrainingOptions(steps: 10, learningRate: -1) }
        #expect(throws: TrainingError.self) { _ = try CLIPTrainingOptions(steps: 10, emaDecay: 1.5) }
    }

    @Test func runWritesALoadableModelFolderAndResumes() throws {
        let folder = try TinySetup.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var setup = CLIPTrainingRun.Setup(folder: folder)
        (setup.width, setup.layers, setup.heads, setup.projection) = (32, 1, 2, 16)
        (setup.imageSize, setup.patchSize, setup.vocabularyScenes) = (16, 8, 200)
        (setup.evaluationPairs, setup.evaluationScenes, setup.checkpointEvery, setup.evaluateEvery) = (20, 20, 2, 0)
        let options = try CLIPTrainingOptions(steps: 4, batchSize: 8, warmupSteps: 1)
        var stops = 0
        var lines: [String] = []
        try CLIPTrainingRun(setup: setup, options: options).run(
            shouldStop: {
                stops += 1
                return stops > 2
            }, log: { lines.append($0) })
        // Stopped after two steps; a second run without --resume refuses to overwrite.
        #expect(throws: TrainingError.self) { _ = try CLIPTrainingRun(setup: setup, options: options) }
        setup.resume = true
        let resumed = try CLIPTrainingRun(setup: setup, options: options)
        #expect(resumed.trainer.step == 2)
        try resumed.run(shouldStop: { false }, log: { lines.append($0) })
        #expect(resumed.trainer.step == 4)
        #expect(lines.contains { $0.hasPrefix("eval step 4") })
        let model = try CLIPModel(folder: folder)
        let tokenizer = try CLIPTokenizer(folder: folder, contextLength: 32)
        #expect(tokenizer.vocabularySize == model.text?.configuration.vocabularySize)
        #expect(tokenizer.encode("a red circle").count == 3)
    }

    @Test func evaluationReportsFractions() throws {
        let e = try CLIPEvaluation(
            model: TinySetup.model(), tokenizer: TinySetup.vocabulary.tokenizer, pairs: 16, scenes: 16)
        for v in [
            e.textToImage, e.imageToText, e.colour, e.shape, e.colourPlain, e.shapePlain, e.heldOutColour, e.position,
            e.background, e.count, e.composition,
        ] {
            #expect((0...1).contains(v))
        }
    }

    @Test func accuracyPicksTheMostSimilarClass() throws {
        let embeds = try Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 0.6, 0.8])
        let classes = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        #expect(try CLIPEvaluation.accuracy(embeds, classes, truth: [0, 1, 1]) == 1)
        #expect(try CLIPEvaluation.accuracy(embeds, classes, truth: [0, 1, 0]) == 2.0 / 3)
    }
}

/// Pairs from `unclip-shapes`-style folders and streams.
@Suite struct CaptionedImageSetTests {
    @Test func folderWithCaptionsLoadsAndBatches() throws {
        let folder = try TinySetup.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var lines = ["file\tcaption\tattributes"]
        for i in 0..<3 {
            let scene = Scene(seed: UInt64(i), split: .train)
            try Data(scene.png(size: 32)).write(to: URL(fileURLWithPath: folder + "/00000\(i).png"))
            lines.append("00000\(i).png\t\(scene.caption)\t{}")
        }
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: folder + "/captions.tsv", atomically: true, encoding: .utf8)
        let set = try CaptionedImageSet(path: folder, imageSize: 16)
        #expect(set.count == 3)
        var rng = PhiloxRandom(seed: 1)
        let (pixels, captions) = try set.batch(size: 5, random: &rng)
        #expect(pixels.shape == [5, 3, 16, 16])
        #expect(captions.count == 5)
        #expect(captions.allSatisfy { set.captions.contains($0) })
    }

    @Test func streamWithPromptsLoads() throws {
        let folder = try TinySetup.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scenes = (0..<2).map { Scene(seed: UInt64($0), split: .train) }
        var frame = Frame(metadata: ["format": "unclip.tensor-stream/1.0"])
        let values = scenes.flatMap { $0.renderPlanar(size: 32) }
        frame["image"] = try Tensor(shape: [2, 3, 32, 32], scalars: values).blob()
        let prompts = try JSONSerialization.data(withJSONObject: scenes.map(\.caption))
        frame.metadata["prompt"] = String(decoding: prompts, as: UTF8.self)
        try frame.write(to: folder + "/pairs.safetensors")
        let set = try CaptionedImageSet(path: folder + "/pairs.safetensors", imageSize: 16)
        #expect(set.captions == scenes.map(\.caption))
        frame.metadata["prompt"] = "[\"only one\"]"
        try frame.write(to: folder + "/bad.safetensors")
        #expect(throws: TrainingError.self) {
            _ = try CaptionedImageSet(path: folder + "/bad.safetensors", imageSize: 16)
        }
    }

    @Test func missingOrMalformedDataIsAClearError() throws {
        #expect(throws: TrainingError.self) { _ = try CaptionedImageSet(path: "/nonexistent/data", imageSize: 16) }
        let folder = try TinySetup.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "file\tcaption\nmissing.png\ta red circle\n".write(
            toFile: folder + "/captions.tsv", atomically: true, encoding: .utf8)
        #expect(throws: TrainingError.self) { _ = try CaptionedImageSet(path: folder, imageSize: 16) }
        try "just one field\n".write(toFile: folder + "/captions.tsv", atomically: true, encoding: .utf8)
        #expect(throws: TrainingError.self) { _ = try CaptionedImageSet(path: folder, imageSize: 16) }
    }
}

@Suite struct CLIPUpscalingTests {
    @Test func upscaledModelSeesAnImageAsTheOriginalSawItBoxFiltered() throws {
        let small = try TinySetup.model(seed: 5)  // 16-pixel images, patch 8
        let large = try CLIPTrainingRun.upscaled(small, imageSize: 32)
        #expect(large.configuration.vision?.imageSize == 32 && large.configuration.vision?.patchSize == 16)
        var random = PhiloxRandom(seed: 9)
        let image = try random.normal(shape: [2, 3, 16, 16])
        // Every pixel repeated 2 × 2: its 2× box filter is the image again.
        var repeated = [Float](repeating: 0, count: 2 * 3 * 32 * 32)
        let source = image.scalars
        for plane in 0..<6 {
            for y in 0..<32 {
                for x in 0..<32 { repeated[(plane * 32 + y) * 32 + x] = source[(plane * 16 + y / 2) * 16 + x / 2] }
            }
        }
        let a = try #require(small.image).encode(pixels: image).embeds.value
        let b = try #require(large.image).encode(pixels: Tensor(shape: [2, 3, 32, 32], scalars: repeated)).embeds.value
        #expect(zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) < 1e-4 })
        // Every other weight is the original's.
        let before = Dictionary(uniqueKeysWithValues: small.parameters().map { ($0.key, $0.value.value.scalars) })
        for (key, variable) in large.parameters() where !key.contains("patch_embedding") {
            #expect(variable.value.scalars == before[key], "\(key) changed")
        }
        #expect(throws: TrainingError.self) { try CLIPTrainingRun.upscaled(small, imageSize: 24) }
    }
}
