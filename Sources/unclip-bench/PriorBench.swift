import Foundation
import NN
import Prior
import TensorCore

/// One forward pass of Karlo's diffusion prior (diffusers' `PriorTransformer()` defaults: 20 layers, 32 heads × 64,
/// 768-d embeddings, 77 + 4 tokens; 1.02 B parameters) on the guidance pair (batch 2), 12 of 77 text tokens
/// valid. `--scale s` keeps round(20 s) layers and round(32 s) heads.
func benchPrior(_ o: BenchOptions) throws {
    var c = PriorConfiguration()
    c.layers = max(1, Int((Double(c.layers) * o.scale).rounded()))
    c.heads = max(1, Int((Double(c.heads) * o.scale).rounded()))
    let model = try PriorTransformer(c)
    try model.initializeParameters(seed: 1)
    try model.prepareTreeForInference()
    var rng = PhiloxRandom(seed: 2)
    let batch = 2
    let latents = try rng.normal(shape: [batch, c.embeddingDim])
    let text = try rng.normal(shape: [batch, c.embeddingDim])
    let hidden = try rng.normal(shape: [batch, c.textLength, c.embeddingDim])
    var mask = try Tensor(zeros: [batch, c.textLength])
    mask.withUnsafeMutableBufferPointer { p in
        for i in 0..<batch * c.textLength where i % c.textLength < 12 { p[i] = 1 }
    }
    let times = try o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 1) {
        _ = try model(latents, timesteps: [500], textEmbedding: text, hiddenStates: hidden, mask: mask)
    }
    // Layers over all 81 positions (QKV + output + 4× MLP, attention's two products); the projections around them
    // are under 0.1 %.
    let d = Double(c.innerDim), t = Double(c.textLength + c.additionalEmbeddings)
    let flop = Double(batch) * Double(c.layers) * (2 * t * 12 * d * d + 4 * t * t * d)
    let millions = Double(model.parameterCount) / 1e6
    report(String(format: "prior l%d h%d %.0fM b%d", c.layers, c.heads, millions, batch), flop: flop, times)
}
