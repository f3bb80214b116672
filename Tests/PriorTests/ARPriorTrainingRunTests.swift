import Foundation
import NN
import Prior
import TensorStream
import Testing

/// The `unclip-train prior-ar` job from tensor-stream shards: train, stop, resume, evaluate.
@Suite struct ARPriorTrainingRunTests {
    /// Writes the synthetic triples as frames of 20 items like `unclip-text` + `unclip-image` make them.
    func writeShards(_ data: ARPriorTrainingData, in dir: String) throws -> [String] {
        let t = data.textLength, d = data.imageEmbeddings.shape[1]
        let text = data.textEmbeddings.scalars, image = data.imageEmbeddings.scalars
        var paths: [String] = []
        for shard in 0..<2 {
            var frames: [Frame] = []
            for start in stride(from: shard * data.count / 2, to: (shard + 1) * data.count / 2, by: 20) {
                let rows = start..<min(start + 20, (shard + 1) * data.count / 2)
                var frame = Frame(metadata: ["format": "unclip.tensor-stream/1.0"])
                frame["text.tokens"] = try TensorBlob.int32(
                    shape: [rows.count, t], rows.flatMap { data.tokens[($0 * t)..<(($0 + 1) * t)].map { Int32($0) } })
                frame["text.mask"] = try TensorBlob.bool(
                    shape: [rows.count, t], rows.flatMap { data.mask[($0 * t)..<(($0 + 1) * t)] })
                frame["text.embed"] = try TensorBlob.float32(
                    shape: [rows.count, d], rows.flatMap { text[($0 * d)..<(($0 + 1) * d)] })
                frame["image.embed"] = try TensorBlob.float32(
                    shape: [rows.count, d], rows.flatMap { image[($0 * d)..<(($0 + 1) * d)] })
                frames.append(frame)
            }
            let path = dir + "/shard\(shard).st"
            try Data(frames.flatMap { try $0.encoded() }).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        return paths
    }

    @Test func trainsFromShardsStopsAndResumes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ar-run-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try ARFixtures.data(count: 200)
        let shards = try writeShards(data, in: dir)
        let read = try ARPriorTrainingData(shards: shards)
        #expect(read.tokens == data.tokens && read.mask == data.mask)
        #expect(read.imageEmbeddings.scalars == data.imageEmbeddings.scalars)

        var setup = ARPriorTrainingRun.Setup(folder: dir + "/model", shards: shards)
        setup.heldOut = 40
        setup.configuration = ARFixtures.configuration()
        setup.options.steps = 20
        setup.options.batchSize = 8
        setup.options.warmupSteps = 2
        setup.checkpointEvery = 5
        setup.logEvery = 5
        var lines: [String] = []
        var calls = 0
        _ = try ARPriorTrainingRun.run(
            setup,
            shouldStop: {
                calls += 1; return calls > 12
            }
        ) { lines.append($0) }
        #expect(lines.contains { $0.hasPrefix("step 10 loss") })
        #expect(!lines.contains { $0.hasPrefix("step 15") })
        setup.resume = true
        lines = []
        let evaluation = try ARPriorTrainingRun.run(setup) { lines.append($0) }
        #expect(lines.contains("resumed at step 12"))
        #expect(lines.contains { $0.hasPrefix("step 20 loss") })
        #expect(lines.last?.hasPrefix("held-out: cosine(sampled, true)") == true)
        #expect(evaluation.baselineCosine > 0 && evaluation.reconstructionCosine > 0.95)
        let model = try ARPrior(directory: dir + "/model")
        #expect(model.configuration.embeddingDim == 8)
    }
}
