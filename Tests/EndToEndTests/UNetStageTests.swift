import Foundation
import Imaging
import TensorStream
import Testing

/// `unclip-decode`, `unclip-upsample` and `unclip-inpaint` on the fixture model folder
/// (Tests/Fixtures/unet/pipeline: a 16×16 decoder with D = 16, 7 text tokens; upsamplers to 64×64), through
/// real pipes.
@Suite struct UNetStageTests {
    static let model = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/unet/pipeline").path

    /// A frame like unclip-prior's for B items: random `image.embed` and caption tensors, and a tensor to pass
    /// through.
    static func embedFrame(batch: Int) throws -> Frame {
        var state: UInt64 = 777
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 500
        }
        var frame = Frame(metadata: ["format": "unclip.tensor-stream/1.0"])
        frame["image.embed"] = try TensorBlob.float32(shape: [batch, 16], (0..<batch * 16).map { _ in next() })
        frame["text.embed"] = try TensorBlob.float32(shape: [batch, 16], (0..<batch * 16).map { _ in next() })
        frame["text.hidden"] = try TensorBlob.float32(shape: [batch, 7, 16], (0..<batch * 112).map { _ in next() })
        frame["text.mask"] = try TensorBlob.bool(shape: [batch, 7], (0..<batch * 7).map { $0 % 7 < 3 })
        frame["text.tokens"] = try TensorBlob.int32(shape: [batch, 2], (0..<batch * 2).map { Int32($0) })
        return frame
    }

    static func write(_ frames: [Frame], to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        let writer = FrameWriter(fileDescriptor: fd)
        for frame in frames { try writer.write(frame) }
    }

    /// The last frame of a stream file.
    static func read(_ name: String, in dir: URL) throws -> Frame {
        let path = dir.appendingPathComponent(name).path
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var reader = FrameReader(fileDescriptor: fd, sourceName: path)
        var last = Frame()
        while let frame = try reader.next() { last = frame }
        return last
    }

    static func bytes(_ name: String, in dir: URL) throws -> Data {
        try Data(contentsOf: dir.appendingPathComponent(name))
    }

    @Test func decodeUpsampleToPNG() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([Self.embedFrame(batch: 2)], to: dir.appendingPathComponent("in.st"))
        let m = Self.model
        let r = try Shell.run(
            "unclip-decode --model '\(m)' --steps 3 --seed 7 < in.st | tee dec.st"
                + " | unclip-upsample --model '\(m)' --steps 2 | tee up.st | unclip-png -q -o 'out-%b.png'",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let dec = try Self.read("dec.st", in: dir), up = try Self.read("up.st", in: dir)
        #expect(dec["image"]?.shape == [2, 3, 16, 16] && dec["noise"]?.shape == [2, 3, 16, 16])
        #expect(up["image"]?.shape == [2, 3, 64, 64] && up["upsample.noise"]?.shape == [2, 3, 64, 64])
        #expect(up["noise"]?.bytes == dec["noise"]?.bytes, "the decoder's noise passes through")
        #expect(up["text.tokens"]?.bytes == (try Self.embedFrame(batch: 2))["text.tokens"]?.bytes)
        #expect(up.metadata["seed"] == "7")
        let lines = up.metadata["provenance"]?.components(separatedBy: "\n") ?? []
        #expect(lines.count == 2 && lines[0].hasPrefix("unclip-decode ") && lines[1].hasPrefix("unclip-upsample "))
        let png = try PNG.decode(Array(try Self.bytes("out-1.png", in: dir)))
        #expect((png.width, png.height) == (64, 64))
    }

    @Test func sameSeedSameBytesAndRecordedNoiseReplays() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([Self.embedFrame(batch: 1), Self.embedFrame(batch: 2)], to: dir.appendingPathComponent("in.st"))
        let m = Self.model
        let r = try Shell.run(
            "unclip-decode -m '\(m)' --steps 3 --seed 5 in.st > a.st && unclip-decode -m '\(m)' --steps 3 --seed 5 in.st > b.st"
                + " && unclip-decode -m '\(m)' --steps 3 < a.st > replay.st"
                + " && unclip-decode -m '\(m)' --steps 3 --seed 6 in.st > other.st"
                + " && unclip-upsample -m '\(m)' --steps 2 < a.st > up.st && unclip-upsample -m '\(m)' --steps 2 < up.st > up2.st"
                + " && unclip-upsample -m '\(m)' --steps 2 --batch 1 < a.st > upc.st"
                + " && unclip-upsample -m '\(m)' --steps 2 --batch 1 < upc.st > upc2.st"
                + " && unclip-decode -m '\(m)' --steps 3 --eta 0 --seed 5 in.st > ddim.st"
                + " && unclip-decode -m '\(m)' --steps 3 --eta 0 --seed 9 < ddim.st > ddim2.st"
                + " && unclip-decode -m '\(m)' --steps 3 --batch 1 --seed 5 in.st > chunked.st"
                + " && unclip-decode -m '\(m)' --steps 3 --batch 1 < chunked.st > chunked2.st",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.bytes("a.st", in: dir) == (try Self.bytes("b.st", in: dir)))
        let a = try Self.read("a.st", in: dir), replay = try Self.read("replay.st", in: dir)
        #expect(replay["image"]?.bytes == a["image"]?.bytes && replay.metadata["seed"] == "5")
        #expect(try Self.read("other.st", in: dir)["image"]?.bytes != a["image"]?.bytes)
        let up = try Self.read("up.st", in: dir), up2 = try Self.read("up2.st", in: dir)
        #expect(up2["image"]?.shape == [2, 3, 256, 256], "a second upsample goes on to 4× again")
        #expect(up["image"]?.shape == [2, 3, 64, 64])
        let upc = try Self.read("upc.st", in: dir), upc2 = try Self.read("upc2.st", in: dir)
        #expect(upc["image"]?.shape == [2, 3, 64, 64] && upc["upsample.noise"]?.shape == [2, 3, 64, 64])
        #expect(upc2["image"]?.shape == [2, 3, 256, 256])
        // DDIM with η = 0 from the recorded x_T gives the same image under another seed.
        #expect(
            try Self.read("ddim2.st", in: dir)["image"]?.bytes == (try Self.read("ddim.st", in: dir))["image"]?.bytes)
        #expect(
            try Self.read("chunked2.st", in: dir)["image"]?.bytes
                == (try Self.read("chunked.st", in: dir))["image"]?.bytes)
    }

    @Test func inpaintKeepsTheUnmaskedPixels() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([Self.embedFrame(batch: 2)], to: dir.appendingPathComponent("in.st"))
        let m = Self.model
        let r = try Shell.run(
            "unclip-decode -m '\(m)' --steps 2 --seed 1 < in.st > dec.st"
                + " && unclip-inpaint -m '\(m)' --rect 2,3,8,5 --steps 3 --resample 2 --seed 2 < dec.st > inp.st"
                + " && unclip-inpaint -m '\(m)' --rect 2,3,8,5 --steps 3 --resample 2 < inp.st > inp2.st",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let dec = try Self.read("dec.st", in: dir), inp = try Self.read("inp.st", in: dir)
        let before = try dec["image"]?.floats() ?? [], after = try inp["image"]?.floats() ?? []
        #expect(before.count == 2 * 3 * 256 && after.count == before.count)
        var changed = 0
        for i in 0..<before.count {
            let (row, column) = ((i % 256) / 16, i % 16)
            let inside = (3..<8).contains(row) && (2..<10).contains(column)
            if !inside {
                #expect(after[i] == before[i])
            } else if after[i] != before[i] {
                changed += 1
            }
        }
        #expect(changed > 100)
        #expect(inp["inpaint.noise"]?.shape == [2, 3, 16, 16] && inp["noise"]?.bytes == dec["noise"]?.bytes)
        // The replay reads the seed and inpaint.noise from the frame; the image it inpaints is the new one, so
        // compare only the noise it recorded.
        #expect(try Self.read("inp2.st", in: dir)["inpaint.noise"]?.bytes == inp["inpaint.noise"]?.bytes)
    }

    @Test func badInputsAreOneLineErrors() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var noEmbed = try Self.embedFrame(batch: 1)
        noEmbed["image.embed"] = nil
        try Self.write([noEmbed], to: dir.appendingPathComponent("no-embed.st"))
        var wrong = try Self.embedFrame(batch: 1)
        wrong["image.embed"] = try TensorBlob.float32(shape: [1, 5], [Float](repeating: 0, count: 5))
        try Self.write([wrong], to: dir.appendingPathComponent("wrong.st"))
        var hidden = try Self.embedFrame(batch: 1)
        hidden["text.hidden"] = try TensorBlob.float32(shape: [1, 7, 3], [Float](repeating: 0, count: 21))
        try Self.write([hidden], to: dir.appendingPathComponent("hidden.st"))
        var image = try Self.embedFrame(batch: 1)
        image["image"] = try TensorBlob.float32(shape: [1, 3, 16, 16], [Float](repeating: 0, count: 768))
        image["mask"] = try TensorBlob.float32(shape: [1, 1, 8, 8], [Float](repeating: 1, count: 64))
        try Self.write([image], to: dir.appendingPathComponent("image.st"))
        var badImage = try Self.embedFrame(batch: 1)
        badImage["image"] = try TensorBlob.float32(shape: [1, 16, 16], [Float](repeating: 0, count: 256))
        try Self.write([badImage], to: dir.appendingPathComponent("bad-image.st"))
        let m = Self.model
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("corrupt.png"))
        try Data(PNG.encode(try Image(width: 4, height: 4, channels: 1))).write(
            to: dir.appendingPathComponent("black.png"))

        let cases: [(String, Int32, [String])] = [
            ("unclip-decode -m '\(m)' --steps 2 < no-embed.st", 1, ["unclip-decode: frame 0", "image.embed"]),
            ("unclip-decode -m '\(m)' --steps 2 < wrong.st", 1, ["image.embed", "[1, 5]"]),
            ("unclip-decode -m '\(m)' --steps 2 < hidden.st", 1, ["text.hidden", "[1, 7, 3]"]),
            ("unclip-decode --steps 2 < wrong.st", 64, ["--model"]),
            ("unclip-decode -m /nonexistent < wrong.st", 1, ["/nonexistent"]),
            ("unclip-decode -m '\(m)' --eta -1 < wrong.st", 64, ["--eta"]),
            ("unclip-upsample -m '\(m)' < no-embed.st", 1, ["image"]),
            ("unclip-upsample -m '\(m)' < bad-image.st", 1, ["image", "[1, 16, 16]"]),
            ("unclip-inpaint -m '\(m)' --steps 2 < image.st", 1, ["mask", "[1, 1, 8, 8]"]),
            ("unclip-inpaint -m '\(m)' --steps 2 --rect 1,2,3 < image.st", 64, ["--rect"]),
            ("unclip-inpaint -m '\(m)' --steps 2 --rect 10,10,8,8 < image.st", 1, ["rect 10,10,8,8"]),
            ("unclip-inpaint -m '\(m)' --steps 2 --rect 0,0,4,4 < no-embed.st", 1, ["image"]),
            ("unclip-inpaint -m '\(m)' --steps 2 --rect 0,0,4,4 < bad-image.st", 1, ["image", "[1, 16, 16]"]),
            ("unclip-inpaint -m '\(m)' --steps 2 --mask missing.png < image.st", 1, ["missing.png"]),
            ("unclip-inpaint -m '\(m)' --steps 2 --mask corrupt.png < image.st", 1, ["mask corrupt.png"]),
            ("unclip-inpaint -m '\(m)' --steps 2 --mask black.png < image.st", 1, ["black.png", "no white pixel"]),
            ("unclip-inpaint -m '\(m)' --mask black.png --rect 0,0,4,4 < image.st", 64, ["--rect or --mask"]),
            ("head -c 100 image.st | unclip-decode -m '\(m)' --steps 2", 1, ["unclip-decode:"]),
        ]
        for (script, status, words) in cases {
            let r = try Shell.run(script + " > out.st", in: dir)
            #expect(r.status == status, "\(script): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(script): \(r.stderr)")
            for word in words { #expect(r.stderr.contains(word), "\(script): \(r.stderr)") }
            #expect(try Self.bytes("out.st", in: dir).isEmpty, "\(script) writes no partial frame")
        }
    }
}
