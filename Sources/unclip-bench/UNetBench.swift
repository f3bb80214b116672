import Foundation
import NN
import TensorCore
import UNet

/// The UNet of `--config-dir`/NAME.json with weights drawn from seed 0.
func randomUNet(_ o: BenchOptions, name: String) throws -> (UNetConfig, UNetModel) {
    let path = (o.unetConfigDirectory as NSString).appendingPathComponent("\(name).json")
    guard FileManager.default.fileExists(atPath: path) else {
        throw BenchError(description: "no UNet config at \(path) (run from the repository root or pass --config-dir)")
    }
    let config = try UNetConfig(contentsOf: path)
    let model = try UNetModel(config: config)
    try model.initializeParameters(seed: 0)
    return (config, model)
}

/// One forward pass of a Karlo UNet from its config in `--config-dir` with random weights: `decoder` and
/// `decoder_half` at 64×64 on the guidance pair (batch 2, 81 context tokens, 20 valid, class labels), `super_res`
/// at 256×256, batch 1.
func benchUNet(_ o: BenchOptions, name: String) throws {
    let (config, model) = try randomUNet(o, name: name)
    try model.prepareTreeForInference()
    let (batch, size, tokens) = name == "super_res" ? (1, 256, 0) : (2, 64, 81)
    var rng = PhiloxRandom(seed: 1)
    let x = try rng.normal(shape: [batch, config.inChannels, size, size])
    var context: Tensor? = nil, labels: Tensor? = nil, mask: Tensor? = nil
    if tokens > 0 {
        context = try rng.normal(shape: [batch, tokens, config.contextInputDim])
        labels = try rng.normal(shape: [batch, config.timeEmbeddingDim])
        var m = try Tensor(repeating: 1, shape: [batch, tokens])
        for b in 0..<batch { for j in 20..<tokens { m[flat: b * tokens + j] = 0 } }
        mask = m
    }
    let t = [Float](repeating: 500, count: batch)
    let times = try o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 1) {
        _ = try model.predict(sample: x, timesteps: t, context: context, contextMask: mask, classLabels: labels)
    }
    let millions = Double(model.parameterCount) / 1e6
    report(String(format: "unet %@ %.0fM b%d %dx%d", name, millions, batch, size, size), flop: nil, times)
}

/// One training step of a decoder UNet from `--config-dir`/`--config`.json with random weights: the forward pass
/// on a recording tape, an MSE loss on all output channels, the backward pass and an AdamW update (the work of
/// `unclip-train decoder` per step, without its data and diffusion bookkeeping). Inputs: `--batch` images at the
/// config's sample size, t = 500, 36 context tokens (the embedded decoder's 4 image + 32 caption tokens), class
/// labels. `bin/bench-models --cases decoder-train` runs the same step in diffusers/PyTorch.
func benchUNetTraining(_ o: BenchOptions) throws {
    let (config, model) = try randomUNet(o, name: o.unetConfig)
    let optimizer = AdamW(parameters: model.parameters().map(\.value), learningRate: 1e-4, weightDecay: 0)
    let (batch, size, tokens) = (o.batch, config.sampleSize ?? 64, 36)
    var rng = PhiloxRandom(seed: 1)
    let x = try rng.normal(shape: [batch, config.inChannels, size, size])
    let target = try rng.normal(shape: [batch, config.outChannels, size, size])
    let context = try rng.normal(shape: [batch, tokens, config.contextInputDim])
    let labels = try rng.normal(shape: [batch, config.timeEmbeddingDim])
    let t = [Float](repeating: 500, count: batch)
    let times = try o.clock.measure(seconds: o.seconds, minReps: o.minReps, warmups: o.warmups ?? 1) {
        let tape = Tape()
        let out = try model(
            .constant(x), timesteps: t, context: .constant(context), classLabels: .constant(labels), tape: tape)
        try tape.backward(try tape.mseLoss(out, target: target))
        optimizer.update()
        optimizer.zeroGrad()
    }
    let millions = Double(model.parameterCount) / 1e6
    report(String(format: "unet-train %@ %.1fM b%d %dx%d", o.unetConfig, millions, batch, size, size), flop: nil, times)
}
