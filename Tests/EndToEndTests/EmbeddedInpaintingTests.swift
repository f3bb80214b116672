import Foundation
import TensorStream
import Testing

/// Inpainting with the embedded models: the decoder RePaint-style, and the GLIDE-style inpainting decoder.
/// Single-object test scenes whose object lies in one half of the picture get that half masked out and regenerated
/// from the scene's CLIP image embedding and caption. The other half must come back untouched, and the pixel checker
/// (not CLIP) must find an object of the caption's colour in it in at least 4 of 5 scenes (by chance, with 12
/// colours: about 1 in 4,000). Shapes are printed, not asserted: the embedded decoders draw the asked shape only
/// part of the time (their model cards).
@Suite struct EmbeddedInpaintingTests {
    static let models = Shell.packageRoot.appendingPathComponent("pipelines/models").path

    /// The `unclip-check` summary line `MEASURE FRACTION RIGHT/TOTAL` → RIGHT.
    static func right(_ measure: String, in output: Data) -> Int? {
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        guard let line = lines.first(where: { $0.hasPrefix(measure + "\t") }) else { return nil }
        return line.split(separator: "\t").last?.split(separator: "/").first.flatMap { Int($0) }
    }

    @Test(arguments: ["decoder", "inpaint"])
    func regeneratesTheMaskedHalfAndKeepsTheOther(model: String) throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = Self.models
        // Test-split seeds 14–15 put their object on the left, 16–18 on the right (plain backgrounds).
        let halves = [("left", 14, 2, "0,0,32,64"), ("right", 16, 3, "32,0,32,64")]
        var right = 0
        for (name, seed, count, rect) in halves {
            let scenes = "--count \(count) --seed \(seed) --split test --objects 1 --backgrounds plain -q"
            let r = try Shell.run(
                "unclip-shapes \(scenes) --batch \(count) > \(name).st"
                    + " && unclip-shapes \(scenes) --preview \(name).png | cut -f 3"  // the captions, one per line
                    + " | unclip-text --model '\(m)/clip' -q > \(name)-text.st"
                    + " && unclip-image --model '\(m)/clip' -q < \(name).st"
                    + " | unclip-tensors paste - \(name)-text.st"
                    + " | unclip-inpaint --model '\(m)/\(model)' --rect \(rect) --seed 0 -q > \(name)-out.st"
                    + " && unclip-check --items < \(name)-out.st",
                in: dir)
            #expect(r.status == 0, "\(name): \(r.stderr)")
            print("embedded inpainting (\(model)), \(name) half:\n" + String(decoding: r.stdout, as: UTF8.self))
            right += Self.right("colour", in: r.stdout) ?? 0

            let before = try UNetStageTests.read("\(name).st", in: dir)["image"]?.floats() ?? []
            let after = try UNetStageTests.read("\(name)-out.st", in: dir)["image"]?.floats() ?? []
            #expect(before.count == count * 3 * 64 * 64 && after.count == before.count)
            var kept = true, changed = 0
            for (i, (a, b)) in zip(before, after).enumerated() {
                let masked = name == "left" ? i % 64 < 32 : i % 64 >= 32
                if masked {
                    if abs(a - b) > 0.05 { changed += 1 }
                } else if a != b {
                    kept = false
                }
            }
            #expect(kept, "\(name): the unmasked half is the input's")
            #expect(changed > before.count / 8, "\(name): the masked half is regenerated (\(changed) values moved)")
        }
        #expect(right >= 4, "\(right) of 5 regenerated halves hold an object of the caption's colour")
    }
}
