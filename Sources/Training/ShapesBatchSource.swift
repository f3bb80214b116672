import CLIP
import Imaging
import NN
import Shapes

/// Captioned training batches rendered on the fly from the Shapes world.
///
/// Each example is a scene drawn by seed from a split, rendered at `imageSize` and normalised with CLIP's
/// mean/std, with one of `captionVariants` phrasings chosen at random (caption augmentation). The draws come
/// from a `PhiloxRandom` stream that the caller owns (and checkpoints), so a batch is a pure function of the
/// stream's state.
///
/// With `shapeGroup` k > 1 a batch is made of groups of k scenes that are identical except for the first
/// object's shape (and so the shape word of the caption): hard negatives that colour, size, position and background
/// cannot tell apart, which push the image tower to see shapes instead of leaning on the easier attributes.
/// With `compositionGroups`, every two-object scene brings its composition hard negatives along
/// (`compositionVariants`): the objects' places swapped, their colours swapped, the first object drawn twice;
/// the other scenes their shape groups.
///
/// With `degradedFraction` p > 0, about that fraction of the pictures are corrupted by a BSR-style chain
/// (`Degradation.bsr`: blur, resize, noise, JPEG) drawn from the scene's seed and place in the batch, so that a
/// CLIP trained on them also judges pictures that a diffusion decoder drew (soft edges, grain) rather than clean
/// renders only.
public struct ShapesBatchSource: CLIPBatchSource, Sendable {
    public var split: Split
    public var imageSize: Int
    /// How many phrasings of each scene to choose from (1 = always the scene's own caption).
    public var captionVariants: Int
    /// When set, scenes come from seeds `0..<sceneCount` only (a finite data set); otherwise any 64-bit seed.
    public var sceneCount: Int?
    public var options: SamplingOptions
    /// Scenes per group that differ only in the first object's shape (1: independent scenes).
    public var shapeGroup: Int
    /// Two-object scenes come with their composition variants (`compositionVariants`).
    public var compositionGroups: Bool
    /// The fraction of pictures (0…1) corrupted by `Degradation.bsr`.
    public var degradedFraction: Double

    /// The most scenes a shape group can hold: every shape but the ones a colour is held out with.
    public static let largestShapeGroup = ShapeKind.allCases.count - 1

    public init(
        split: Split = .train, imageSize: Int = 64, captionVariants: Int = 8, sceneCount: Int? = nil,
        options: SamplingOptions = .full, shapeGroup: Int = 1, compositionGroups: Bool = false,
        degradedFraction: Double = 0
    ) throws {
        guard imageSize > 0, imageSize <= 1024 else {
            throw TrainingError.badOption("image size \(imageSize) outside 1...1024")
        }
        guard captionVariants > 0 else { throw TrainingError.badOption("caption variants must be positive") }
        if let n = sceneCount, n <= 0 { throw TrainingError.badOption("scene count must be positive") }
        guard (1...Self.largestShapeGroup).contains(shapeGroup) else {
            throw TrainingError.badOption("shape group \(shapeGroup) outside 1...\(Self.largestShapeGroup)")
        }
        guard (0...1).contains(degradedFraction) else {
            throw TrainingError.badOption("degraded fraction \(degradedFraction) outside 0...1")
        }
        guard (shapeGroup == 1 && !compositionGroups) || split != .heldout else {
            throw TrainingError.badOption("hard-negative groups would change the held-out pairs of the heldout split")
        }
        self.split = split
        self.imageSize = imageSize
        self.captionVariants = captionVariants
        self.sceneCount = sceneCount
        self.options = options
        self.shapeGroup = shapeGroup
        self.compositionGroups = compositionGroups
        self.degradedFraction = degradedFraction
    }

    /// Sampling options from `unclip-shapes`-style words: objects `2` or `1-3`, backgrounds `plain,gradient`.
    public static func samplingOptions(objects: String, backgrounds: String) throws -> SamplingOptions {
        let parts = objects.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let lower = parts.first ?? nil, let upper = parts.last ?? nil,
            1 <= lower, lower <= upper, upper <= 3
        else { throw TrainingError.badOption("--objects '\(objects)' is not a count or range within 1-3") }
        var styles: [Background.Style] = []
        for word in backgrounds.split(separator: ",") {
            guard let style = Background.Style(rawValue: String(word)) else {
                throw TrainingError.badOption("--backgrounds '\(word)' is not one of plain, gradient, striped")
            }
            if !styles.contains(style) { styles.append(style) }
        }
        guard !styles.isEmpty else { throw TrainingError.badOption("--backgrounds: give at least one style") }
        return SamplingOptions(objectCounts: lower...upper, backgroundStyles: styles)
    }

