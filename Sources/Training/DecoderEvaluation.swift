import Foundation
import Imaging
import NN
import Shapes
import UNet

/// What the decoder and inpainting evaluations report: fractions of held-out single-object scenes whose image holds
/// the asked colour, shape, position, and all three.
public protocol SceneScores {
    var colour: Double { get }
    var shape: Double { get }
    var position: Double { get }
    var all: Double { get }
    var scenes: Int { get }
    var imageSize: Int { get }
    /// One line for logs.
    var summary: String { get }
}

/// The decoder's own quality number: for held-out single-object scenes, decode from the TRUE CLIP image
/// embedding and the caption (no prior) with the sampler and guidance the pipeline uses, and let the programmatic
/// `SceneChecker` judge the colour, shape and position of the object in the pixels.
public struct DecoderEvaluation: SceneScores, Sendable {
    /// Fraction of images with a blob of the asked colour.
    public var colour: Double
    /// Fraction whose blob of that colour has the asked shape.
    public var shape: Double
    /// Fraction whose blob of that colour is at the asked position.
    public var position: Double
    /// Colour, shape and position all right.
    public var all: Double
    public var scenes: Int
    public var split: Split
    /// The decoded images `[N, 3, S, S]` in [−1, 1] (for a contact sheet).
    public var images: [Float]
    public var imageSize: Int

    /// One line for logs.
    public var summary: String {
        func p(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
        return
            "colour \(p(colour)) shape \(p(shape)) position \(p(position)) all \(p(all)) (\(scenes) \(split.rawValue) scenes)"
    }

    /// Decodes `scenes` single-object scenes of `split` (seeds 0..<N, caption variant 0) with the model folder
    /// `folder`, conditioned by `data`'s CLIP, and checks them.
    public init(
        folder: String, data: DecoderBatchBuilder, scenes count: Int, split: Split, options: DecodingOptions,
        seed: UInt64
    ) throws {
        let (decoder, unconditional) = try Self.loadForInference(folder)
        guard !decoder.takesInpaintingChannels else {
            throw TrainingError.badOption("\(folder) is an inpainting decoder; evaluate it with inpaint-eval")
        }
        let drawn = Self.scenes(count, split: split)
        let size = options.size ?? decoder.unet.config.sampleSize ?? 64
        let out = try decoder.decode(
            imageEmbedding: data.imageEmbeddings(drawn), caption: Self.captions(of: drawn, data: data),
            unconditional: unconditional, options: options, seed: seed)
        let pixels = out.image.scalars
        (colour, shape, position, all) = Self.tally(pixels, scenes: drawn, size: size)
        self.scenes = count
        self.split = split
        images = pixels
        imageSize = size
    }

    /// Held-out single-object scenes 0..<count of `split`, the ones every decoder evaluation draws.
    static func scenes(_ count: Int, split: Split) -> [Scene] {
        let single = SamplingOptions(objectCounts: 1...1)
        return (0..<UInt64(count)).map { Scene(seed: $0, split: split, options: single) }
    }

    /// The decoder folder's model, prepared for inference, and its empty-caption conditioning.
    static func loadForInference(_ folder: String) throws -> (Decoder, CaptionConditioning?) {
        let (decoder, unconditional) = try Decoder.loadWithUnconditional(directory: folder)
        try decoder.prepareForInference()
        return (decoder, unconditional)
    }

    /// The scenes' captions (variant 0) encoded by `data`'s CLIP.
    static func captions(of scenes: [Scene], data: DecoderBatchBuilder) throws -> CaptionConditioning {
        let encoded = try DecoderBatchBuilder.encode(scenes.map(\.caption), text: data.text, tokenizer: data.tokenizer)
        return try CaptionConditioning(embedding: encoded.embedding, hidden: encoded.hidden, mask: encoded.mask)
    }

    /// The fractions of `scenes` whose image in `pixels` (`[N, 3, size, size]` in [−1, 1]) holds a blob of the
    /// first object's colour, with its shape, at its position, and all three (`SceneChecker` on 8-bit pixels).
    static func tally(_ pixels: [Float], scenes: [Scene], size: Int) -> (
        colour: Double, shape: Double, position: Double, all: Double
    ) {
        let plane = size * size
        var colour = 0, shape = 0, position = 0, all = 0
        let checker = SceneChecker()
        for (i, scene) in scenes.enumerated() {
            var bytes = [UInt8](repeating: 0, count: plane * 3)
            for p in 0..<plane {
                for c in 0..<3 {
                    let v = pixels[(i * 3 + c) * plane + p]
                    bytes[p * 3 + c] = UInt8(max(0, min(255, ((v + 1) * 127.5).rounded())))
                }
            }
            let result = checker.check(pixels: bytes, width: size, height: size, target: CheckTarget(scene.objects[0]))
            colour += result.colorCorrect ? 1 : 0
            shape += result.shapeCorrect ? 1 : 0
            position += result.positionCorrect ? 1 : 0
            all += result.allCorrect ? 1 : 0
        }
        let n = Double(max(1, scenes.count))
        return (Double(colour) / n, Double(shape) / n, Double(position) / n, Double(all) / n)
    }

    /// Writes a PNG grid, eight pairs per row: each scene's render, then the decoded image.
    public func writeContactSheet(to path: String) throws {
        try Self.writeContactSheet(images: images, size: imageSize, scenes: scenes, split: split, to: path)
    }

    /// The contact sheet of `images` (`[N, 3, size, size]` in [−1, 1]) beside the renders of single-object
    /// scenes 0..<N of `split`.
    static func writeContactSheet(images: [Float], size s: Int, scenes: Int, split: Split, to path: String) throws {
        let plane = s * s, columns = 16
        let rows = (2 * scenes + columns - 1) / columns
        let width = columns * s, height = rows * s
        var sheet = [UInt8](repeating: 0, count: width * height * 3)
        func place(_ tile: [UInt8], at index: Int) {
            let (ox, oy) = ((index % columns) * s, (index / columns) * s)
            for y in 0..<s {
                let target = ((oy + y) * width + ox) * 3
                sheet.replaceSubrange(target..<(target + s * 3), with: tile[(y * s * 3)..<((y + 1) * s * 3)])
            }
        }
        for (i, scene) in Self.scenes(scenes, split: split).enumerated() {
            place(scene.render(size: s), at: 2 * i)
            var bytes = [UInt8](repeating: 0, count: plane * 3)
            for p in 0..<plane {
                for c in 0..<3 {
                    bytes[p * 3 + c] = UInt8(
                        max(0, min(255, ((images[(i * 3 + c) * plane + p] + 1) * 127.5).rounded())))
                }
            }
            place(bytes, at: 2 * i + 1)
        }
        let png = PNG.encode(try Image(width: width, height: height, channels: 3, pixels: sheet))
        try Data(png).write(to: URL(fileURLWithPath: path))
    }
}
