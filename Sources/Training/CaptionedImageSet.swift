import CLIP
import Foundation
import Imaging
import NN
import TensorStream

/// Image–caption pairs held in memory, preprocessed once: from a folder with `captions.tsv` (as
/// `unclip-shapes --out DIR` writes it: `file<TAB>caption[<TAB>…]` with a header line) or from a tensor stream
/// whose frames carry `image` [B, 3, H, W] in [-1, 1] and metadata `prompt` (a JSON array of B strings, or one
/// string when B = 1), as `unclip-shapes` writes them. Batches draw indices uniformly with replacement.
public struct CaptionedImageSet: CLIPBatchSource {
    public let imageSize: Int
    /// Normalised pixels, `count` images of `3·S·S` values.
    let pixels: [Float]
    /// One caption per image.
    public let captions: [String]

    public var count: Int { captions.count }

    /// Loads `path`: a folder holding `captions.tsv`, or a tensor-stream file. Images are resized and
    /// centre-cropped to `imageSize` with CLIP's preprocessing.
    public init(path: String, imageSize: Int) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TrainingError.badInput("\(path): no such file or folder")
        }
        let preprocessor = CLIPPreprocessor(size: imageSize)
        var values: [Float] = [], texts: [String] = []
        if isFolder.boolValue {
            let dir = URL(fileURLWithPath: path)
            let listing = dir.appendingPathComponent("captions.tsv")
            guard let text = try? String(contentsOf: listing, encoding: .utf8) else {
                throw TrainingError.badInput("\(listing.path): cannot read (a data folder needs captions.tsv)")
            }
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                if n == 0 && fields.first == "file" { continue }
                guard fields.count >= 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                    throw TrainingError.badInput("\(listing.path) line \(n + 1): expected file<TAB>caption")
                }
                let file = dir.appendingPathComponent(fields[0]).path
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw TrainingError.badInput("\(listing.path) line \(n + 1): cannot read \(file)")
                }
                let image = try PlanarImage(ImageDecoder.decode([UInt8](data), source: file))
                values += try preprocessor.normalized(image)
                texts.append(fields[1])
            }
        } else {
            for (index, frame) in try Frame.frames(contentsOf: path).enumerated() {
                let batch = try Tensor(frame.tensor("image"))
                let prompts = try Self.prompts(frame.metadata["prompt"], count: batch.shape.first ?? 0)
                guard let p = prompts else {
                    throw TrainingError.badInput(
                        "\(path) frame \(index): metadata 'prompt' missing or not one per image")
                }
                values += try preprocessor.pixels(batch: batch).scalars
                texts += p
            }
        }
        guard !texts.isEmpty else { throw TrainingError.badInput("\(path): no image-caption pairs") }
        self.imageSize = imageSize
        pixels = values
        captions = texts
    }

    /// The prompts of a frame: a JSON array of `count` strings, or one plain string when `count` is 1.
    static func prompts(_ value: String?, count: Int) throws -> [String]? {
        guard let value, count > 0 else { return nil }
        if let data = value.data(using: .utf8), let list = try? JSONSerialization.jsonObject(with: data) as? [String] {
            return list.count == count ? list : nil
        }
        return count == 1 ? [value] : nil
    }

    public func batch(size: Int, random: inout PhiloxRandom) throws -> (pixels: Tensor, captions: [String]) {
        let n = 3 * imageSize * imageSize
        let picks = random.nextWords(count: size).map { Int(UInt64($0) % UInt64(count)) }
        var out = [Float]()
        out.reserveCapacity(size * n)
        for i in picks { out += pixels[(i * n)..<((i + 1) * n)] }
        return (try Tensor(shape: [size, 3, imageSize, imageSize], scalars: out), picks.map { captions[$0] })
    }
}
