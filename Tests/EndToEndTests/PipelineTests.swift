import Foundation
import Imaging
import Testing

/// The job pipelines (pipelines/*.sh and bin/unclip) run on the fixture models through flags and the
/// environment: CLIP Tests/Fixtures/clip/models/hf-d16 (hf-a with 16-wide projections, to fit the decoder) and
/// the decoder and upsamplers of Tests/Fixtures/unet/pipeline (16×16, then 4× and 4× again).
@Suite struct PipelineTests {
    static let clip = Shell.packageRoot.appendingPathComponent("Tests/Fixtures/clip/models/hf-d16").path
    static let unet = UNetStageTests.model
    static let pipelines = Shell.packageRoot.appendingPathComponent("pipelines").path
    static let front = Shell.packageRoot.appendingPathComponent("bin/unclip").path
    /// Uses this build's stage binaries (no release build) and the fixture models.
    static let environment =
        "export UNCLIP_BIN='\(Shell.binDirectory.path)' UNCLIP_CLIP='\(clip)' UNCLIP_DECODER='\(unet)'"
        + " UNCLIP_UPSAMPLER='\(unet)'; "

    /// Two 32×32 scenes as img-0.png and img-1.png in `dir`.
    static func images(in dir: URL) throws {
        let r = try Shell.run("unclip-shapes --count 2 --size 32 | unclip-png -q -o 'img-%b.png'", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
    }

    static func size(_ name: String, in dir: URL) throws -> (Int, Int) {
        let png = try PNG.decode(Array(try Data(contentsOf: dir.appendingPathComponent(name))))
        return (png.width, png.height)
    }

    @Test func variationsWritesOnePNGPerSample() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.images(in: dir)
        let r = try Shell.run(
            Self.environment + "'\(Self.pipelines)/variations.sh' --samples 2 --size 64 --steps 3 --upsample-steps 2"
                + " --eta 0.5 -o 'var-%n.png' --sheet sheet.png img-0.png",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.size("var-0.png", in: dir) == (64, 64))
        // The input and both variations side by side, 2-pixel gutters.
        #expect(try Self.size("sheet.png", in: dir) == (3 * 64 + 4 * 2, 64 + 2 * 2))
        #expect(try Self.size("var-1.png", in: dir) == (64, 64))
        #expect(r.stderr.contains("var-1.png"), "says where the results went: \(r.stderr)")
        let a = try Data(contentsOf: dir.appendingPathComponent("var-0.png"))
        let b = try Data(contentsOf: dir.appendingPathComponent("var-1.png"))
        #expect(a != b, "two seeds, two variations")
    }

    @Test func interpolateAndTextDiffWriteContactSheets() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.images(in: dir)
        let r = try Shell.run(
            Self.environment
                + "'\(Self.front)' interpolate --frames 3 --steps 3 -o sheet.png img-0.png img-1.png"
                + " && '\(Self.pipelines)/interpolate.sh' --frames 3 --steps 3 --noise fixed -o fixed.png"
                + " img-0.png img-1.png"
                + " && '\(Self.front)' text-diff --angles 0,0.25,0.5,1 --steps 3 -o diff.png img-0.png 'a red circle'"
                + " && '\(Self.pipelines)/text-diff.sh' --angles 0,1 --steps 3 --size 64 --upsample-steps 2"
                + " -o diff2.png img-1.png 'a cat' 'the corgi'",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        // Cells of 16 px with 2 px gutters: K columns are 18K + 2 wide.
        #expect(try Self.size("sheet.png", in: dir) == (56, 20))
        #expect(try Self.size("fixed.png", in: dir) == (56, 20))
        #expect(try Self.size("diff.png", in: dir) == (74, 20))
        #expect(try Self.size("diff2.png", in: dir) == (134, 68))
    }

    @Test func missingModelsAndBadInputsAreOneLineErrors() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.images(in: dir)
        let env = "export UNCLIP_BIN='\(Shell.binDirectory.path)' UNCLIP_MODELS=\(dir.path)/none; "
        let cases: [(String, Int32, [String])] = [
            (
                env + "'\(Self.front)' 'a red circle'", 1,
                [
                    "text-to-image: missing", "none/clip", "none/prior",
                    "none/decoder", "none/upsampler",
                ]
            ),
            (env + "'\(Self.front)' 'a red circle' --ar --size 64", 1, ["none/prior-ar", "none/decoder"]),
            (env + "'\(Self.front)' variations img-0.png", 1, ["variations: missing", "none/clip"]),
            (env + "'\(Self.pipelines)/interpolate.sh' --prompts a b", 1, ["none/prior"]),
            (env + "'\(Self.pipelines)/text-diff.sh' --clip '\(Self.clip)' img-0.png cat", 1, ["none/decoder"]),
            (Self.environment + "'\(Self.pipelines)/variations.sh' nothing.png", 1, ["cannot read 'nothing.png'"]),
            (Self.environment + "'\(Self.pipelines)/variations.sh' --size 100 img-0.png", 64, ["--size", "16, 64"]),
            (Self.environment + "'\(Self.pipelines)/text-to-image.sh' --samples 2 --rerank 3 cat", 64, ["--rerank"]),
            (
                Self.environment + "'\(Self.pipelines)/text-diff.sh' --decoder /nonexistent img-0.png cat", 1,
                ["/nonexistent"]
            ),
        ]
        for (script, status, words) in cases {
            let r = try Shell.run(script, in: dir)
            #expect(r.status == status, "\(script): \(r.stderr)")
            if status == 1 { #expect(r.stderr.split(separator: "\n").count == 1, "\(script): \(r.stderr)") }
            for word in words { #expect(r.stderr.contains(word), "\(script): \(r.stderr)") }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("unclip-0.png").path))
    }

    @Test func frontDoorRunsClassifyAndNamesMissingModels() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.images(in: dir)
        let r = try Shell.run(Self.environment + "'\(Self.front)' classify red,blue img-0.png img-1.png", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
        #expect(rows.count == 2 && rows[0].hasPrefix("img-0.png") && rows[1].contains("%"), "\(rows)")
        let env = "export UNCLIP_BIN='\(Shell.binDirectory.path)' UNCLIP_MODELS=\(dir.path)/none; "
        for (job, words) in [
            ("classify red,blue img-0.png", ["classify: missing", "none/clip"]),
            ("rank 2 'best-%n.png' 'a cat'", ["rank: missing", "none/prior"]),
            ("inpaint img-0.png 1,1,4,4 'a cat'", ["inpaint: missing", "none/decoder", "none/prior"]),
        ] {
            let failed = try Shell.run(env + "'\(Self.front)' " + job, in: dir)
            #expect(failed.status == 1 && failed.stderr.split(separator: "\n").count == 1, "\(job): \(failed.stderr)")
            for word in words { #expect(failed.stderr.contains(word), "\(job): \(failed.stderr)") }
        }
    }
}
