import Diffusion
import Foundation
import NN

/// Inpainting with the decoder: regenerates the masked region of an image, keeping the rest.
///
/// Two modes, chosen by the decoder's config:
/// - **conditioned** (GLIDE): the UNet has `in_channels` = 2C + 1 and sees `[x_t, image · keep, keep]` on the
///   channel axis (keep = 1 − mask), as glide-text2im's `InpaintText2ImUNet` was trained;
/// - **repaint** (RePaint, Lugmayr et al. 2022): any decoder, no retraining.
///
/// In both modes, after every reverse step t → prev the known region of x_prev is replaced by the original image
/// forward-noised to prev (q(x_prev | x₀), exact at the last step), so the unmasked pixels of the result are the
/// input's. With `resample` r > 1 each step is repeated r times, x_prev being re-noised to t in between (RePaint's
/// resampling with jump length 1), which lets the generated region agree with the known one.
public struct Inpainting {
    /// How the known region enters the model.
    public enum Mode: String, Sendable {
        case conditioned, repaint
    }

    public let decoder: Decoder

    public init(decoder: Decoder) { self.decoder = decoder }

    /// The mode the decoder's config selects.
    public var mode: Mode { decoder.takesInpaintingChannels ? .conditioned : .repaint }

    /// Inpaints a batch.
    ///
    /// - Parameters:
    ///   - image: `[B, C, H, W]` in [−1, 1]; H and W multiples of the UNet's down-sampling.
    ///   - mask: `[B, 1, H, W]` in [0, 1]: 1 = regenerate, 0 = keep (fractions blend).
    ///   - imageEmbedding, textEmbedding, textHidden, textMask: the conditioning, rows as in `Decoder.sample`.
    ///   - steps, guidance, eta: as in `Decoder.sample`.
    ///   - resample: RePaint's r ≥ 1 (1 = no resampling).
    ///   - seed: Philox seed; x_T is drawn first, then step noise and the noise that forward-noises the original.
    ///   - noise: a starting x_T `[B, C, H, W]` to replay instead of drawing one.
    /// - Returns: the image `[B, C, H, W]` clamped to [−1, 1] and x_T.
    public func sample(
        image: Tensor, mask: Tensor, imageEmbedding: Tensor, textEmbedding: Tensor, textHidden: Tensor,
        textMask: Tensor?, steps: Int = 25, guidance: Float = 8, eta: Double? = nil, resample: Int = 1,
        seed: UInt64, noise: Tensor? = nil, progress: ((Int, Int) -> Void)? = nil
    ) throws -> Decoder.Output {
        let c = decoder.imageChannels
        guard image.rank == 4, image.shape[0] == imageEmbedding.shape.first, image.shape[1] == c else {
            throw UNetError.invalidInput(
                name: "image", shape: image.shape, expected: "[\(imageEmbedding.shape.first ?? 0), \(c), H, W]")
        }
        let shape = image.shape
        let (b, h, w) = (shape[0], shape[2], shape[3])
        guard mask.shape == [b, 1, h, w] else {
            throw UNetError.invalidInput(name: "mask", shape: mask.shape, expected: "[\(b), 1, \(h), \(w)]")
        }
        guard mask.scalars.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw UNetError.invalidValue(name: "mask", reason: "values must lie in [0, 1] (1 = regenerate)")
        }
        guard resample >= 1 else {
            throw UNetError.invalidValue(name: "resample", reason: "\(resample) is below 1")
        }
        guard image.scalars.allSatisfy(\.isFinite) else {
            throw UNetError.invalidValue(name: "image", reason: "holds a NaN or infinite value")
        }
        try decoder.validateSpatial(shape)
        let original = image.scalars.map { Swift.min(Swift.max($0, -1), 1) }
        // The mask broadcast over the channels: m[i] for every element of x.
        let plane = h * w
        let m = mask.scalars
        var regenerate = [Float](repeating: 0, count: original.count)
        for item in 0..<b {
            for channel in 0..<c {
                for p in 0..<plane { regenerate[(item * c + channel) * plane + p] = m[item * plane + p] }
            }
        }
        var extra: Tensor? = nil
        if mode == .conditioned {
            // GLIDE's extra inputs: the kept pixels and the keep mask, [B, C + 1, H, W].
            let kept = try Tensor(shape: shape, scalars: zip(original, regenerate).map { $0 * (1 - $1) })
            let keep = try Tensor(shape: [b, 1, h, w], scalars: m.map { 1 - $0 })
            extra = try Tensor.concatenate([kept, keep], axis: 1)
        }
        let denoiser = try decoder.denoiser(
            imageEmbedding: imageEmbedding, textEmbedding: textEmbedding, textHidden: textHidden, mask: textMask,
            guidance: guidance)
        let model = denoiser.model(shape: shape, extraChannels: extra)
        let sampler = try decoder.sampler(eta: eta)
        let schedule = decoder.schedule
        let timesteps = try decoder.timesteps(steps: steps, eta: eta)

        let count = original.count
        var source = PhiloxNoiseSource(seed: seed)
        var x = source.normals(count: count)
        if let noise {
            guard noise.shape == shape else {
                throw UNetError.invalidInput(name: "noise", shape: noise.shape, expected: "\(shape)")
            }
            x = noise.scalars
        }
        let start = try Tensor(shape: shape, scalars: x)
        for (index, pair) in timesteps.enumerated() {
            for round in 0..<resample {
                let output = try model(x, pair.timestep)
                let z =
                    sampler.needsNoise(timestep: pair.timestep, previous: pair.previous)
                    ? source.normals(count: count) : nil
                x = try sampler.step(
                    sample: x, output: output, timestep: pair.timestep, previous: pair.previous, noise: z
                ).previousSample
                // The known region at the noise level of prev: √ᾱ x₀ + √(1 − ᾱ) ε (x₀ itself at the end).
                let alphaPrevious = schedule.alphaCumprod(at: pair.previous)
                let knownNoise = pair.previous >= 0 ? source.normals(count: count) : nil
                let (signal, spread) = (Float(alphaPrevious.squareRoot()), Float((1 - alphaPrevious).squareRoot()))
                for i in 0..<count {
                    let known = signal * original[i] + spread * (knownNoise?[i] ?? 0)
                    x[i] = regenerate[i] * x[i] + (1 - regenerate[i]) * known
                }
                // Resampling: back from prev to t with q(x_t | x_prev), then the step again.
                if round + 1 < resample, pair.previous >= 0 {
                    let a = schedule.alphaCumprod(at: pair.timestep) / alphaPrevious
                    let jump = source.normals(count: count)
                    let (keep, add) = (Float(a.squareRoot()), Float((1 - a).squareRoot()))
                    for i in 0..<count { x[i] = keep * x[i] + add * jump[i] }
                } else if round + 1 < resample {
                    break
                }
            }
            progress?(index, timesteps.count)
        }
        let result = x.map { Swift.min(Swift.max($0, -1), 1) }
        return Decoder.Output(image: try Tensor(shape: shape, scalars: result), noise: start)
    }
}
