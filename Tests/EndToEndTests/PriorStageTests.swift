import Foundation
import TensorStream
import Testing

/// `unclip-prior` on the fixture prior (Tests/Fixtures/prior/a: D = 32, 8 text tokens), through real pipes.
@Suite struct PriorStageTests {
    static let model = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/prior/a").path

    /// A frame like unclip-text's for B prompts, with random text tensors and an extra tensor to pass through.
    static func textFrame(batch: Int) throws -> Frame {
        var state: UInt64 = 12345
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 500
        }
        var frame = Frame(metadata: ["format": "unclip.tensor-stream/1.0", "prompt": "[\"a\",\"b\"]"])
        frame["text.embed"] = try TensorBlob.float32(shape: [batch, 32], (0..<batch * 32).map { _ in next() })
        frame["text.hidden"] = try TensorBlob.float32(shape: [batch, 8, 32], (0..<batch * 256).map { _ in next() })
        frame["text.mask"] = try TensorBlob.bool(
            shape: [batch, 8], (0..<batch * 8).map { $0 % 8 < 3 + 2 * ($0 / 8) })
        frame["text.tokens"] = try TensorBlob.int32(shape: [batch, 3], (0..<batch * 3).map { Int32($0) })
        return frame
    }

    static func write(_ frames: [Frame], to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        let writer = FrameWriter(fileDescriptor: fd)
        for frame in frames { try writer.write(frame) }
    }

    @Test func addsImageEmbedAndNoiseAndReplays() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([Self.textFrame(batch: 2)], to: dir.appendingPathComponent("text.st"))
        let r = try Shell.run(
            "unclip-prior --model '\(Self.model)' --steps 4 --seed 7 < text.st > out.st"
                + " && unclip-prior -m '\(Self.model)' --steps 4 --candidates 3 < out.st > replay.st",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        let replay = try Frame(contentsOf: dir.appendingPathComponent("replay.st").path)
        #expect(out["image.embed"]?.shape == [2, 32])
        #expect(out["prior.noise"]?.shape == [2, 32])
        #expect(out.metadata["seed"] == "7")
        #expect(out.metadata["prompt"] == "[\"a\",\"b\"]")
        #expect(out.metadata["provenance"]?.hasPrefix("unclip-prior ") == true)
        let input = try Self.textFrame(batch: 2)
        for name in ["text.embed", "text.hidden", "text.mask", "text.tokens"] {
            #expect(out[name]?.bytes == input[name]?.bytes, "\(name) passes through")
        }
        // The replay reads seed 7 from the frame and starts from prior.noise: the same embeddings.
        #expect(replay.metadata["seed"] == "7")
        #expect(try replay["image.embed"]?.floats() == out["image.embed"]?.floats())
        #expect(try replay["prior.noise"]?.floats() == out["prior.noise"]?.floats())
        #expect(replay.metadata["provenance"]?.components(separatedBy: "\n").count == 2)
    }

    @Test func samplesPerPromptRepeatsEveryItem() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([Self.textFrame(batch: 2)], to: dir.appendingPathComponent("text.st"))
        let r = try Shell.run(
            "unclip-prior -m '\(Self.model)' --steps 3 --samples-per-prompt 3 --seed 1 < text.st > out.st"
                + " && unclip-prior -m '\(Self.model)' --steps 3 --samples-per-prompt 3 < out.st > replay.st",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        let replay = try Frame(contentsOf: dir.appendingPathComponent("replay.st").path)
        #expect(out["image.embed"]?.shape == [6, 32])
        #expect(out["text.tokens"]?.shape == [6, 3])
        #expect(out.metadata["prompt"] == "[\"a\",\"a\",\"a\",\"b\",\"b\",\"b\"]")
        let embeds = try out["image.embed"]?.floats() ?? []
        #expect(embeds[0..<32] != embeds[32..<64], "samples of one prompt differ")
        let hidden = try out["text.hidden"]?.floats() ?? []
        #expect(hidden[0..<256] == hidden[512..<768] && hidden[768..<1024] == hidden[1280..<1536])
        // A frame that carries its samples' noise is replayed as it is, not repeated again.
        #expect(replay["image.embed"]?.shape == [6, 32])
        #expect(try replay["image.embed"]?.floats() == embeds)
    }

    @Test func failuresNameTheProblem() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var frame = try Self.textFrame(batch: 1)
        frame["text.embed"] = nil
        try Self.write([frame], to: dir.appendingPathComponent("no-embed.st"))
        var wrong = try Self.textFrame(batch: 1)
        wrong["text.hidden"] = try TensorBlob.float32(shape: [1, 8, 31], [Float](repeating: 0, count: 248))
        try Self.write([wrong], to: dir.appendingPathComponent("wrong.st"))
        try Self.write([Self.textFrame(batch: 1)], to: dir.appendingPathComponent("ok.st"))

        let missing = try Shell.run("unclip-prior -m '\(Self.model)' --steps 2 < no-embed.st > o", in: dir)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("unclip-prior:") && missing.stderr.contains("text.embed"))

        let shape = try Shell.run("unclip-prior -m '\(Self.model)' --steps 2 < wrong.st > o", in: dir)
        #expect(shape.status == 1)
        #expect(shape.stderr.contains("text.hidden") && shape.stderr.contains("31"), "\(shape.stderr)")

        let noModel = try Shell.run("unclip-prior --steps 2 < ok.st > o", in: dir)
        #expect(noModel.status == 64)

        let badModel = try Shell.run("unclip-prior -m /nonexistent --steps 2 < ok.st > o", in: dir)
        #expect(badModel.status == 1)
        #expect(badModel.stderr.contains("/nonexistent/config.json"))

        let badSteps = try Shell.run("unclip-prior -m '\(Self.model)' --steps 1 < ok.st > o", in: dir)
        #expect(badSteps.status == 64)

        let truncated = try Shell.run("head -c 100 ok.st | unclip-prior -m '\(Self.model)' --steps 2 > o", in: dir)
        #expect(truncated.status == 1)
        #expect(try Data(contentsOf: dir.appendingPathComponent("o")).isEmpty)
    }
}
