import CLIP
import Foundation
import NN
import TensorCore

/// CLIP ViT-B/32 (OpenAI's config: vision width 768, 12 layers, patch 32 at 224; text width 512, 12 layers, 77
/// tokens) with random weights and packed inference weights, as the stages run it: one line for the image tower
/// at `--image-batch`, one for the text tower at `--text-batch` (`--tower` picks one).
func benchCLIP(_ o: BenchOptions) throws {
    let text = CLIPTextConfiguration(
        hiddenSize: 512, intermediateSize: 2048, attentionHeads: 8, layers: 12, activation: "quick_gelu")
    let vision = CLIPVisionConfiguration(
        hiddenSize: 768, intermediateSize: 3072, attentionHeads: 12, layers: 12, imageSize: 224, patchSize: 32,
        activation: "quick_gelu")
    let model = try CLIPModel(CLIPConfiguration(text: text, vision: vision))
    try model.initializeParameters(seed: 1)
    try model.prepareTreeForInference()
    guard let image = model.image, let textEncoder = model.text else {
        throw BenchError(description: "CLIP model without both towers")
    }
    var rng = PhiloxRandom(seed: 2)
    let pixels = try rng.normal(shape: [o.imageBatch, 3, 224, 224])
    if o.tower != "text" {
        let times = try o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 1) {
            _ = try image.encode(pixels: pixels)
        }
        report("clip image b\(o.imageBatch)", flop: vitFLOP(vision, batch: o.imageBatch), times)
    }
    guard o.tower != "image" else { return }

    // Token ids: start, 19 words, end, then padding, as a short caption is.
    var ids = [Float](repeating: 0, count: o.textBatch * 77)
    for b in 0..<o.textBatch {
        ids[b * 77] = 49406
        for t in 1..<20 { ids[b * 77 + t] = Float((b * 131 + t * 17) % 49000) }
        ids[b * 77 + 20] = 49407
    }
    let tokens = try Tensor(shape: [o.textBatch, 77], scalars: ids)
    let textTimes = try o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 1) {
        _ = try textEncoder.encode(tokens: tokens)
    }
    report("clip text b\(o.textBatch)", flop: textFLOP(text, batch: o.textBatch, tokens: 77), textTimes)
}

/// Matmul FLOP of one transformer layer stack over `tokens` positions (QKV, output, MLP; attention's two products).
private func transformerFLOP(width: Int, intermediate: Int, layers: Int, tokens: Int) -> Double {
    let w = Double(width), t = Double(tokens)
    let linear = 2 * t * (4 * w * w + 2 * w * Double(intermediate))
    return Double(layers) * (linear + 4 * t * t * w)
}

/// Matmul and conv FLOP of the ViT image tower (patch embedding, layers, projection).
private func vitFLOP(_ c: CLIPVisionConfiguration, batch: Int) -> Double {
    let patches = (c.imageSize / c.patchSize) * (c.imageSize / c.patchSize)
    let patchEmbed = 2.0 * Double(patches * c.hiddenSize * 3 * c.patchSize * c.patchSize)
    let layers = transformerFLOP(
        width: c.hiddenSize, intermediate: c.intermediateSize, layers: c.layers, tokens: patches + 1)
    return Double(batch) * (patchEmbed + layers + 2.0 * Double(c.hiddenSize * c.projectionDim))
}

/// Matmul FLOP of the text tower over all `tokens` positions (padding included, as the references compute it).
private func textFLOP(_ c: CLIPTextConfiguration, batch: Int, tokens: Int) -> Double {
    let layers = transformerFLOP(
        width: c.hiddenSize, intermediate: c.intermediateSize, layers: c.layers, tokens: tokens)
    return Double(batch) * (layers + 2.0 * Double(c.hiddenSize * c.projectionDim))
}