    /// One batch, rendered: pixels `[B, 3, S, S]` and captions.
    public func batch(size: Int, random: inout PhiloxRandom) throws -> (pixels: Tensor, captions: [String]) {
        let (scenes, captions) = self.scenes(size: size, random: &random)
        return (try Self.pixels(scenes, size: imageSize, degradations: degradations(of: scenes)), captions)
    }

    /// The corruption of each picture of a batch, or nil for a clean one: a pure function of the scenes' seeds
    /// and places, so it draws nothing from the batch stream (and resuming repeats it).
    func degradations(of scenes: [Scene]) -> [Degradation?] {
        guard degradedFraction > 0 else { return Array(repeating: nil, count: scenes.count) }
        return scenes.enumerated().map { i, scene in
            var rng = SplitMix64(seed: scene.seed &+ UInt64(i), stream: 0x4445_4752_4144_4500)
            let draw = Double(rng.next() >> 11) / Double(1 << 53)
            return draw < degradedFraction ? Degradation.bsr(seed: rng.next()) : nil
        }
    }

    /// `size` scenes and their captions, drawing `3 · size` words from `random`.
    public func scenes(size: Int, random: inout PhiloxRandom) -> (scenes: [Scene], captions: [String]) {
        let words = random.nextWords(count: 3 * size)
        if compositionGroups { return compositionScenes(size: size, words: words) }
        var scenes: [Scene] = [], captions: [String] = []
        var others: [ShapeKind] = []
        for i in 0..<size {
            let leader = i - i % shapeGroup
            var seed = UInt64(words[3 * leader]) << 32 | UInt64(words[3 * leader + 1])
            if let n = sceneCount { seed %= UInt64(n) }
            var scene = Scene(seed: seed, split: split, options: options)
            if i == leader {
                others = Self.otherShapes(for: scene, split: split)
            } else if let first = scene.objects.first {
                // Never cycles: a colour has at most one held-out shape, so `others` holds at least 7.
                scene.objects[0].shape = others.isEmpty ? first.shape : others[(i - leader - 1) % others.count]
            }
            scenes.append(scene)
            captions.append(scene.caption(variant: Int(words[3 * leader + 2] % UInt32(captionVariants))))
        }
        return (scenes, captions)
    }

    /// The shapes a group's other members take, in an order drawn from the scene's seed: every shape except the
    /// scene's own and those that would make a held-out pair with its colour.
    static func otherShapes(for scene: Scene, split: Split) -> [ShapeKind] {
        guard let first = scene.objects.first else { return [] }
        var rng = SplitMix64(seed: scene.seed, stream: 0x5348_4150_4553_0000)
        let candidates = ShapeKind.allCases.filter {
            $0 != first.shape && !Split.isHeldOut(Combination(color: first.color, shape: $0))
        }
        return rng.shuffled(candidates)
    }

    /// Renders scenes as CLIP-normalised pixels `[B, 3, S, S]` (the same values `CLIPPreprocessor` gives for the
    /// wire image of the scene at this size), each corrupted by its entry of `degradations` where one is given.
    public static func pixels(_ scenes: [Scene], size: Int, degradations: [Degradation?] = []) throws -> Tensor {
        let plane = size * size
        var values = [Float](repeating: 0, count: scenes.count * 3 * plane)
        let mean = CLIPPreprocessor.openAIMean, std = CLIPPreprocessor.openAIStd
        for (b, scene) in scenes.enumerated() {
            var planar = scene.renderPlanar(size: size)  // [3, S, S] in [-1, 1]
            if b < degradations.count, let degradation = degradations[b] {
                let image = try PlanarImage(channels: 3, height: size, width: size, values: planar)
                planar = try degradation.apply(to: image).values
            }
            for c in 0..<3 {
                let m = mean[c], s = std[c], base = (b * 3 + c) * plane
                for i in 0..<plane { values[base + i] = ((planar[c * plane + i] + 1) * 0.5 - m) / s }
            }
        }
        return try Tensor(shape: [scenes.count, 3, size, size], scalars: values)
    }
}
