import Imaging
import NN
import Shapes

/// Training pairs for a 4× diffusion upsampler, rendered on the fly from Shapes scenes.
///
/// Each example: a training-split scene rendered at `targetSize` (antialiased); its low-resolution version, the
/// render resized to `targetSize / 4` (bicubic, antialias) and corrupted by the `corruption`; a random
/// `cropSize` window of the sharp render, and the same window of the corrupted image resized back up ×4
/// (bicubic, as `SuperResolution.upsample` does at full size). Crops start on multiples of 4 so that the window
/// covers whole low-resolution pixels; the low-resolution crop is resized with a margin and cut, which gives
/// exactly the values of resizing the whole image and cutting (the bicubic window is 4 pixels wide).
/// All draws come from the caller's `PhiloxRandom` stream, so a batch is a pure function of its state.
public struct UpsamplerBatchSource: Sendable {
    /// The corruption of the conditioning image.
    public enum Corruption: String, Sendable, CaseIterable {
        /// Isotropic Gaussian blur, σ 0.1…0.6 low-resolution pixels (the 64→256 upsampler).
        case blur
        /// BSR-style blur, resize, noise and JPEG (the 256→1024 upsampler).
        case bsr
        /// None (evaluation).
        case none

        /// The degradation this corruption draws from `seed`.
        public func degradation(seed: UInt64) -> Degradation {
            switch self {
            case .blur: return .gaussianBlur(seed: seed)
            case .bsr: return .bsr(seed: seed)
            case .none: return Degradation(steps: [])
            }
        }
    }

    public static let factor = 4
    /// Low-resolution pixels of margin around a crop before resizing (bicubic reads 2 on each side).
    static let margin = 3

    public var targetSize: Int
    public var cropSize: Int
    public var corruption: Corruption
    public var split: Split
    public var options: SamplingOptions

    public init(
        targetSize: Int, cropSize: Int, corruption: Corruption, split: Split = .train, options: SamplingOptions = .full
    ) throws {
        let f = Self.factor
        guard targetSize >= f, targetSize <= 1024, targetSize % f == 0 else {
            throw TrainingError.badOption("target size \(targetSize) must be a multiple of 4 in 4...1024")
        }
        guard cropSize >= f, cropSize <= targetSize, cropSize % f == 0 else {
            throw TrainingError.badOption("crop size \(cropSize) must be a multiple of 4 in 4...\(targetSize)")
        }
        self.targetSize = targetSize
        self.cropSize = cropSize
        self.corruption = corruption
        self.split = split
        self.options = options
    }

    /// One example drawn as the batch draws it.
    public struct Example: Sendable {
        public var scene: Scene
        public var top: Int, left: Int
        public var degradation: Degradation
    }

    /// The scenes, crop positions and degradations of the next `size` examples (4 words each from `random`).
    public func examples(size: Int, random: inout PhiloxRandom) -> [Example] {
        let words = random.nextWords(count: 4 * size)
        let positions = (targetSize - cropSize) / Self.factor + 1
        return (0..<size).map { i in
            let seed = UInt64(words[4 * i]) << 32 | UInt64(words[4 * i + 1])
            let place = words[4 * i + 2]
            let top = Int(place % UInt32(positions)) * Self.factor
            let left = Int((place / UInt32(positions)) % UInt32(positions)) * Self.factor
            let degradationSeed = UInt64(words[4 * i + 3]) &* 0x9E37_79B9_7F4A_7C15 ^ seed
            return Example(
                scene: Scene(seed: seed, split: split, options: options), top: top, left: left,
                degradation: corruption.degradation(seed: degradationSeed))
        }
    }

    /// One batch: the sharp crops `high` `[B, 3, c, c]` and the conditioning crops `low` `[B, 3, c, c]`
    /// (corrupted, resized ×4), both in [−1, 1] (the conditioning clamped, as at sampling time).
    public func batch(size: Int, random: inout PhiloxRandom) throws -> (high: Tensor, low: Tensor) {
        let examples = examples(size: size, random: &random)
        var high: [Float] = [], low: [Float] = []
        high.reserveCapacity(size * 3 * cropSize * cropSize)
        low.reserveCapacity(size * 3 * cropSize * cropSize)
        for e in examples {
            let (h, l) = try pair(e)
            high += h.values
            low += l.values
        }
        let shape = [size, 3, cropSize, cropSize]
        return (try Tensor(shape: shape, scalars: high), try Tensor(shape: shape, scalars: low))
    }

    /// The sharp crop and the conditioning crop of one example.
    public func pair(_ e: Example) throws -> (high: PlanarImage, low: PlanarImage) {
        let sharp = try PlanarImage(
            channels: 3, height: targetSize, width: targetSize, values: e.scene.renderPlanar(size: targetSize))
        let small = try Self.lowResolution(sharp, corruption: e.degradation)
        return (
            try sharp.cropped(top: e.top, left: e.left, height: cropSize, width: cropSize),
            try Self.conditioning(small, top: e.top, left: e.left, size: cropSize)
        )
    }

    /// The sharp image resized to a quarter (bicubic, antialias), corrupted and clamped to [−1, 1].
    public static func lowResolution(_ sharp: PlanarImage, corruption: Degradation) throws -> PlanarImage {
        var small = try corruption.apply(
            to: sharp.resized(height: sharp.height / factor, width: sharp.width / factor))
        small.values = small.values.map { min(max($0, -1), 1) }
        return small
    }

    /// The window (`top`, `left`, `size`) of `small` resized ×4 bicubically, computed from a crop of `small` with
    /// a margin so that it equals the same window of the whole image resized. `top`, `left`, `size`: multiples
    /// of 4, in output pixels.
    public static func conditioning(_ small: PlanarImage, top: Int, left: Int, size: Int) throws -> PlanarImage {
        let f = factor
        let (y0, x0, n) = (top / f, left / f, size / f)
        let y1 = max(0, y0 - margin), x1 = max(0, x0 - margin)
        let y2 = min(small.height, y0 + n + margin), x2 = min(small.width, x0 + n + margin)
        let window = try small.cropped(top: y1, left: x1, height: y2 - y1, width: x2 - x1)
        let up = try window.resized(height: (y2 - y1) * f, width: (x2 - x1) * f)
        return try up.cropped(top: (y0 - y1) * f, left: (x0 - x1) * f, height: size, width: size)
    }
}
