import Foundation
import Imaging
import TensorStream
import Testing

/// `unclip-shapes` through real pipes: frames, PNG folders, determinism and its failures.
@Suite struct ShapesStageTests {
    static func frames(_ data: Data) throws -> [Frame] {
        var reader = FrameReader(bytes: Array(data), sourceName: "unclip-shapes output")
        var frames: [Frame] = []
        while let frame = try reader.next() { frames.append(frame) }
        return frames
    }

    @Test func framesCarryImagesCaptionsAndScenes() throws {
        let r = try Shell.run("unclip-shapes --count 5 --batch 2 --size 32 --seed 10")
        #expect(r.status == 0, "\(r.stderr)")
        let frames = try Self.frames(r.stdout)
        #expect(frames.count == 3)
        for (i, frame) in frames.enumerated() {
            let batch = i < 2 ? 2 : 1
            #expect(frame["image"]?.shape == [batch, 3, 32, 32])
            #expect(frame["image"]?.dtype == .f32)
            #expect(try frame.metadataList("prompt")?.count == batch)
            #expect(frame.metadata["seed"] == String(10 + 2 * i))
            #expect(frame.metadata["producer"]?.hasPrefix("unclip-shapes ") == true)
            let scenes =
                try JSONSerialization.jsonObject(with: Data((frame.metadata["scenes"] ?? "").utf8)) as? [[String: Any]]
            #expect(scenes?.count == batch)
            #expect(scenes?.first?["seed"] as? Int == 10 + 2 * i)
            let values = try frame["image"]?.floats() ?? []
            #expect(values.allSatisfy { $0 >= -1 && $0 <= 1 })
        }
        // The same command gives the same bytes.
        let again = try Shell.run("unclip-shapes --count 5 --batch 2 --size 32 --seed 10")
        #expect(again.stdout == r.stdout)
    }

    @Test func folderHoldsPNGsAndCaptionsMatchingTheFrames() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Shell.run(
            "unclip-shapes -q --split heldout --count 3 --size 48 --out set && unclip-shapes --split heldout --count 3 "
                + "--size 48 > set.st", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let tsv = try String(contentsOf: dir.appendingPathComponent("set/captions.tsv"), encoding: .utf8)
        let lines = tsv.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(lines.count == 4 && lines.allSatisfy { $0.count == 3 })
        #expect(lines.first.map { $0.map(String.init) } == ["file", "caption", "attributes"])
        let frame = try #require(try Self.frames(try Data(contentsOf: dir.appendingPathComponent("set.st"))).first)
        let prompts = try frame.metadataList("prompt") ?? []
        let values = try frame["image"]?.floats() ?? []
        for item in 0..<3 {
            #expect(String(lines[item + 1][0]) == String(format: "%06d.png", item))
            #expect(String(lines[item + 1][1]) == prompts[item])
            let png = try PNG.decode(
                Array(try Data(contentsOf: dir.appendingPathComponent("set/" + String(lines[item + 1][0])))))
            #expect(png.width == 48 && png.height == 48 && png.channels == 3)
            // The frame holds exactly the PNG's bytes as p / 127.5 - 1, planar.
            let plane = 48 * 48
            var same = true
            for i in 0..<plane {
                for c in 0..<3
                where values[item * 3 * plane + c * plane + i] != Float(png.pixels[i * 3 + c]) / 127.5 - 1 {
                    same = false
                }
            }
            #expect(same)
        }
    }

    @Test func previewWritesOneSheetAndListsCaptions() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Shell.run("unclip-shapes --preview sheet.png --count 6 --columns 3 --size 32", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let sheet = try PNG.decode(Array(try Data(contentsOf: dir.appendingPathComponent("sheet.png"))))
        #expect((sheet.width, sheet.height) == (96, 64))
        #expect(String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").count == 6)
    }

    @Test(arguments: [
        "--count many", "--split validation", "--size 4", "--objects 0", "--objects 1-4", "--backgrounds dots",
        "--out a --preview b", "surplus", "--nope", "--batch 0",
    ])
    func usageErrorsExit64WithOneLine(_ arguments: String) throws {
        let r = try Shell.run("unclip-shapes \(arguments)")
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("unclip-shapes: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test func closedPipeEndsQuietly() throws {
        let r = try Shell.run(
            "unclip-shapes --count 100000 --batch 1 | head -c 10 > /dev/null; echo \"${PIPESTATUS[0]}\"")
        #expect(String(decoding: r.stdout, as: UTF8.self) == "0\n")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }
}
