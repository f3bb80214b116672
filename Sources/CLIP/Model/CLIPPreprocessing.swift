import Imaging
import NN

// Follows OpenAI CLIP's `_transform`: bicubic short-side resize, centre crop, ToTensor, Normalize(mean, std).

/// CLIP image preprocessing: bicubic resize of the short side with antialias, centre crop to the model's size,
/// then `(x − mean) / std` per channel on pixels in [0, 1].
public struct CLIPPreprocessor: Sendable {
    /// OpenAI's dataset statistics (open_clip `OPENAI_DATASET_MEAN/STD`).
    public static let openAIMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public static let openAIStd: [Float] = [0.26862954, 0.26130258, 0.27577711]

    public var size: Int
    public var mean: [Float]
    public var std: [Float]

    public init(size: Int, mean: [Float] = openAIMean, std: [Float] = openAIStd) {
        self.size = size
        self.mean = mean
        self.std = std
    }

    /// One image in [-1, 1] (`PlanarImage`'s convention) → normalised `[3, S, S]` values.
    public func normalized(_ image: PlanarImage) throws -> [Float] {
        guard image.channels == 3, image.isConsistent else {
            throw CLIPError.badInput("image with \(image.channels) channels, expected RGB")
        }
        let cropped = image.width == size && image.height == size ? image : try image.resizedAndCropped(to: size)
        let plane = size * size
        var out = cropped.values
        for c in 0..<3 {
            let m = mean[c], s = std[c]
            for i in (c * plane)..<((c + 1) * plane) { out[i] = ((out[i] + 1) * 0.5 - m) / s }
        }
        return out
    }

    /// Images → normalised pixels `[B, 3, S, S]`.
    public func pixels(_ images: [PlanarImage]) throws -> Tensor {
        var values: [Float] = []
        values.reserveCapacity(images.count * 3 * size * size)
        for image in images { values += try normalized(image) }
        return try Tensor(shape: [images.count, 3, size, size], scalars: values)
    }

    /// A batch tensor `[B, 3, H, W]` in [-1, 1] (the `image` tensor of a frame) → normalised `[B, 3, S, S]`.
    public func pixels(batch: Tensor) throws -> Tensor {
        guard batch.rank == 4, batch.shape[1] == 3, batch.shape[2] > 0, batch.shape[3] > 0 else {
            throw CLIPError.badInput("image tensor \(batch.shape), expected [B, 3, H, W]")
        }
        let (b, h, w) = (batch.shape[0], batch.shape[2], batch.shape[3])
        let all = batch.scalars, n = 3 * h * w
        return try pixels(
            (0..<b).map { i in
                try PlanarImage(channels: 3, height: h, width: w, values: Array(all[(i * n)..<((i + 1) * n)]))
            })
    }
}
