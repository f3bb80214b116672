import Foundation
import TensorStream
import Testing

/// Variations with the embedded (trained) decoder: four single-object test scenes are DDIM-inverted under their own
/// CLIP image embeddings and decoded back with DDIM. At η = 0 the decoder must reconstruct each scene (PSNR ≥ 22 dB;
/// measured 26.0–33.3 dB), and η = 1 must move further from it (mean PSNR at least 3 dB lower; measured 19.8 dB
/// against 28.7 dB). Before the DDIM path left out t = 999 (ᾱ ≈ 2·10⁻⁹) the same reconstructions were at 4 dB.
@Suite struct EmbeddedVariationsTests {
    /// PSNR (range [−1, 1]) of each of `count` images of `b` against `a`.
    static func psnr(_ a: [Float], _ b: [Float], count: Int) -> [Double] {
        let size = a.count / count
        return (0..<count).map { item in
            var squared = 0.0
            for i in item * size..<(item + 1) * size {
                let d = Double(a[i] - b[i])
                squared += d * d
            }
            return 10 * log10(4 / max(squared / Double(size), 1e-12))
        }
    }

    @Test func etaZeroReconstructsAndEtaOneVaries() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = EmbeddedInpaintingTests.models
        let r = try Shell.run(
            "unclip-shapes --count 4 --seed 14 --split test --objects 1 --backgrounds plain --batch 4 -q"
                + " | unclip-image --model '\(m)/clip' -q > scenes.st"
                + " && unclip-invert --model '\(m)/decoder' -q < scenes.st > inverted.st"
                + " && unclip-tensors drop image inverted.st > latent.st"
                + " && for eta in 0 1; do unclip-decode --model '\(m)/decoder' --guidance 1 --eta $eta --no-clip"
                + " --seed 1 -q < latent.st > eta$eta.st || exit 1; done",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let scenes = try UNetStageTests.read("scenes.st", in: dir)["image"]?.floats() ?? []
        let exact = try UNetStageTests.read("eta0.st", in: dir)["image"]?.floats() ?? []
        let varied = try UNetStageTests.read("eta1.st", in: dir)["image"]?.floats() ?? []
        #expect(scenes.count == 4 * 3 * 64 * 64 && exact.count == scenes.count && varied.count == scenes.count)
        guard exact.count == scenes.count, varied.count == scenes.count else { return }
        let reconstruction = Self.psnr(scenes, exact, count: 4)
        let variation = Self.psnr(scenes, varied, count: 4)
        print("embedded variations, PSNR (dB): eta 0 \(reconstruction), eta 1 \(variation)")
        #expect(reconstruction.allSatisfy { $0 >= 22 }, "η = 0 reconstructs every scene")
        let mean = { (v: [Double]) in v.reduce(0, +) / Double(v.count) }
        #expect(mean(variation) <= mean(reconstruction) - 3, "η = 1 varies more than η = 0")
    }
}
