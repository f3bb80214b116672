import Foundation
import Shapes

/// The synthetic data generator: rendering 64 scenes at 64, 256 and 1024 pixels, the pixel checker at 64,
/// and sampling + captioning (the per-step cost of training on scenes rendered on the fly).
func benchShapes(_ o: BenchOptions) throws {
    let scenes = (UInt64(0)..<64).map { Scene(seed: $0, split: .train) }
    for size in [64, 256, 1024] {
        let times = o.clock.measure(seconds: o.seconds, minReps: min(o.minReps, 3), warmups: 1) {
            for scene in scenes { consume(scene.render(size: size)) }
        }
        report("shapes render 64 scenes \(size)x\(size)", flop: nil, times)
    }
    let pixels = scenes.map { $0.render(size: 64) }
    let checker = SceneChecker()
    let checks = o.clock.measure(seconds: o.seconds, minReps: min(o.minReps, 3), warmups: 1) {
        for (scene, image) in zip(scenes, pixels) {
            _ = checker.check(pixels: image, width: 64, height: 64, target: CheckTarget(scene.objects[0]))
        }
    }
    report("shapes check 64 images 64x64", flop: nil, checks)
    let captions = o.clock.measure(seconds: o.seconds, minReps: min(o.minReps, 3), warmups: 1) {
        for seed in UInt64(0)..<10_000 { _ = Scene(seed: seed, split: .train).caption }
    }
    report("shapes sample + caption 10000 scenes", flop: nil, captions)
}

/// Keeps a result alive so the optimiser cannot drop the work that made it.
@inline(never)
func consume<T>(_ value: T) { withExtendedLifetime(value) {} }
