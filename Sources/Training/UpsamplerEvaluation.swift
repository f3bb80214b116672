import Foundation
import Imaging
import NN
import Shapes
import UNet

/// How well a 4× upsampler restores held-out scenes, against plain bicubic resizing: each test-split scene is
/// rendered at the low size (the upsampler's input) and at the target size (the truth); both methods get the low
/// render. Reports PSNR against the truth and two sharpness ratios to the truth's: the gradient energy (mean
/// squared gradient magnitude, central differences: Tenengrad) and the variance of the Laplacian, over all channels,
/// averaged over scenes. (The mean gradient magnitude would not do: across a monotone edge it sums to the step
/// height however blurred the edge is.) A ratio below 1 is blurrier than the true render, above 1 noisier or
/// over-sharpened; bicubic resizing of a 4× smaller image scores well below 1.
public struct UpsamplerEvaluation: Sendable {
    /// The scores of one method.
    public struct Scores: Sendable, Equatable {
        /// Mean PSNR in dB (peak-to-peak 2 for [−1, 1] images).
        public var psnr: Double
        /// Gradient energy over the truth's.
        public var gradientRatio: Double
        /// Laplacian variance over the truth's.
        public var laplacianRatio: Double
    }

    public var lowSize: Int
    public var targetSize: Int
    public var scenes: Int
    public var steps: Int
    public var model: Scores
    public var bicubic: Scores
    /// Wall seconds of the upsampler over all scenes.
    public var seconds: Double

    /// Evaluates `upsampler` on test scenes `0..<scenes` at `targetSize` with `steps` sampling steps.
    public init(
        upsampler: SuperResolution, targetSize: Int, scenes: Int, steps: Int = 7, seed: UInt64 = 0, batch: Int = 1,
        progress: ((Int) -> Void)? = nil
    ) throws {
        try self.init(
            chain: [upsampler], targetSize: targetSize, scenes: scenes, steps: steps, seed: seed, batch: batch,
            progress: progress)
    }

    /// Evaluates upsamplers applied in turn (each ×4, e.g. 64→256→1024) from the render at `targetSize / 4ⁿ`;
    /// bicubic resizes that render straight to `targetSize`.
    public init(
        chain: [SuperResolution], targetSize: Int, scenes: Int, steps: Int = 7, seed: UInt64 = 0, batch: Int = 1,
        progress: ((Int) -> Void)? = nil
    ) throws {
        let factor = chain.reduce(1) { f, _ in f * 4 }
        guard !chain.isEmpty, targetSize % factor == 0, targetSize / factor >= 4, scenes > 0, batch > 0 else {
            throw TrainingError.badOption(
                "target size \(targetSize) (a multiple of \(factor)), \(scenes) scenes, batch \(batch)")
        }
        let low = targetSize / factor
        self.lowSize = low
        self.targetSize = targetSize
        self.scenes = scenes
        self.steps = steps
        var sums = [[Double]](repeating: [0, 0, 0], count: 2)
        var seconds = 0.0
        var start = 0
        while start < scenes {
            let end = min(scenes, start + batch)
            let items = (start..<end).map { Scene(seed: UInt64($0), split: .test) }
            var lowValues: [Float] = []
            for scene in items { lowValues += scene.renderPlanar(size: low) }
            let input = try Tensor(shape: [items.count, 3, low, low], scalars: lowValues)
            let clock = Date()
            var out = input
            for upsampler in chain {
                out = try upsampler.upsample(image: out, steps: steps, seed: seed &+ UInt64(start)).image
            }
            seconds += Date().timeIntervalSince(clock)
            let item = 3 * targetSize * targetSize
            for (i, scene) in items.enumerated() {
                let truth = try PlanarImage(
                    channels: 3, height: targetSize, width: targetSize, values: scene.renderPlanar(size: targetSize))
                let small = try PlanarImage(
                    channels: 3, height: low, width: low,
                    values: Array(lowValues[(i * 3 * low * low)...].prefix(3 * low * low)))
                var bicubic = try small.resized(height: targetSize, width: targetSize)
                bicubic.values = bicubic.values.map { min(max($0, -1), 1) }
                let ours = try PlanarImage(
                    channels: 3, height: targetSize, width: targetSize,
                    values: Array(out.scalars[(i * item)..<((i + 1) * item)]))
                let reference = Self.sharpness(truth)
                for (m, image) in [ours, bicubic].enumerated() {
                    let s = Self.sharpness(image)
                    sums[m][0] += Self.psnr(image, truth)
                    sums[m][1] += s.gradient / reference.gradient
                    sums[m][2] += s.laplacian / reference.laplacian
                }
            }
            start = end
            progress?(end)
        }
        let n = Double(scenes)
        model = Scores(psnr: sums[0][0] / n, gradientRatio: sums[0][1] / n, laplacianRatio: sums[0][2] / n)
        bicubic = Scores(psnr: sums[1][0] / n, gradientRatio: sums[1][1] / n, laplacianRatio: sums[1][2] / n)
        self.seconds = seconds
    }

    /// PSNR in dB of `a` against `b`, both in [−1, 1] (peak-to-peak 2).
    public static func psnr(_ a: PlanarImage, _ b: PlanarImage) -> Double {
        var s = 0.0
        for i in 0..<a.values.count {
            let d = Double(a.values[i]) - Double(b.values[i])
            s += d * d
        }
        let mse = max(s / Double(a.values.count), 1e-12)
        return 10 * log10(4 / mse)
    }

    /// Gradient energy (mean squared gradient magnitude, central differences) and Laplacian variance
    /// (4-neighbour), over the interior of every channel.
    public static func sharpness(_ image: PlanarImage) -> (gradient: Double, laplacian: Double) {
        let (h, w) = (image.height, image.width)
        guard h >= 3, w >= 3 else { return (0, 0) }
        let v = image.values
        var gradient = 0.0, sum = 0.0, square = 0.0
        var n = 0.0
        for c in 0..<image.channels {
            let plane = c * h * w
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) {
                    let i = plane + y * w + x
                    let gx = Double(v[i + 1] - v[i - 1]) / 2, gy = Double(v[i + w] - v[i - w]) / 2
                    gradient += gx * gx + gy * gy
                    let lap = Double(v[i + 1] + v[i - 1] + v[i + w] + v[i - w] - 4 * v[i])
                    sum += lap
                    square += lap * lap
                    n += 1
                }
            }
        }
        let mean = sum / n
        return (gradient / n, square / n - mean * mean)
    }

    /// A Markdown table: upsampler and bicubic, PSNR and the sharpness ratios.
    public var table: String {
        func row(_ name: String, _ s: Scores) -> String {
            String(
                format: "| %@ | %.2f | %.3f | %.3f |", name, s.psnr, s.gradientRatio, s.laplacianRatio)
        }
        return """
            \(scenes) held-out (test split) scenes, \(lowSize)×\(lowSize) render → \(targetSize)×\(targetSize), \
            \(steps) steps, \(String(format: "%.1f", seconds / Double(scenes))) s/image
            | method | PSNR dB | gradient-energy ratio | Laplacian-variance ratio |
            |---|---|---|---|
            \(row("upsampler", model))
            \(row("bicubic", bicubic))
            """
    }
}
