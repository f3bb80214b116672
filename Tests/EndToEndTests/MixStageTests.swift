import Foundation
import TensorStream
import Testing

/// `unclip-mix` and `unclip-tensors paste` through real pipes.
@Suite struct MixStageTests {
    static func write(_ frame: Frame, _ dir: URL, _ name: String) throws {
        try frame.write(to: dir.appendingPathComponent(name).path)
    }

    static func rows(_ t: TensorBlob?) throws -> [[Float]] {
        let t = try #require(t)
        let v = try t.floats()
        let w = v.count / t.shape[0]
        return (0..<t.shape[0]).map { Array(v[($0 * w)..<(($0 + 1) * w)]) }
    }

    @Test func slerpBetweenTwoEmbeddingsWithFixedNoise() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var frame = Frame()
        frame["image.embed"] = try TensorBlob.float32(shape: [2, 2], [1, 0, 0, 1])
        frame["latent"] = try TensorBlob.float32(shape: [2, 1, 1, 2], [5, 6, 7, 8])
        frame["text.embed"] = try TensorBlob.float32(shape: [2, 2], [9, 9, 9, 9])
        frame.setMetadataList(["a cat", "a dog"], for: "prompt")
        try Self.write(frame, dir, "two.st")
        let r = try Shell.run("unclip-mix slerp --steps 3 two.st | unclip-tensors cat", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try TensorsToolTests.frames(in: r.stdout)
        #expect(out.count == 1)
        let embeds = try Self.rows(out[0]["image.embed"])
        #expect(embeds.count == 3)
        let h = Float(0.5.squareRoot())
        #expect(zip(embeds[1], [h, h]).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(try Self.rows(out[0]["latent"]) == [[5, 6], [5, 6], [5, 6]])
        #expect(out[0]["text.embed"] == nil)
        #expect(try out[0].metadataList("prompt")?.count == 3)
        #expect(out[0].metadata["provenance"]?.contains("unclip-mix") == true)

        let moving = try Shell.run("unclip-mix slerp --steps 2 --noise slerp two.st", in: dir)
        #expect(try Self.rows(TensorsToolTests.frames(in: moving.stdout)[0]["latent"]) == [[5, 6], [7, 8]])
    }

    @Test func textDiffMovesTowardTheCaption() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var frame = Frame()
        frame["image.embed"] = try TensorBlob.float32(shape: [1, 2], [2, 0])
        // New caption [1, 1], current caption [1, 0]: the difference points along y.
        frame["text.embed"] = try TensorBlob.float32(shape: [2, 2], [1, 1, 1, 0])
        try Self.write(frame, dir, "f.st")
        let r = try Shell.run("unclip-mix text-diff --angles 0,0.5,1 f.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let embeds = try Self.rows(TensorsToolTests.frames(in: r.stdout)[0]["image.embed"])
        let expected: [[Float]] = [[2, 0], [Float(2.0.squareRoot()), Float(2.0.squareRoot())], [0, 2]]
        for (e, x) in zip(embeds, expected) { #expect(zip(e, x).allSatisfy { abs($0 - $1) < 1e-5 }, "\(e)") }
    }

    @Test func pasteAndSumDoEmbeddingArithmetic() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var texts = Frame()
        // "woman", "king", "man"
        texts["text.embed"] = try TensorBlob.float32(shape: [3, 3], [0, 0, 1, 1, 1, 0, 0, 1, 0])
        try Self.write(texts, dir, "t.st")
        var images = Frame()
        images["image.embed"] = try TensorBlob.float32(shape: [1, 3], [3, 0, 0])
        try Self.write(images, dir, "i.st")
        let r = try Shell.run(
            "unclip-tensors paste i.st t.st | unclip-mix sum 'text.embed:1 - text.embed:2 + text.embed:0'", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let out = try TensorsToolTests.frames(in: r.stdout)[0]
        let v = try Self.rows(out["image.embed"])[0]
        // normalized(king) - man + woman = [1/√2, 1/√2 - 1, 1], normalised, times the mean length.
        let raw: [Float] = [Float(0.5.squareRoot()), Float(0.5.squareRoot()) - 1, 1]
        let n = raw.map { $0 * $0 }.reduce(0, +).squareRoot()
        let meanLength = Float((2.0.squareRoot() + 2) / 3)
        #expect(zip(v, raw.map { $0 / n * meanLength }).allSatisfy { abs($0 - $1) < 1e-5 }, "\(v)")

        let clash = try Shell.run("unclip-tensors paste t.st t.st", in: dir)
        #expect(clash.status == 1)
        #expect(clash.stderr.contains("tensor 'text.embed' is in both 't.st' and 't.st'"))
    }

    @Test func badInputsGiveOneLineErrors() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var frame = Frame()
        frame["image.embed"] = try TensorBlob.float32(shape: [3, 2], [1, 0, 0, 1, 1, 1])
        try Self.write(frame, dir, "three.st")
        let cases: [(String, Int32, String)] = [
            ("unclip-mix slerp three.st", 1, "slerp needs exactly 2 items"),
            ("unclip-mix text-diff three.st", 1, "has no tensor 'text.embed'"),
            ("unclip-mix text-diff --angles 0,2 three.st", 64, "--angles"),
            ("unclip-mix sum 'image.embed +' three.st", 64, "incomplete"),
            ("unclip-mix sum 'image.embed:7' three.st", 1, "there is no row 7"),
            ("unclip-mix sum 'image.embed image.embed' three.st", 64, "missing '+' or '-'"),
            ("unclip-mix frob", 64, "unknown command"),
        ]
        for (command, status, message) in cases {
            let r = try Shell.run(command, in: dir)
            #expect(r.status == status, "\(command): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(command): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(command): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }
}
