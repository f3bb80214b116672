import Foundation
import Testing

@testable import Shapes

/// Opt-in: `SHAPES_TIMING=1 swift test --filter TimingTests` prints render and checker times (the Shapes
/// library is built with -Ounchecked even in debug builds, so these are optimized timings).
@Suite struct TimingTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SHAPES_TIMING"] != nil))
    func printTimings() {
        let scenes = (UInt64(0)..<64).map { Scene(seed: $0, split: .train) }
        for size in [64, 256, 1024] {
            let repeats = size == 1024 ? 1 : (size == 256 ? 2 : 20)
            var checksum = 0
            let start = Date()
            for _ in 0..<repeats {
                for scene in scenes { checksum &+= Int(scene.render(size: size)[0]) }
            }
            let each = Date().timeIntervalSince(start) / Double(repeats * scenes.count)
            print("render \(size)x\(size): \(String(format: "%.3f", each * 1000)) ms per scene (\(checksum))")
        }
        let checker = SceneChecker()
        let start = Date()
        for scene in scenes {
            _ = checker.check(
                pixels: scene.render(size: 64), width: 64, height: 64, target: CheckTarget(scene.objects[0]))
        }
        print("check 64x64: \(String(format: "%.3f", Date().timeIntervalSince(start) / 64 * 1000)) ms per image")
        let sampleStart = Date()
        for seed in UInt64(0)..<10_000 { _ = Scene(seed: seed, split: .train).caption }
        print(
            "sample + caption: \(String(format: "%.2f", Date().timeIntervalSince(sampleStart) / 10_000 * 1e6)) µs per scene"
        )
    }
}
