import Foundation
import TensorStream
import Testing

/// `unclip-train prior`, `prior-ar` and `prior-eval` through the built executable: usage errors, and a tiny run
/// on the embedded CLIP whose folders the prior stages load with no extra flags.
@Suite struct PriorTrainStageTests {
    static let clip = Shell.packageRoot.appendingPathComponent("pipelines/models/clip").path

    @Test func usageErrorsExit64WithOneLine() throws {
        let cases = [
            "unclip-train prior",  // no --out
            "unclip-train prior-ar --steps 10",  // no --out
            "unclip-train prior --out x --batch 0",
            "unclip-train prior --out x --ema 1",
            "unclip-train prior --out x --resume --init y",
            "unclip-train prior-ar --out x --width 30 --heads 4",
            "unclip-train prior-ar --out x --code-buckets 1",
            "unclip-train prior --out x extra-operand",
            "unclip-train prior-eval",  // no prior
            "unclip-train prior-eval --prior a --pairs 0",
            "unclip-train prior --out x --no-such-option",
        ]
        for command in cases {
            let r = try Shell.run(command)
            #expect(r.status == 64, "\(command): \(r.status) \(r.stderr)")
            #expect(r.stderr.hasPrefix("unclip-train"), "\(command): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test func runtimeErrorsExit1() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missingClip = try Shell.run("unclip-train prior --out p --clip nowhere", in: dir)
        #expect(missingClip.status == 1 && missingClip.stderr.contains("nowhere"), "\(missingClip.stderr)")
        let nothingToResume = try Shell.run("unclip-train prior --out p --clip '\(Self.clip)' --resume -q", in: dir)
        #expect(nothingToResume.status == 1, "\(nothingToResume.stderr)")
        let missingPrior = try Shell.run("unclip-train prior-eval --prior nowhere --clip '\(Self.clip)'", in: dir)
        #expect(missingPrior.status == 1 && missingPrior.stdout.isEmpty, "\(missingPrior.stderr)")
    }

    @Test func tinyRunsMakeFoldersTheStagesLoad() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = "--clip '\(Self.clip)' --cache data --pairs 12 --valid-pairs 6 --batch 4 --layers 1 --heads 2 -q"
        let train = try Shell.run(
            "unclip-train prior --out p \(data) --head-dim 16 --steps 2 --eval-every 2 --ema 0.9"
                + " && unclip-train prior --out p \(data) --head-dim 16 --steps 3 --eval-every 2 --ema 0.9 --resume"
                + " && unclip-train prior-ar --out par \(data) --width 32 --steps 2",
            in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let sample = try Shell.run(
            "unclip-text --model '\(Self.clip)' 'a red circle' 'a blue star' > t.st"
                + " && unclip-prior --model p --steps 2 < t.st > d.st && unclip-prior-ar --model par < t.st > a.st",
            in: dir)
        #expect(sample.status == 0, "\(sample.stderr)")
        for name in ["d.st", "a.st"] {
            let frame = try Frame(contentsOf: dir.appendingPathComponent(name).path)
            #expect(frame["image.embed"]?.shape == [2, 128], "\(name)")
        }
        let eval = try Shell.run(
            "unclip-train prior-eval --prior p --prior-ar par --clip '\(Self.clip)' --pairs 6 --heldout-pairs 4"
                + " --steps 2 --candidates 1 -q",
            in: dir)
        #expect(eval.status == 0, "\(eval.stderr)")
        let table = String(decoding: eval.stdout, as: UTF8.self)
        for row in [
            "| text embedding (baseline) |", "| mean training image embedding (baseline) |", "| diffusion prior",
            "| AR prior",
        ] {
            #expect(table.components(separatedBy: row).count == 3, "\(row) once per split in\n\(table)")
        }
    }
}
