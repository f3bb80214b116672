import CLIP
import Foundation
import NN
import Shapes
import TensorStream

/// The priors' data: Shapes scenes rendered at the CLIP's image size, each paired with one caption phrasing, encoded
/// by the embedded CLIP into the tensors the pipeline carries (`text.tokens`, `text.mask`, `text.embed`,
/// `text.hidden`, `image.embed`). Even items are single-object scenes, odd items 1–3 objects, so that both the
/// single-object prompts of the generation check and compositional captions are covered.
///
/// The encoded set is a tensor-stream file (frames of `chunk` items, metadata `prompt`), cached by `cached(...)`
/// and keyed by the CLIP's bytes: the same CLIP, split, count and seed give the same file, so a resumed training
/// run sees exactly the same pairs.
public struct PriorDataSet: Sendable, Equatable {
    /// The split the scenes come from.
    public var split: Split
    /// Number of pairs.
    public var count: Int
    /// Seed of the scene and caption draws.
    public var seed: UInt64
    /// Caption phrasings to choose from (Shapes writes several per scene).
    public var captionVariants = 8
    /// Items per frame in the encoded file.
    public var chunk = 250

    /// A set of `count` pairs from `split`.
    public init(split: Split, count: Int, seed: UInt64 = 0) throws {
        guard count >= 1 else { throw TrainingError.badOption("a prior data set needs at least 1 pair, got \(count)") }
        self.split = split
        self.count = count
        self.seed = seed
    }

    /// Scene `i` and the caption variant paired with it (a pure function of the seed and `i`).
    public func item(_ i: Int) -> (scene: Scene, variant: Int) {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(i + 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let options = SamplingOptions(objectCounts: i % 2 == 0 ? 1...1 : 1...3)
        return (Scene(seed: z, split: split, options: options), Int((z >> 40) % UInt64(captionVariants)))
    }

    /// Encodes the set with `model` (both towers) and `tokenizer`: frames of up to `chunk` items.
    public func encode(model: CLIPModel, tokenizer: CLIPTokenizer, progress: ((Int) -> Void)? = nil) throws
        -> [Frame]
    {
        guard let text = model.text, let image = model.image else {
            throw TrainingError.badOption("the prior data set needs a CLIP with both towers")
        }
        let size = image.configuration.imageSize
        let textFrames = CLIPTextFrames(encoder: text, tokenizer: tokenizer)
        var frames: [Frame] = []
        for start in stride(from: 0, to: count, by: chunk) {
            let items = (start..<min(count, start + chunk)).map(item)
            var frame = try textFrames.frame(
                prompts: items.map { $0.scene.caption(variant: $0.variant) }, truncate: true)
            let pixels = try ShapesBatchSource.pixels(items.map(\.scene), size: size)  // [B, 3, S, S]
            frame["image.embed"] = try image.encode(pixels: pixels).embeds.value.blob()  // [B, D]
            frame.metadata["shapes.split"] = split.rawValue
            frames.append(frame)
            progress?(start + items.count)
        }
        return frames
    }

    /// The file name of this set in a cache folder.
    public var fileName: String { "\(split.rawValue)-\(count)-seed\(seed).st" }

    /// The encoded set for the CLIP in `clipFolder`, read from `cacheFolder` when a file made by the same CLIP
    /// bytes is there, else encoded and written there (nil: encoded, not written). Returns the file's path ("" when
    /// not written) and frames.
    public func cached(clipFolder: String, cacheFolder: String?, log: (String) -> Void) throws
        -> (path: String, frames: [Frame])
    {
        guard let cacheFolder else {
            let (model, tokenizer) = try Self.loadCLIP(clipFolder)
            return ("", try encode(model: model, tokenizer: tokenizer))
        }
        let key = try Self.clipKey(clipFolder)
        let path = URL(fileURLWithPath: cacheFolder).appendingPathComponent(fileName).path
        if FileManager.default.fileExists(atPath: path) {
            let frames = try Frame.frames(contentsOf: path)
            if frames.first?.metadata["clip.key"] == key && frames.count == (count + chunk - 1) / chunk {
                return (path, frames)
            }
            log("\(path) was made by another CLIP or setting; encoding again")
        }
        let (model, tokenizer) = try Self.loadCLIP(clipFolder)
        let clock = Date()
        var frames = try encode(model: model, tokenizer: tokenizer)
        for i in frames.indices { frames[i].metadata["clip.key"] = key }
        try FileManager.default.createDirectory(atPath: cacheFolder, withIntermediateDirectories: true)
        let temporary = path + ".partial"
        try Self.write(frames, to: temporary)
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
        log(
            "encoded \(count) \(split.rawValue) pairs with \(clipFolder) in "
                + String(format: "%.0f s", Date().timeIntervalSince(clock)) + " -> \(path)")
        return (path, frames)
    }

    /// A CLIP folder's model and tokenizer, ready for inference.
    public static func loadCLIP(_ folder: String) throws -> (CLIPModel, CLIPTokenizer) {
        let model = try CLIPModel(folder: folder)
        guard let context = model.text?.configuration.maxPositions else {
            throw TrainingError.badCheckpoint(path: folder, reason: "config.json has no text_config")
        }
        try model.prepareTreeForInference()
        return (model, try CLIPTokenizer(folder: folder, contextLength: context))
    }

    /// The empty prompt's `text.embed` [1, Dp], `text.hidden` [1, T, W] and `text.mask` [1, T]: the unconditional
    /// input of classifier-free guidance, exactly what `unclip-text --allow-empty ""` writes.
    public static func emptyPrompt(model: CLIPModel, tokenizer: CLIPTokenizer) throws -> Frame {
        guard let text = model.text else { throw TrainingError.badOption("the CLIP has no text tower") }
        return try CLIPTextFrames(encoder: text, tokenizer: tokenizer).frame(prompts: [""], truncate: false)
    }

    /// FNV-1a of the CLIP folder's `config.json`, `model.safetensors`, `vocab.json` and `merges.txt` bytes.
    static func clipKey(_ folder: String) throws -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in ["config.json", "model.safetensors", "vocab.json", "merges.txt"] {
            let path = URL(fileURLWithPath: folder).appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path) else {
                if name == "vocab.json" || name == "merges.txt" { continue }
                throw TrainingError.badCheckpoint(path: path, reason: "cannot read")
            }
            data.withUnsafeBytes { bytes in
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            }
        }
        return String(hash, radix: 16)
    }

    /// Writes frames back to back as one stream file.
    static func write(_ frames: [Frame], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw TrainingError.badCheckpoint(path: path, reason: "cannot create") }
        defer { try? handle.close() }
        for frame in frames {
            try handle.write(contentsOf: Data(frame.encoded()))
        }
    }
}
