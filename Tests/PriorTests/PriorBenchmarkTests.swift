import Foundation
import NN
import Prior
import Testing

/// The forward pass at Karlo's configuration (1.02 B parameters, batch 2 = the guidance pair, 81 tokens), checked
/// against diffusers. Opt-in (4 GB of weights): `UNCLIP_PRIOR_KARLO=DIR` (made by `make_fixture.py --karlo-size DIR`).
/// Its speed is measured by `unclip-bench prior` (`bin/bench-models --cases prior`), not here.
struct PriorBenchmarkTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["UNCLIP_PRIOR_KARLO"] != nil))
    func karloSizeMatchesDiffusers() throws {
        let dir = Self.environment["UNCLIP_PRIOR_KARLO"] ?? ""
        let clock = ContinuousClock()
        var start = clock.now
        let model = try PriorTransformer(directory: dir)
        print("karlo size: loaded \(model.parameterCount) parameters in \(clock.now - start)")
        let io = Dictionary(
            try WeightFile(contentsOf: dir + "/io.safetensors").tensors.map { ($0.name, $0.tensor) },
            uniquingKeysWith: { a, _ in a })
        guard let latents = io["latents"], let embeds = io["proj_embedding"], let hidden = io["encoder_hidden_states"],
            let mask = io["attention_mask"], let timesteps = io["timesteps"],
            let expected = io["predicted_image_embedding"]
        else { throw FixtureError.missing("io.safetensors") }
        for _ in 0..<3 {
            start = clock.now
            let cpu = processCPUSeconds()
            let out = try model(
                latents, timesteps: timesteps.scalars, textEmbedding: embeds, hiddenStates: hidden, mask: mask)
            let wall = clock.now - start, used = processCPUSeconds() - cpu
            let error = relativeError(out, expected)
            #expect(error < 1e-4)
            print("karlo size: relative error \(error), forward \(wall), CPU \(used) s")
        }
    }
}

/// User + system CPU seconds of this process (all threads): on a shared machine, the work a forward pass took.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
