import Foundation
import NN
import Testing

@testable import UNet

/// Opt-in timing of one UNet forward pass at Karlo shapes, to compare with `Tests/Fixtures/unet/bench_torch.py`
/// (same configs and inputs): `UNET_BENCH=decoder_half swift test --filter UNetBenchmarkTests` (also `decoder`,
/// `super_res`). Random weights; prints the median and minimum of `UNET_BENCH_RUNS` (3) passes after a warm-up.
@Suite struct UNetBenchmarkTests {
    static let name = ProcessInfo.processInfo.environment["UNET_BENCH"]

    @Test(.enabled(if: name != nil)) func forwardPass() throws {
        let name = Self.name ?? "decoder_half"
        let runs = Int(ProcessInfo.processInfo.environment["UNET_BENCH_RUNS"] ?? "") ?? 3
        let config = try UNetConfig(contentsOf: UNetFixture.root.appendingPathComponent("karlo/\(name).json").path)
        let model = try UNetModel(config: config)
        try model.initializeParameters(seed: 0)
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
        _ = try model.predict(sample: x, timesteps: t, context: context, contextMask: mask, classLabels: labels)
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try model.predict(sample: x, timesteps: t, context: context, contextMask: mask, classLabels: labels)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        let params = Double(model.parameterCount) / 1e6
        print(
            String(
                format: "swift %@: %.1f M params, median %.3f s, min %.3f s", name, params, times[times.count / 2],
                times[0]))
    }
}
