import Foundation
import Imaging
import TensorStream
import Testing

/// `unclip-png` through real pipes: files into frames and back, and its failures.
@Suite struct PNGStageTests {
    static let corpus = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/images")

    @Test(arguments: ["png/pillow_rgb_32x24.png", "png/grey16_13x17.png", "jpeg/baseline_420_33x19.jpg"])
    func roundTripKeepsEveryPixel(_ file: String) throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Self.corpus.appendingPathComponent(file)
        let r = try Shell.run("unclip-png '\(source.path)' | unclip-png -q -o back.png", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let original = try ImageDecoder.decode(Array(try Data(contentsOf: source)), source: file).rgb()
        let back = try PNG.decode(Array(try Data(contentsOf: dir.appendingPathComponent("back.png"))))
        #expect(back == original)
    }

    @Test func batchesNamesAndGrid() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = Self.corpus.appendingPathComponent("png/pillow_rgb_32x24.png").path
        let b = Self.corpus.appendingPathComponent("jpeg/baseline_420_33x19.jpg").path
        let r = try Shell.run(
            "unclip-png --size 16 '\(a)' '\(b)' > two.st && unclip-png -o 'img-%f-%b.png' two.st "
                + "&& unclip-png --grid --columns 1 -o sheet.png < two.st && unclip-tensors ls two.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("unclip-png: wrote img-0-1.png (16x16)"))
        #expect(String(decoding: r.stdout, as: UTF8.self).contains("image  F32   [2, 3, 16, 16]  min -1  max 1"))
        let sheet = try PNG.decode(Array(try Data(contentsOf: dir.appendingPathComponent("sheet.png"))))
        #expect((sheet.width, sheet.height) == (20, 38))
        for name in ["img-0-0.png", "img-0-1.png"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path))
        }
    }

    @Test func refusesCorruptImagesMismatchedSizesAndWrongTensors() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = try Data(contentsOf: Self.corpus.appendingPathComponent("png/pillow_rgb_32x24.png"))
        try png.prefix(60).write(to: dir.appendingPathComponent("cut.png"))
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("text.png"))
        for file in ["cut.png", "text.png"] {
            let r = try Shell.run("unclip-png \(file)", in: dir)
            #expect(r.status == 1)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.hasPrefix("unclip-png: \(file): "), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
        let a = Self.corpus.appendingPathComponent("png/pillow_rgb_32x24.png").path
        let b = Self.corpus.appendingPathComponent("jpeg/baseline_420_33x19.jpg").path
        let mixed = try Shell.run("unclip-png '\(a)' '\(b)'", in: dir)
        #expect(mixed.status == 1 && mixed.stdout.isEmpty)
        #expect(mixed.stderr.contains("use --size N"))

        var frame = Frame()
        frame["image"] = try TensorBlob.float32(shape: [1, 4, 2, 2], Array(repeating: 0, count: 16))
        try frame.write(to: dir.appendingPathComponent("bad.st").path)
        let wrong = try Shell.run("unclip-png -o x.png bad.st", in: dir)
        #expect(wrong.status == 1)
        #expect(
            wrong.stderr == "unclip-png: frame 0, tensor 'image': expected float [B, 3, H, W], got F32 [1, 4, 2, 2]\n")
        let usage = try Shell.run("unclip-png", in: dir)
        #expect(usage.status == 64)
    }
}
