import Imaging
import NN

extension SuperResolution {
    /// Upsamples images by `factor`: the low-resolution input is clamped to [−1, 1] and resized bicubically with
    /// antialias to the output size (as the references do), then `sample` draws the sharp image.
    ///
    /// - Parameters:
    ///   - image: `[B, C, h, w]` in [−1, 1].
    ///   - factor: output size over input size (Karlo's upsampler: 4, 64 → 256).
    ///   - noise: x_T `[B, C, factor·h, factor·w]` to replay.
    public func upsample(
        image: Tensor, factor: Int = 4, steps: Int = 7, seed: UInt64, noise: Tensor? = nil,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Decoder.Output {
        let c = first.config.outChannels
        guard image.rank == 4, image.shape[0] > 0, image.shape[1] == c, image.shape[2] > 0, image.shape[3] > 0 else {
            throw UNetError.invalidInput(name: "image", shape: image.shape, expected: "[B, \(c), h, w]")
        }
        guard factor >= 1, image.shape[2] * factor <= 1 << 14, image.shape[3] * factor <= 1 << 14 else {
            throw UNetError.invalidInput(
                name: "image", shape: image.shape, expected: "an output of at most 16384 pixels a side")
        }
        guard image.scalars.allSatisfy(\.isFinite) else {
            throw UNetError.invalidValue(name: "image", reason: "holds a NaN or infinite value")
        }
        let (b, h, w) = (image.shape[0], image.shape[2], image.shape[3])
        let (outH, outW) = (h * factor, w * factor)
        let clamped = image.scalars.map { Swift.min(Swift.max($0, -1), 1) }
        var resized: [Float] = []
        resized.reserveCapacity(b * c * outH * outW)
        let item = c * h * w
        for i in 0..<b {
            let planar = try PlanarImage(
                channels: c, height: h, width: w, values: Array(clamped[(i * item)..<((i + 1) * item)]))
            resized += try planar.resized(height: outH, width: outW).values
        }
        let low = try Tensor(shape: [b, c, outH, outW], scalars: resized)
        return try sample(lowResolution: low, steps: steps, seed: seed, noise: noise, progress: progress)
    }
}
