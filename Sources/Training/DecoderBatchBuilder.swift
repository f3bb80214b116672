import CLIP
import Diffusion
import NN
import Shapes

/// Builds decoder training batches from the Shapes world and a frozen CLIP.
///
/// For each item: a scene from the split (seed and caption phrasing from the stream, as `ShapesBatchSource`),
/// rendered at the decoder's size; its CLIP image embedding (what the prior predicts at sampling time) and the
/// caption's CLIP encodings (`text.embed`, `text.hidden`, `text.mask` exactly as `unclip-text` writes them); a
/// uniform training timestep, Gaussian noise, the conditioning dropout draws and, for the inpainting decoder, a
/// random mask. CLIP runs without a tape. Every draw comes from the caller's `PhiloxRandom`, so a batch is a pure
/// function of the stream's state (which the trainer checkpoints).
public final class DecoderBatchBuilder {
    public let text: CLIPTextEncoder
    public let image: CLIPImageEncoder
    public let tokenizer: CLIPTokenizer
    /// Scene sampling (split, caption variants, object counts, backgrounds).
    public let scenes: ShapesBatchSource
    /// The decoder's image side (`sample_size`); a batch may ask for another (a resolution schedule).
    public let imageSize: Int
    public let dropout: ConditioningDropout
    /// Whether batches carry inpainting masks and inputs (the inpainting decoder).
    public let inpainting: Bool
    public let schedule: NoiseSchedule
    /// The empty caption's encodings (one row): the unconditional half of guidance.
    public let emptyCaption: CaptionConditioningRows

    public init(
        clip: CLIPModel, tokenizer: CLIPTokenizer, imageSize: Int, sampling: SamplingOptions = .full,
        dropout: ConditioningDropout, inpainting: Bool, schedule: NoiseSchedule
    ) throws {
        guard let text = clip.text, let image = clip.image else {
            throw TrainingError.badOption("the CLIP folder needs both towers (text and vision)")
        }
        guard text.configuration.hiddenSize == text.configuration.projectionDim,
            image.configuration.projectionDim == text.configuration.projectionDim
        else {
            throw TrainingError.badOption(
                "the unCLIP text projection reads text.hidden and the embeddings at one width: this CLIP has text width \(text.configuration.hiddenSize) and projections \(text.configuration.projectionDim)/\(image.configuration.projectionDim)"
            )
        }
        self.text = text
        self.image = image
        self.tokenizer = tokenizer
        self.imageSize = imageSize
        scenes = try ShapesBatchSource(imageSize: image.configuration.imageSize, options: sampling)
        self.dropout = dropout
        self.inpainting = inpainting
        self.schedule = schedule
        emptyCaption = try Self.encode([""], text: text, tokenizer: tokenizer)
    }

    /// The CLIP width D of the conditioning.
    public var clipDimension: Int { text.configuration.projectionDim }

    /// Encodes captions as `unclip-text` does: the full context, `text.embed` [B, D], `text.hidden` [B, L, W],
    /// `text.mask` [B, L].
    public static func encode(_ captions: [String], text: CLIPTextEncoder, tokenizer: CLIPTokenizer) throws
        -> CaptionConditioningRows
    {
        let batch = try tokenizer.tokenize(captions, truncate: true)
        let out = try text(
            batch.ids.map(Int.init), batch: batch.count, length: batch.contextLength, tape: Tape(recording: false))
        return CaptionConditioningRows(
            embedding: out.embeds.value, hidden: out.hidden.value,
            mask: try Tensor(shape: batch.shape, scalars: batch.mask.map { $0 ? 1 : 0 }))
    }

    /// CLIP image embeddings `[B, D]` of scenes (rendered at CLIP's size, CLIP-normalised).
    public func imageEmbeddings(_ scenes: [Scene]) throws -> Tensor {
        let pixels = try ShapesBatchSource.pixels(scenes, size: image.configuration.imageSize)
        return try image.encode(pixels: pixels).embeds.value
    }

    /// Wire images `[B, 3, S, S]` in [−1, 1] at side S (default: the decoder's size).
    public func renders(_ scenes: [Scene], size: Int? = nil) throws -> Tensor {
        let imageSize = size ?? self.imageSize
        let plane = 3 * imageSize * imageSize
        var values = [Float](repeating: 0, count: scenes.count * plane)
        for (b, scene) in scenes.enumerated() {
            let planar = scene.renderPlanar(size: imageSize)
            values.replaceSubrange((b * plane)..<((b + 1) * plane), with: planar)
        }
        return try Tensor(shape: [scenes.count, 3, imageSize, imageSize], scalars: values)
    }

