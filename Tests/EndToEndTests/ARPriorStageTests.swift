import Foundation
import Prior
import TensorCore
import TensorStream
import Testing

/// `unclip-prior-ar` on a small randomly initialised AR prior (D = 32, 8 caption tokens, like the diffusion
/// prior's fixture), through real pipes, and swapped for `unclip-prior` in the same pipe.
@Suite struct ARPriorStageTests {
    static let diffusionModel = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/prior/a").path

    /// Saves a random AR prior whose codebook is fitted to random embeddings; returns its folder.
    static func makeModel(in dir: URL, textLength: Int = 8, vocabulary: Int = 64) throws -> String {
        var c = ARPriorConfiguration()
        c.embeddingDim = 32
        c.textLength = textLength
        c.textVocabSize = vocabulary
        c.width = 32
        c.layers = 2
        c.heads = 2
        c.maxComponents = 6
        c.components = 6
        c.codeBuckets = 64
        c.dotBuckets = 32
        var rng = PhiloxRandom(seed: 3)
        let text = try rng.normal(shape: [50, 32]), image = try rng.normal(shape: [50, 32])
        let codebook = try ARPriorCodebook(fitting: text, images: image, configuration: c)
        c.components = codebook.pca.componentCount
        let transformer = try ARPriorTransformer(c)
        try transformer.initializeParameters(seed: 4)
        let path = dir.appendingPathComponent("ar-model").path
        try ARPrior(transformer: transformer, codebook: codebook).save(to: path)
        return path
    }

    /// A frame both priors accept: text.embed [B, 32], text.hidden [B, 8, 32], text.mask and text.tokens [B, 8].
    static func textFrame(batch: Int) throws -> Frame {
        var frame = try PriorStageTests.textFrame(batch: batch)
        var ids: [Int32] = []
        for i in 0..<(batch * 8) {
            let real = i % 8 < 3 + 2 * (i / 8)  // the same tokens text.mask marks real
            ids.append(real ? Int32(1 + (i * 7) % 60) : 0)
        }
        frame["text.tokens"] = try TensorBlob.int32(shape: [batch, 8], ids)
        frame["x.extra"] = try TensorBlob.float32(shape: [batch, 1], (0..<batch).map { Float($0) })
        return frame
    }

