import Foundation
import TensorStream
import Testing

/// `unclip-train decoder`, `inpaint-eval` and `decoder-eval` through the command line on tiny models: a CLIP made
/// on the spot (16-wide, so a new decoder must take its width from it), a run stopped by `--stop-at` and resumed.
@Suite struct DecoderTrainStageTests {
    @Test func stopAtThenResumeThenEvaluate() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tiny = "--batch 2 --channels 8,16 --head-dim 8 --groups 4 --size 16 --eval-scenes 2 --eval-steps 2"
        let first = try Shell.run(
            "unclip-train clip --out c --steps 1 --batch 2 --width 16 --layers 1 --heads 2 --projection 16"
                + " --image-size 16 --patch 8 --eval-every 0 --eval-pairs 4 --eval-scenes 4 -q"
                + " && unclip-train decoder --out d --clip c --steps 4 --stop-at 2 \(tiny)",
            in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("stopped at step 2; checkpoint saved, --resume continues"))
        let checkpoint = try Frame(contentsOf: dir.appendingPathComponent("d/checkpoint.safetensors").path)
        #expect(checkpoint.metadata["optimizer.step"] == "2")

        let second = try Shell.run(
            "unclip-train decoder --out d --resume --steps 4 \(tiny)"
                + " && unclip-train inpaint-eval --model d --scenes 2 --steps 2 -q"
                + " && unclip-train decoder-eval --model d --scenes 2 --steps 2 -q",
            in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("eval step 4 at 16px") && !second.stderr.contains("stopped"))
        let lines = String(decoding: second.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("repaint inpainting: colour "))
        #expect(lines[0].contains("largest change outside the mask 0.0 (2 test scenes)"))
        #expect(lines.count == 2 && lines[1].hasPrefix("colour "))
    }
}
