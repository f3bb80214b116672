import Foundation
import Imaging
import TensorStream
import Testing

/// Variations with the embedded (trained) decoder: four single-object test scenes are DDIM-inverted under their own
/// CLIP image embeddings and decoded back with DDIM. At η = 0 the decoder must reconstruct each scene (PSNR ≥ 18 dB,
/// mean ≥ 21 dB; measured 21.6–30.5 dB, mean 25.1, with the phase-7 decoder; 22.9–37.2, mean 32.5, with phase 6;
/// 19.2–39.1, mean 26.5, with phase 5), and η = 1 must move further from it on average (measured mean 23.6 against
/// 25.1 dB with phase 7; one of the four η = 1 draws happens to land at 31 dB). Before the DDIM path left out t = 999
/// (ᾱ ≈ 2·10⁻⁹) the same reconstructions were at 4 dB.
/// Interpolating between two scenes must start and end on the two scenes' reconstructions.
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
        let mean = { (v: [Double]) in v.reduce(0, +) / Double(v.count) }
        #expect(reconstruction.allSatisfy { $0 >= 18 } && mean(reconstruction) >= 21, "η = 0 reconstructs every scene")
        #expect(mean(variation) < mean(reconstruction) - 1, "η = 1 varies more than η = 0")
    }

    /// PSNR of two 8-bit pixel arrays.
    static func psnr8(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var squared = 0.0
        for (x, y) in zip(a, b) { squared += (Double(x) - Double(y)) * (Double(x) - Double(y)) }
        return 10 * log10(255 * 255 / max(squared / Double(max(a.count, 1)), 1e-12))
    }

    /// Pixel rows of `cell` (0-based) of a one-row contact sheet of `side`-pixel cells with 2-pixel gutters.
    static func cell(_ sheet: Image, _ cell: Int, side: Int) -> [UInt8] {
        let c = sheet.channels, x0 = 2 + cell * (side + 2)
        var pixels: [UInt8] = []
        for y in 2..<(2 + side) {
            let start: Int = (y * sheet.width + x0) * c
            pixels += sheet.pixels[start..<(start + side * c)]
        }
        return pixels
    }

    @Test func interpolationEndsAreTheTwoImagesReconstructions() throws {
        let dir = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = EmbeddedInpaintingTests.models
        let models = "--clip '\(m)/clip' --decoder '\(m)/decoder'"
        let r = try Shell.run(
            "export UNCLIP_BIN='\(Shell.binDirectory.path)'; "
                + "unclip-shapes --count 2 --seed 20 --split test --objects 1 --backgrounds plain --out scenes -q"
                + " && '\(PipelineTests.pipelines)/interpolate.sh' \(models) --frames 3 --size 64 --steps 10"
                + " -o sheet.png scenes/000000.png scenes/000001.png"
                + " && for k in 0 1; do '\(PipelineTests.pipelines)/variations.sh' \(models) --samples 1 --eta 0"
                + " --size 64 --steps 10 -o rec$k.png scenes/00000$k.png || exit 1; done",
            in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let png = { (name: String) in try PNG.decode(Array(try Data(contentsOf: dir.appendingPathComponent(name)))) }
        let sheet = try png("sheet.png")
        #expect(sheet.width == 3 * 64 + 4 * 2 && sheet.height == 64 + 4)
        for (k, cell) in [(0, 0), (1, 2)] {
            let scene = try png("scenes/00000\(k).png"), reconstruction = try png("rec\(k).png")
            let end = Self.cell(sheet, cell, side: 64)
            // The same latent and embedding up to the slerp's rounding at its ends: equal but for a few 8-bit steps.
            let off = zip(end, reconstruction.pixels).map { abs(Int($0) - Int($1)) }
            let (largest, moved) = (off.max() ?? 255, off.filter { $0 > 0 }.count)
            let fromScene = Self.psnr8(scene.pixels, reconstruction.pixels)
            print(
                "interpolation end \(k): \(moved) values off the reconstruction (at most \(largest)); the "
                    + "reconstruction is at \(fromScene) dB from the scene")
            #expect(end.count == reconstruction.pixels.count && largest <= 2 && moved <= end.count / 100)
            #expect(fromScene >= 20, "end \(k) resembles image \(k)")
        }
    }
}
