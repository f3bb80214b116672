import Foundation
import NN
import Testing

@testable import CLIP

/// ViT-B/32-sized CLIP with random weights, timed (opt-in: `UNCLIP_BENCH=1 swift test --filter CLIPSpeedTests`).
/// PyTorch/open_clip on this machine with 2 threads: about 70 ms (image, B=1), 373 ms (image, B=8), 263 ms (text, B=8).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["UNCLIP_BENCH"] != nil))
struct CLIPSpeedTests {
    static func best(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return best
    }

    @Test func vitB32() throws {
        let config = CLIPConfiguration(
            text: CLIPTextConfiguration(
                hiddenSize: 512, intermediateSize: 2048, attentionHeads: 8, layers: 12, activation: "quick_gelu"),
            vision: CLIPVisionConfiguration(
                hiddenSize: 768, intermediateSize: 3072, attentionHeads: 12, layers: 12, imageSize: 224,
                patchSize: 32, activation: "quick_gelu"))
        let model = try CLIPModel(config)
        try model.initializeParameters(seed: 1)
        let image = try #require(model.image), text = try #require(model.text)
        var rng = PhiloxRandom(seed: 2)
        let one = try rng.normal(shape: [1, 3, 224, 224]), eight = try rng.normal(shape: [8, 3, 224, 224])
        var ids = [Float](repeating: 0, count: 8 * 77)
        for b in 0..<8 {
            ids[b * 77] = 49406
            for t in 1..<20 { ids[b * 77 + t] = Float((b * 131 + t * 17) % 49000) }
            ids[b * 77 + 20] = 49407
        }
        let tokens = try Tensor(shape: [8, 77], scalars: ids)
        let i1 = try Self.best(5) { _ = try image.encode(pixels: one) }
        let i8 = try Self.best(3) { _ = try image.encode(pixels: eight) }
        let t8 = try Self.best(3) { _ = try text.encode(tokens: tokens) }
        try model.prepareTreeForInference()
        let p1 = try Self.best(5) { _ = try image.encode(pixels: one) }
        let p8 = try Self.best(3) { _ = try image.encode(pixels: eight) }
        let pt8 = try Self.best(3) { _ = try text.encode(tokens: tokens) }
        print(
            String(
                format:
                    "CLIP ViT-B/32: image B=1 %.1f ms (PyTorch 70), image B=8 %.1f ms (373), text B=8 %.1f ms (263); "
                    + "packed weights: %.1f, %.1f, %.1f ms", i1, i8, t8, p1, p8, pt8))
    }
}
