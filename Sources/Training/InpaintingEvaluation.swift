import Foundation
import NN
import Shapes
import UNet

/// The inpainting quality number, for either mode of `Inpainting` (a GLIDE-style inpainting decoder, or RePaint
/// with a plain decoder): in held-out single-object scenes a square around the object is masked out and
/// regenerated from the scene's TRUE CLIP image embedding and caption. Because the mask erases the whole object,
/// `SceneChecker` can only find the asked colour, shape and position in the pixels if the model drew them again.
/// The largest change outside the squares is recorded too (0: the kept region came back untouched).
public struct InpaintingEvaluation: SceneScores, Sendable {
    public var colour: Double
    public var shape: Double
    public var position: Double
    public var all: Double
    /// The largest absolute change of a pixel value outside the masked squares (range [−1, 1]).
    public var keptChange: Float
    public var scenes: Int
    public var split: Split
    public var mode: Inpainting.Mode
    /// The inpainted images `[N, 3, S, S]` in [−1, 1] (for a contact sheet).
    public var images: [Float]
    public var imageSize: Int

    /// One line for logs.
    public var summary: String {
        func p(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
        return "\(mode) inpainting: colour \(p(colour)) shape \(p(shape)) position \(p(position)) all \(p(all)); "
            + "largest change outside the mask \(keptChange) (\(scenes) \(split.rawValue) scenes)"
    }

    /// The square masked in `scene` at side `size`: 1.5 times the object's bounding disc, at least a quarter of the
    /// side, clipped to the image; as (x, y, width, height) in pixels.
    public static func box(around scene: Scene, size: Int) -> (x: Int, y: Int, width: Int, height: Int) {
        let object = scene.objects[0]
        let half = max(1.5 * object.radius, 0.125) * Double(size)
        let cx = object.x * Double(size), cy = object.y * Double(size)
        let x0 = max(0, Int((cx - half).rounded(.down))), x1 = min(size, Int((cx + half).rounded(.up)))
        let y0 = max(0, Int((cy - half).rounded(.down))), y1 = min(size, Int((cy + half).rounded(.up)))
        return (x0, y0, x1 - x0, y1 - y0)
    }

    /// Inpaints `scenes` single-object scenes of `split` (seeds 0..<N, caption variant 0) with the decoder folder
    /// `folder`, conditioned by `data`'s CLIP, and checks them.
    public init(
        folder: String, data: DecoderBatchBuilder, scenes count: Int, split: Split, options: DecodingOptions,
        seed: UInt64
    ) throws {
        let (decoder, unconditional) = try DecoderEvaluation.loadForInference(folder)
        let drawn = DecoderEvaluation.scenes(count, split: split)
        let size = decoder.unet.config.sampleSize ?? 64
        let plane = size * size
        var pixels = [Float](), mask = [Float](repeating: 0, count: count * plane)
        for (i, scene) in drawn.enumerated() {
            pixels += scene.renderPlanar(size: size)
            let b = Self.box(around: scene, size: size)
            for y in b.y..<(b.y + b.height) {
                for x in b.x..<(b.x + b.width) { mask[i * plane + y * size + x] = 1 }
            }
        }
        let image = try Tensor(shape: [count, 3, size, size], scalars: pixels)
        let inpainting = Inpainting(decoder: decoder)
        let out = try inpainting.inpaint(
            image: image, mask: Tensor(shape: [count, 1, size, size], scalars: mask),
            imageEmbedding: data.imageEmbeddings(drawn), caption: DecoderEvaluation.captions(of: drawn, data: data),
            unconditional: unconditional, options: options, seed: seed)
        images = out.image.scalars
        (colour, shape, position, all) = DecoderEvaluation.tally(images, scenes: drawn, size: size)
        var change: Float = 0
        for i in 0..<count * 3 * plane where mask[(i / (3 * plane)) * plane + i % plane] == 0 {
            change = max(change, abs(images[i] - pixels[i]))
        }
        keptChange = change
        scenes = count
        self.split = split
        mode = inpainting.mode
        imageSize = size
    }

    /// Writes a PNG grid, eight pairs per row: each scene's render, then the inpainted image.
    public func writeContactSheet(to path: String) throws {
        try DecoderEvaluation.writeContactSheet(
            images: images, size: imageSize, scenes: scenes, split: split, to: path)
    }
}