    @Test func swapsForTheDiffusionPriorWithNothingElseChanged() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.makeModel(in: dir)
        try PriorStageTests.write([Self.textFrame(batch: 2)], to: dir.appendingPathComponent("text.st"))
        let r = try Shell.run(
            "unclip-prior -m '\(Self.diffusionModel)' --steps 3 --seed 7 < text.st > diffusion.st"
                + " && unclip-prior-ar -m '\(model)' --seed 7 --guidance 2 --top-p 0.9 < text.st > ar.st"
                + " && unclip-prior-ar -m '\(model)' --guidance 2 --top-p 0.9 < ar.st > again.st"
                + " && unclip-prior-ar -m '\(model)' --seed 7 --guidance 2 --top-p 0.9 < diffusion.st > over.st",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let diffusion = try Frame(contentsOf: dir.appendingPathComponent("diffusion.st").path)
        let ar = try Frame(contentsOf: dir.appendingPathComponent("ar.st").path)
        let again = try Frame(contentsOf: dir.appendingPathComponent("again.st").path)
        let over = try Frame(contentsOf: dir.appendingPathComponent("over.st").path)
        // Same names, shapes and dtypes, except the diffusion prior's own noise.
        #expect(diffusion.names.filter { $0 != "prior.noise" } == ar.names)
        for name in ar.names {
            #expect(ar[name]?.shape == diffusion[name]?.shape && ar[name]?.dtype == diffusion[name]?.dtype, "\(name)")
        }
        #expect(ar["image.embed"]?.shape == [2, 32] && ar["image.embed"]?.dtype == .f32)
        let input = try Self.textFrame(batch: 2)
        for name in ["text.embed", "text.hidden", "text.mask", "text.tokens", "x.extra"] {
            #expect(ar[name]?.bytes == input[name]?.bytes, "\(name) passes through")
        }
        // Same metadata keys and pass-through values; provenance names the stage that ran.
        #expect(Set(ar.metadata.keys) == Set(diffusion.metadata.keys))
        for key in ["format", "prompt", "seed"] { #expect(ar.metadata[key] == diffusion.metadata[key], "\(key)") }
        #expect(ar.metadata["provenance"]?.hasPrefix("unclip-prior-ar ") == true)
        // Seeded: the frame's recorded seed gives the same samples again; a diffusion frame is resampled whole.
        #expect(try again["image.embed"]?.floats() == ar["image.embed"]?.floats())
        #expect(try over["image.embed"]?.floats() == ar["image.embed"]?.floats())
        #expect(over["prior.noise"] == nil)
        #expect(try ar["image.embed"]?.floats().allSatisfy(\.isFinite) == true)
    }

    /// After the real text stage (CLIP fixture hf-a: D = 32, 77 tokens, CLIP's start/end ids).
    @Test func runsAfterUnclipText() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.makeModel(in: dir, textLength: 77, vocabulary: 49408)
        _ = try CLIPStageTests().modelFolder(in: dir)
        let r = try Shell.run(
            "unclip-text --model model 'the corgi' -p 'a cat' | unclip-prior-ar -m '\(model)' --guidance 3 > out.st",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        #expect(out["image.embed"]?.shape == [2, 32])
        #expect(try out.metadataList("prompt") == ["a cat", "the corgi"])
        #expect(out.metadata["provenance"]?.components(separatedBy: "\n").count == 2)
    }

    @Test func samplesPerPromptRepeatsEveryItem() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.makeModel(in: dir)
        try PriorStageTests.write([Self.textFrame(batch: 2)], to: dir.appendingPathComponent("text.st"))
        let r = try Shell.run(
            "unclip-prior-ar -m '\(model)' --samples-per-prompt 3 --seed 1 --temperature 2 < text.st > out.st",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        #expect(out["image.embed"]?.shape == [6, 32])
        #expect(out["text.hidden"]?.shape == [6, 8, 32])
        #expect(try out["x.extra"]?.floats() == [0, 0, 0, 1, 1, 1])
        #expect(out.metadata["prompt"] == "[\"a\",\"a\",\"a\",\"b\",\"b\",\"b\"]")
        let e = try out["image.embed"]?.floats() ?? []
        #expect(e[0..<32] != e[32..<64])  // each repeat draws its own sample
    }

    @Test func failuresNameTheProblem() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.makeModel(in: dir)
        var noTokens = try Self.textFrame(batch: 1)
        noTokens["text.tokens"] = nil
        try PriorStageTests.write([noTokens], to: dir.appendingPathComponent("no-tokens.st"))
        var badIds = try Self.textFrame(batch: 1)
        badIds["text.tokens"] = try TensorBlob.int32(shape: [1, 8], [1, 5000, 0, 0, 0, 0, 0, 0])
        try PriorStageTests.write([badIds], to: dir.appendingPathComponent("bad-ids.st"))
        var wrongWidth = try Self.textFrame(batch: 1)
        wrongWidth["text.embed"] = try TensorBlob.float32(shape: [1, 31], [Float](repeating: 0, count: 31))
        try PriorStageTests.write([wrongWidth], to: dir.appendingPathComponent("wrong.st"))
        try PriorStageTests.write([Self.textFrame(batch: 1)], to: dir.appendingPathComponent("ok.st"))

        let missing = try Shell.run("unclip-prior-ar -m '\(model)' < no-tokens.st > o", in: dir)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("unclip-prior-ar:") && missing.stderr.contains("text.tokens"))
        let ids = try Shell.run("unclip-prior-ar -m '\(model)' < bad-ids.st > o", in: dir)
        #expect(ids.status == 1)
        #expect(ids.stderr.contains("text.tokens"), "\(ids.stderr)")
        let width = try Shell.run("unclip-prior-ar -m '\(model)' < wrong.st > o", in: dir)
        #expect(width.status == 1)
        #expect(width.stderr.contains("text.embed") && width.stderr.contains("31"), "\(width.stderr)")
        #expect(try Shell.run("unclip-prior-ar < ok.st > o", in: dir).status == 64)
        #expect(try Shell.run("unclip-prior-ar -m '\(model)' --top-p 0 < ok.st > o", in: dir).status == 64)
        #expect(try Shell.run("unclip-prior-ar -m '\(model)' --temperature -1 < ok.st > o", in: dir).status == 64)
        let badModel = try Shell.run("unclip-prior-ar -m /nonexistent < ok.st > o", in: dir)
        #expect(badModel.status == 1)
        #expect(badModel.stderr.contains("/nonexistent/config.json"), "\(badModel.stderr)")
        let truncated = try Shell.run("head -c 100 ok.st | unclip-prior-ar -m '\(model)' > o", in: dir)
        #expect(truncated.status == 1)
        #expect(try Data(contentsOf: dir.appendingPathComponent("o")).isEmpty)
    }
}