    /// One batch of `size` items, rendered at side `resolution` (default: the decoder's size).
    public func batch(size: Int, resolution: Int? = nil, random: inout PhiloxRandom) throws -> DecoderBatch {
        let imageSize = resolution ?? self.imageSize
        let (drawn, captions) = scenes.scenes(size: size, random: &random)
        let timeWords = random.nextWords(count: size)
        let drops = dropout.draw(count: size, random: &random)
        let original = try renders(drawn, size: imageSize)  // [B, 3, S, S]
        let noise = try random.normal(shape: original.shape)  // [B, 3, S, S]
        var maskValues: [Float] = []
        if inpainting {
            let masks = InpaintingMaskSampler(size: imageSize)
            for _ in 0..<size { maskValues += masks.draw(random: &random).mask }
        }
        let timesteps = timeWords.map { Int($0 % UInt32(schedule.trainingSteps)) }
        let encoded = try Self.encode(captions, text: text, tokenizer: tokenizer)
        let caption = try Self.replacing(rows: drops.caption, of: encoded, with: emptyCaption)
        let noisy = try Self.noised(original, noise: noise, timesteps: timesteps, schedule: schedule)
        var input = noisy
        var mask: Tensor? = nil
        if inpainting {
            let m = try Tensor(shape: [size, 1, imageSize, imageSize], scalars: maskValues)
            mask = m
            input = try Self.inpaintingInput(noisy: noisy, original: original, mask: m)
        }
        return DecoderBatch(
            input: input, original: original, noise: noise, timesteps: timesteps,
            imageEmbedding: try imageEmbeddings(drawn), dropsImage: drops.image, dropsCaption: drops.caption,
            caption: caption, mask: mask)
    }

    /// x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε per item.
    static func noised(_ original: Tensor, noise: Tensor, timesteps: [Int], schedule: NoiseSchedule) throws -> Tensor {
        let per = original.count / max(1, timesteps.count)
        var out = [Float](repeating: 0, count: original.count)
        original.withUnsafeBufferPointer { x in
            noise.withUnsafeBufferPointer { e in
                for (b, t) in timesteps.enumerated() {
                    let a = schedule.alphasCumprod[t]
                    let (s, n) = (Float(a.squareRoot()), Float((1 - a).squareRoot()))
                    for i in (b * per)..<((b + 1) * per) { out[i] = s * x[i] + n * e[i] }
                }
            }
        }
        return try Tensor(shape: original.shape, scalars: out)
    }

    /// GLIDE's inpainting input `[B, 2C + 1, H, W]`: x_t, the kept image x₀ · (1 − m), the keep mask 1 − m (the
    /// layout `Inpainting` feeds at sampling time).
    public static func inpaintingInput(noisy: Tensor, original: Tensor, mask: Tensor) throws -> Tensor {
        let (b, c, h, w) = (original.shape[0], original.shape[1], original.shape[2], original.shape[3])
        let plane = h * w
        var kept = [Float](repeating: 0, count: original.count)
        var keep = [Float](repeating: 0, count: b * plane)
        original.withUnsafeBufferPointer { x in
            mask.withUnsafeBufferPointer { m in
                for item in 0..<b {
                    for p in 0..<plane { keep[item * plane + p] = 1 - m[item * plane + p] }
                    for ch in 0..<c {
                        let base = (item * c + ch) * plane
                        for p in 0..<plane { kept[base + p] = x[base + p] * keep[item * plane + p] }
                    }
                }
            }
        }
        return try Tensor.concatenate(
            [noisy, Tensor(shape: original.shape, scalars: kept), Tensor(shape: [b, 1, h, w], scalars: keep)], axis: 1)
    }

    /// The caption rows with `rows` flagged true replaced by the single row of `empty`.
    static func replacing(rows: [Bool], of captions: CaptionConditioningRows, with empty: CaptionConditioningRows)
        throws -> CaptionConditioningRows
    {
        func swap(_ t: Tensor, _ e: Tensor) throws -> Tensor {
            let per = t.count / max(1, rows.count)
            var values = t.scalars
            let replacement = e.scalars
            for (b, drops) in rows.enumerated() where drops {
                values.replaceSubrange((b * per)..<((b + 1) * per), with: replacement)
            }
            return try Tensor(shape: t.shape, scalars: values)
        }
        return CaptionConditioningRows(
            embedding: try swap(captions.embedding, empty.embedding), hidden: try swap(captions.hidden, empty.hidden),
            mask: try swap(captions.mask, empty.mask))
    }
}
