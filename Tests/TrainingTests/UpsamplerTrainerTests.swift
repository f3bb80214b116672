import Diffusion
import Foundation
import Imaging
import NN
import Shapes
import Testing
import UNet

@testable import Training

/// Upsampler training: aligned crop pairs, a loss that falls on a fixed batch, exact resume, the folder it writes.
@Suite struct UpsamplerTrainerTests {
    static func trainer(steps: Int = 4, ema: Float? = 0.9, seed: UInt64 = 5) throws -> UpsamplerTrainer {
        let json = UpsamplerTrainingRun.configJSON(channels: [8, 16], layersPerBlock: 1, normGroups: 4, sampleSize: 32)
        let model = try UNetModel(config: UNetConfig(json: json))
        try model.initializeParameters(seed: 1)
        let data = try UpsamplerBatchSource(targetSize: 32, cropSize: 16, corruption: .bsr)
        let options = try UpsamplerTrainingOptions(
            steps: steps, batchSize: 2, learningRate: 2e-3, warmupSteps: 1, emaDecay: ema, seed: seed)
        return try UpsamplerTrainer(model: model, data: data, options: options)
    }

    @Test func cropPairsAreAligned() throws {
        let source = try UpsamplerBatchSource(targetSize: 64, cropSize: 16, corruption: .blur)
        var random = PhiloxRandom(seed: 9)
        for e in source.examples(size: 6, random: &random) {
            #expect(e.top % 4 == 0 && e.left % 4 == 0 && e.top + 16 <= 64 && e.left + 16 <= 64)
            let (high, low) = try source.pair(e)
            let sharp = try PlanarImage(channels: 3, height: 64, width: 64, values: e.scene.renderPlanar(size: 64))
            #expect(high == (try sharp.cropped(top: e.top, left: e.left, height: 16, width: 16)))
            // The conditioning crop is the same window of the whole corrupted image resized ×4.
            let small = try UpsamplerBatchSource.lowResolution(sharp, corruption: e.degradation)
            let whole = try small.resized(height: 64, width: 64)
            #expect(low == (try whole.cropped(top: e.top, left: e.left, height: 16, width: 16)))
        }
        // Without corruption each conditioning crop is closer to its own sharp crop than to another item's.
        let clean = try UpsamplerBatchSource(targetSize: 64, cropSize: 32, corruption: .none)
        var r2 = PhiloxRandom(seed: 2)
        let (high, low) = try clean.batch(size: 4, random: &r2)
        let item = 3 * 32 * 32
        func distance(_ i: Int, _ j: Int) -> Double {
            var s = 0.0
            for k in 0..<item { s += Double(abs(high.scalars[i * item + k] - low.scalars[j * item + k])) }
            return s / Double(item)
        }
        for i in 0..<4 { #expect(distance(i, i) < distance(i, (i + 1) % 4), "item \(i)") }
    }

    @Test func batchesArePureFunctionsOfTheStream() throws {
        let source = try UpsamplerBatchSource(targetSize: 32, cropSize: 8, corruption: .bsr)
        var a = PhiloxRandom(seed: 4), b = PhiloxRandom(seed: 4)
        let x = try source.batch(size: 3, random: &a), y = try source.batch(size: 3, random: &b)
        #expect(x.high.shape == [3, 3, 8, 8] && x.low.shape == [3, 3, 8, 8])
        #expect(x.high.scalars == y.high.scalars && x.low.scalars == y.low.scalars)
        #expect(a.offset == b.offset)
        #expect(x.low.scalars.allSatisfy { $0 >= -1.1 && $0 <= 1.1 })
    }

    @Test func aStepLowersTheLossOnAFixedBatch() throws {
        let trainer = try Self.trainer(steps: 100, ema: nil)
        var random = PhiloxRandom(seed: 11)
        let (high, low) = try trainer.data.batch(size: 2, random: &random)
        let noise = try random.normal(shape: high.shape)
        let t = [300, 700]
        func loss() throws -> Float {
            try trainer.loss(high: high, low: low, timesteps: t, noise: noise, recording: false).loss.value[flat: 0]
        }
        let before = try loss()
        for _ in 0..<5 { try trainer.step(high: high, low: low, timesteps: t, noise: noise, learningRate: 2e-3) }
        let after = try loss()
        #expect(after < before, "loss \(before) → \(after)")
    }

    @Test(arguments: [nil, Float(0.9)])
    func resumeReproducesAnUninterruptedRun(ema: Float?) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ups-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let straight = try Self.trainer(ema: ema)
        for _ in 0..<4 { try straight.trainStep() }
        let first = try Self.trainer(ema: ema)
        for _ in 0..<2 { try first.trainStep() }
        try first.saveCheckpoint(to: folder + "/checkpoint.safetensors")
        let second = try Self.trainer(ema: ema, seed: 99)  // the stream comes from the checkpoint, not the seed
        try second.restoreCheckpoint(from: folder + "/checkpoint.safetensors")
        #expect(second.step == 2)
        for _ in 0..<2 { try second.trainStep() }
        #expect(second.step == 4)
        #expect(straight.optimizer.parameters.map(\.value.scalars) == second.optimizer.parameters.map(\.value.scalars))
        let a = straight.exportWeights().tensors.map(\.tensor.scalars)
        let b = second.exportWeights().tensors.map(\.tensor.scalars)
        #expect(a == b)
    }

    @Test func runWritesAFolderTheUpsamplerLoads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ups-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var setup = UpsamplerTrainingRun.Setup(folder: folder)
        (setup.targetSize, setup.cropSize, setup.channels, setup.normGroups) = (32, 16, [8, 16], 4)
        setup.layersPerBlock = 1
        let options = try UpsamplerTrainingOptions(steps: 2, batchSize: 1, warmupSteps: 0)
        let run = try UpsamplerTrainingRun(setup: setup, options: options)
        try run.run(shouldStop: { false }) { _ in }
        let upsampler = try SuperResolution.load(directory: folder)
        #expect(upsampler.first.config.sampleSize == 32)
        #expect(upsampler.predictionType == .velocity)  // from the scheduler_config.json the run writes
        let out = try upsampler.upsample(image: Tensor(repeating: 0.2, shape: [1, 3, 8, 8]), steps: 2, seed: 1)
        #expect(out.image.shape == [1, 3, 32, 32])
        // A second run on the same folder must say --resume; --resume continues from step 2.
        #expect(throws: TrainingError.self) { try UpsamplerTrainingRun(setup: setup, options: options) }
        setup.resume = true
        let resumed = try UpsamplerTrainingRun(
            setup: setup, options: try UpsamplerTrainingOptions(steps: 3, batchSize: 1, warmupSteps: 0))
        #expect(resumed.trainer.step == 2)
        try resumed.run(shouldStop: { false }) { _ in }
        #expect(resumed.trainer.step == 3)
        let evaluation = try UpsamplerEvaluation(upsampler: upsampler, targetSize: 32, scenes: 2, steps: 2)
        #expect(evaluation.bicubic.psnr > 10 && evaluation.bicubic.gradientRatio < 1)
        #expect(evaluation.table.contains("| bicubic |"))
        // A chain of two ×4 upsamplers starts from the render at a sixteenth of the target.
        let chained = try UpsamplerEvaluation(chain: [upsampler, upsampler], targetSize: 64, scenes: 1, steps: 2)
        #expect(chained.lowSize == 4 && chained.model.psnr.isFinite)
    }
}
