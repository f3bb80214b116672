/// One drawn corruption of an upsampler's conditioning image: the steps in the order they apply. Every step keeps
/// the image's shape. Draw one with `gaussianBlur(seed:sigma:)` (the 64→256 upsampler) or `bsr(seed:)` (the
/// 256→1024 upsampler); the same seed gives the same degradation.
// Follows the corruptions of unCLIP's upsampler training (paper, appendix C) and BSRGAN's degradation model
// (Zhang et al. 2021): blur, resize with a random kernel, noise and JPEG, here in a fixed order.
public struct Degradation: Equatable, Sendable {
    public enum Step: Equatable, Sendable {
        /// Anisotropic Gaussian blur (σ along `angle`, σ across it, in pixels).
        case blur(sigmaX: Double, sigmaY: Double, angle: Double)
        /// Shrink by `scale` with one filter and enlarge back to the original size with another.
        case resize(scale: Double, down: ResizeFilter, up: ResizeFilter)
        /// Additive Gaussian noise of `sigma` (pixel-value units, [−1, 1] images) from `seed`.
        case noise(sigma: Double, seed: UInt64)
        /// JPEG-like block-DCT quantisation at `quality` (1…100).
        case jpeg(quality: Int)
    }

    public var steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// An isotropic Gaussian blur with σ uniform in `sigma` (the first upsampler's corruption).
    public static func gaussianBlur(seed: UInt64, sigma: ClosedRange<Double> = 0.1...0.6) -> Degradation {
        var rng = DegradationRandom(seed: seed)
        let s = rng.uniform(sigma)
        return Degradation(steps: [.blur(sigmaX: s, sigmaY: s, angle: 0)])
    }

    /// A BSR-style chain for the second upsampler: an anisotropic blur (σ in 0.2…1.5, random angle), then with
    /// probability ½ a shrink by 0.5…1 and enlargement back with random filters, then with probability ½ Gaussian
    /// noise (σ 0…0.05 in [−1, 1] pixel units, about 6 of 255 levels), then with probability ½ JPEG
    /// quantisation at quality 40…95.
    public static func bsr(seed: UInt64) -> Degradation {
        var rng = DegradationRandom(seed: seed)
        var steps: [Step] = []
        let filters = ResizeFilter.allCases
        steps.append(
            .blur(sigmaX: rng.uniform(0.2...1.5), sigmaY: rng.uniform(0.2...1.5), angle: rng.uniform(0...Double.pi)))
        if rng.chance(0.5) {
            let scale = rng.uniform(0.5...1)
            let down = filters[Int(rng.next() % UInt64(filters.count))]
            let up = filters[Int(rng.next() % UInt64(filters.count))]
            steps.append(.resize(scale: scale, down: down, up: up))
        }
        if rng.chance(0.5) { steps.append(.noise(sigma: rng.uniform(0...0.05), seed: rng.next())) }
        if rng.chance(0.5) { steps.append(.jpeg(quality: Int(rng.uniform(40...95).rounded()))) }
        return Degradation(steps: steps)
    }

    /// Applies the steps in order; the result has `image`'s shape.
    public func apply(to image: PlanarImage) throws -> PlanarImage {
        var x = image
        for step in steps {
            switch step {
            case .blur(let sx, let sy, let angle):
                x = try x.blurred(sigmaX: sx, sigmaY: sy, angle: angle)
            case .resize(let scale, let down, let up):
                let h = max(1, Int((Double(x.height) * scale).rounded()))
                let w = max(1, Int((Double(x.width) * scale).rounded()))
                let (height, width) = (x.height, x.width)
                x = try x.resized(height: h, width: w, filter: down).resized(height: height, width: width, filter: up)
            case .noise(let sigma, let seed):
                x = try x.addingNoise(sigma: sigma, seed: seed)
            case .jpeg(let quality):
                guard x.channels == 3 else { continue }
                x = try x.jpegQuantized(quality: quality)
            }
        }
        return x
    }
}
