import CLIP
import Foundation
import NN
import TensorStream
import Testing

/// `unclip-text` and `unclip-image` through real pipes, on the random-weight fixture model hf-a with a tiny
/// merges-only tokenizer (ids 0..<520, inside the model's 1000-token vocabulary).
@Suite struct CLIPStageTests {
    static let fixture = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/clip/models/hf-a")

    /// A model folder: the fixture's config and weights (symlinked) and a merges.txt.
    func modelFolder(in dir: URL) throws -> URL {
        let m = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: m, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.createSymbolicLink(
                at: m.appendingPathComponent(name), withDestinationURL: Self.fixture.appendingPathComponent(name))
        }
        try Data("#version: 0.2\nt h\nth e</w>\nc o\nco r\ncor g\ncorg i</w>\n".utf8)
            .write(to: m.appendingPathComponent("merges.txt"))
        return m
    }

    @Test func textStageWritesTokensEmbeddingsAndHiddenStates() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try modelFolder(in: dir)
        let r = try Shell.run("unclip-text --model model 'the corgi' -p 'a cat' > out.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let frame = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        #expect(try frame.metadataList("prompt") == ["a cat", "the corgi"])
        #expect(try frame.tensor("text.tokens").dtype == .i32 && frame.tensor("text.tokens").shape == [2, 77])
        #expect(try frame.tensor("text.mask").dtype == .bool)
        #expect(try frame.tensor("text.hidden").shape == [2, 77, 64])
        #expect(frame.metadata["provenance"]?.hasPrefix("unclip-text ") == true)
        // The same numbers as the library on the same tokens.
        let model = try CLIPModel(folder: Self.fixture.path, towers: .text)
        let out = try #require(model.text).encode(tokens: Tensor(frame.tensor("text.tokens")))
        #expect(try Tensor(frame.tensor("text.embed")).scalars == out.embeds.value.scalars)
        let ids = try Tensor(frame.tensor("text.tokens")).scalars
        #expect(ids[77] == 518 && ids.contains(519))  // start and end of the merges-only vocabulary
    }

    @Test func textStageReadsStdinInBatches() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try modelFolder(in: dir)
        let r = try Shell.run(
            "printf 'the corgi\\na cat\\nco\\n' | unclip-text --model model --batch 2 > out.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let frames = try Frame.frames(contentsOf: dir.appendingPathComponent("out.st").path)
        #expect(frames.count == 2)
        #expect(try frames[1].metadataList("prompt") == ["co"])
        #expect(try frames[0].tensor("text.embed").shape == [2, 32])
    }

    @Test func textStageRefusesBadPrompts() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try modelFolder(in: dir)
        let long = String(repeating: "corgi ", count: 100)
        let cases: [(String, Int32, String)] = [
            ("printf 'a\\n\\nb\\n' | unclip-text --model model", 1, "prompt 2 is empty"),
            ("unclip-text --model model '\(long)'", 1, "over the 77-token context"),
            ("printf 'a\\xff\\n' | unclip-text --model model", 1, "not valid UTF-8"),
            ("unclip-text 'a cat'", 64, "--model"),
            ("unclip-text --model nowhere 'a cat'", 1, "nowhere"),
        ]
        for (script, status, message) in cases {
            let r = try Shell.run(script + " > out.st", in: dir)
            #expect(r.status == status, "\(script): \(r.stderr)")
            #expect(r.stderr.hasPrefix("unclip-text: ") && r.stderr.contains(message), "\(script): \(r.stderr)")
        }
        let truncated = try Shell.run("unclip-text --model model --truncate '\(long)' > out.st", in: dir)
        #expect(truncated.status == 0, "\(truncated.stderr)")
    }

    @Test func tokensOnlyNeedsJustTheTokenizer() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = dir.appendingPathComponent("tok")
        try FileManager.default.createDirectory(at: m, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Shell.packageRoot.appendingPathComponent("Tests/Fixtures/clip/bpe_simple_vocab_16e6.txt.gz"),
            to: m.appendingPathComponent("bpe_simple_vocab_16e6.txt.gz"))
        let r = try Shell.run("unclip-text --tokens-only --model tok 'a photo of a corgi' > out.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let frame = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        #expect(frame.names == ["text.tokens", "text.mask"])
        let ids = try Tensor(frame.tensor("text.tokens")).scalars.prefix(7).map { Int($0) }
        #expect(ids == [49406, 320, 1125, 539, 320, 31320, 49407])  // open_clip.tokenize
    }

    @Test func imageStageAddsEmbeddingsAndPassesTheRestThrough() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try modelFolder(in: dir)
        var frame = Frame(metadata: ["prompt": "[\"x\", \"y\"]"])
        let pixels: [Float] = (0..<(2 * 3 * 40 * 36)).map { (i: Int) -> Float in
            let byte = Float((i &* 7919) % 255)
            return byte / 127.5 - 1
        }
        frame["image"] = try .float32(shape: [2, 3, 40, 36], pixels)
        frame["keep"] = try .int32(shape: [2], [4, 5])
        try frame.write(to: dir.appendingPathComponent("in.st").path)
        let r = try Shell.run("unclip-image --model model < in.st > out.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try Frame(contentsOf: dir.appendingPathComponent("out.st").path)
        #expect(out["keep"] == frame["keep"] && out["image"] == frame["image"])
        #expect(out.metadata["prompt"] == frame.metadata["prompt"])
        let model = try CLIPModel(folder: Self.fixture.path, towers: .vision)
        let encoder = try #require(model.image)
        let expected = try encoder.encode(
            pixels: CLIPPreprocessor(size: 32).pixels(batch: Tensor(try #require(frame["image"]))))
        #expect(try Tensor(out.tensor("image.embed")).scalars == expected.embeds.value.scalars)

        let noImage = try Shell.run("unclip-text --model model 'a cat' | unclip-image --model model > x.st", in: dir)
        #expect(noImage.status == 1)
        #expect(noImage.stderr.contains("frame 0: no 'image' tensor"), "\(noImage.stderr)")
    }
}
