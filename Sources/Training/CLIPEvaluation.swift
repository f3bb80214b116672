import CLIP
import Foundation
import NN
import Shapes

/// Held-out measurements of a CLIP model on the Shapes world: retrieval recall@1 between paired images and
/// captions, zero-shot colour, shape, position and background-colour classification of single-object scenes,
/// zero-shot object counting of 1–3 object scenes, and the choice among composition variants of two-object scenes.
public struct CLIPEvaluation: Sendable {
    /// Text → image recall@1 (a caption finds its own image among all images).
    public var textToImage: Double
    /// Image → text recall@1.
    public var imageToText: Double
    /// Pairs used for retrieval.
    public var pairs: Int
    /// Zero-shot colour accuracy with a prompt ensemble ("a red circle", "a red square", … averaged per colour).
    public var colour: Double
    /// Zero-shot shape accuracy with a prompt ensemble ("a red circle", "a blue circle", … averaged per shape).
    public var shape: Double
    /// Zero-shot colour accuracy with the single prompt "a red shape".
    public var colourPlain: Double
    /// Zero-shot shape accuracy with the single prompt "a circle".
    public var shapePlain: Double
    /// Colour and shape accuracy (ensemble) on `heldout` scenes, whose object is a colour–shape pair never trained.
    public var heldOutColour: Double
    public var heldOutShape: Double
    /// Zero-shot position accuracy (left, right, top, bottom, centre) with a prompt ensemble over colours and
    /// shapes ("a red circle on the left", …).
    public var position: Double
    /// Zero-shot background colour of single objects on plain backgrounds, with a prompt ensemble over the object's
    /// colour and shape ("a red circle on a blue background", …).
    public var background: Double
    /// Zero-shot object count (1–3), each class an ensemble of training captions of scenes with that many objects.
    public var count: Double
    /// Two-object scenes and their composition variants (`ShapesBatchSource.compositionVariants`: places
    /// swapped, colours swapped, first object twice): how often a picture scores its own caption highest among
    /// its group's captions (2–4 of them; chance about 0.27).
    public var composition: Double
    /// Scenes per zero-shot split.
    public var scenes: Int

    /// One line for logs.
    public var summary: String {
        func p(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
        return "t2i@1 \(p(textToImage)) i2t@1 \(p(imageToText)) (\(pairs) pairs); zero-shot colour \(p(colour)) "
            + "shape \(p(shape)) (plain prompts \(p(colourPlain)) / \(p(shapePlain))) position \(p(position)) "
            + "background \(p(background)) count \(p(count)) composition \(p(composition)); held-out pairs colour \(p(heldOutColour)) "
            + "shape \(p(heldOutShape)) "
            + "(\(scenes) scenes each)"
    }

    /// Measures `model` on `pairs` `test` scenes (1–3 objects, caption variant 0) for retrieval and `scenes`
    /// single-object `test` and `heldout` scenes for zero-shot classification (seeds from 0).
    public init(model: CLIPModel, tokenizer: CLIPTokenizer, pairs: Int = 1000, scenes: Int = 500) throws {
        guard let text = model.text, let image = model.image else {
            throw TrainingError.badOption("evaluation needs both towers")
        }
        let size = image.configuration.imageSize
        let single = SamplingOptions(objectCounts: 1...1)
        // Retrieval.
        let retrievalScenes = (0..<UInt64(pairs)).map { Scene(seed: $0, split: .test) }
        let images = try Self.imageEmbeddings(image, retrievalScenes, size: size)
        let texts = try Self.textEmbeddings(text, tokenizer, retrievalScenes.map(\.caption))
        let similarity = try images.matmul(texts, transposeOther: true).scalars  // [N images, N texts]
        var i2t = 0, t2i = 0
        for i in 0..<pairs {
            var best = 0
            for j in 0..<pairs where similarity[i * pairs + j] > similarity[i * pairs + best] { best = j }
            if best == i { i2t += 1 }
            best = 0
            for j in 0..<pairs where similarity[j * pairs + i] > similarity[best * pairs + i] { best = j }
            if best == i { t2i += 1 }
        }
        textToImage = Double(t2i) / Double(max(1, pairs))
        imageToText = Double(i2t) / Double(max(1, pairs))
        self.pairs = pairs

        // Zero-shot class embeddings: ensembles over the other attribute, and plain prompts.
        let colours = NamedColor.allCases, shapes = ShapeKind.allCases
        func article(_ word: String) -> String { "aeiou".contains(word.first ?? "x") ? "an" : "a" }
        let grid = colours.flatMap { c in shapes.map { s in "\(article(c.word)) \(c.word) \(s.word)" } }
        let gridEmbeds = try Self.textEmbeddings(text, tokenizer, grid).scalars  // [C·S, E], unit rows
        let e = gridEmbeds.count / grid.count
        func ensemble(_ members: [Int]) -> [Float] {
            var v = [Float](repeating: 0, count: e)
            for m in members { for k in 0..<e { v[k] += gridEmbeds[m * e + k] } }
            return v
        }
        let colourClasses = try CLIPSimilarity.normalized(
            Tensor(
                shape: [colours.count, e],
                scalars: colours.indices.flatMap { c in ensemble(shapes.indices.map { c * shapes.count + $0 }) }))
        let shapeClasses = try CLIPSimilarity.normalized(
            Tensor(
                shape: [shapes.count, e],
                scalars: shapes.indices.flatMap { s in ensemble(colours.indices.map { $0 * shapes.count + s }) }))
        let colourPlainClasses = try Self.textEmbeddings(
            text, tokenizer, colours.map { "\(article($0.word)) \($0.word) shape" })
        let shapePlainClasses = try Self.textEmbeddings(
            text, tokenizer, shapes.map { "\(article($0.word)) \($0.word)" })

        func accuracy(_ split: Split) throws -> (colour: Double, shape: Double, colourPlain: Double, shapePlain: Double)
        {
            let list = (0..<UInt64(scenes)).map { Scene(seed: $0, split: split, options: single) }
            let embeds = try Self.imageEmbeddings(image, list, size: size)
            func score(_ classes: Tensor, _ truth: (SceneObject) -> Int) throws -> Double {
                let s = try embeds.matmul(classes, transposeOther: true)
                let k = classes.shape[0], values = s.scalars
                var right = 0
                for (n, scene) in list.enumerated() {
                    var best = 0
                    for j in 0..<k where values[n * k + j] > values[n * k + best] { best = j }
                    if let object = scene.objects.first, best == truth(object) { right += 1 }
                }
                return Double(right) / Double(max(1, list.count))
            }
            let colourIndex = { (o: SceneObject) in colours.firstIndex(of: o.color) ?? -1 }
            let shapeIndex = { (o: SceneObject) in shapes.firstIndex(of: o.shape) ?? -1 }
            return (
                try score(colourClasses, colourIndex), try score(shapeClasses, shapeIndex),
                try score(colourPlainClasses, colourIndex), try score(shapePlainClasses, shapeIndex)
            )
        }
        let test = try accuracy(.test)
        colour = test.colour
        shape = test.shape
        colourPlain = test.colourPlain
        shapePlain = test.shapePlain
        // Position: single objects, classes are ensembles over every colour and shape.
        let positions = Position.allCases
        let positionClasses = try Self.ensembleClasses(
            text, tokenizer, positions.map { p in grid.map { "\($0) \(p.phrase)" } })
        let singles = (0..<UInt64(scenes)).map { Scene(seed: $0, split: .test, options: single) }
        position = try Self.accuracy(
            Self.imageEmbeddings(image, singles, size: size), positionClasses,
            truth: singles.map { positions.firstIndex(of: $0.objects[0].position) ?? -1 })
        // Background: single objects on plain backgrounds; each colour's class an ensemble over every object.
        let backgroundClasses = try Self.ensembleClasses(
            text, tokenizer,
            colours.map { c in grid.map { "\($0) on \(Background(style: .plain, colors: [c]).phrase(variant: 0))" } })
        let plain = SamplingOptions(objectCounts: 1...1, backgroundStyles: [.plain])
        let onPlain = (0..<UInt64(scenes)).map { Scene(seed: 4_000_000 + $0, split: .test, options: plain) }
        background = try Self.accuracy(
            Self.imageEmbeddings(image, onPlain, size: size), backgroundClasses,
            truth: onPlain.map { colours.firstIndex(of: $0.background.primary) ?? -1 })
        // Count: 1–3 objects; captions never state a count for one object, so each class is an ensemble of the
        // captions of 100 training scenes with that many objects (texts only: no image is labelled).
        let countClasses = try Self.ensembleClasses(
            text, tokenizer,
            (1...3).map { k in
                (0..<UInt64(100)).map {
                    Scene(seed: 2_000_000 + $0, split: .train, options: SamplingOptions(objectCounts: k...k)).caption
                }
            })
        let mixed = (0..<UInt64(scenes)).map { Scene(seed: 1_000_000 + $0, split: .test) }
        count = try Self.accuracy(
            Self.imageEmbeddings(image, mixed, size: size), countClasses, truth: mixed.map { $0.objects.count - 1 })
        composition = try Self.compositionChoice(image, text, tokenizer, scenes: scenes, size: size)
        let held = try accuracy(.heldout)
        heldOutColour = held.colour
        heldOutShape = held.shape
        self.scenes = scenes
    }

    /// For `scenes` two-object `test` scenes, each with its composition variants and captions of one phrasing
    /// that tells them apart: the fraction of all those pictures whose own caption scores highest in the group.
    static func compositionChoice(
        _ image: CLIPImageEncoder, _ text: CLIPTextEncoder, _ tokenizer: CLIPTokenizer, scenes: Int, size: Int
    ) throws -> Double {
        let pairs = SamplingOptions(objectCounts: 2...2)
        let groups = (0..<UInt64(scenes)).map { seed in
            let scene = Scene(seed: 3_000_000 + seed, split: .test, options: pairs)
            return [scene] + ShapesBatchSource.compositionVariants(of: scene)
        }
        let members = groups.flatMap { $0 }
        let captions = groups.flatMap { group in
            let variant = ShapesBatchSource.distinguishingVariant(of: group, from: 0, tries: 8)
            return group.map { $0.caption(variant: variant) }
        }
        let images = try imageEmbeddings(image, members, size: size).scalars
        let texts = try textEmbeddings(text, tokenizer, captions).scalars
        let e = images.count / max(1, members.count)
        func score(_ i: Int, _ j: Int) -> Float { (0..<e).reduce(0) { $0 + images[i * e + $1] * texts[j * e + $1] } }
        var right = 0, start = 0
        for group in groups {
            let range = start..<start + group.count
            for i in range {
                let own = score(i, i)
                if range.allSatisfy({ $0 == i || score(i, $0) < own }) { right += 1 }
            }
            start += group.count
        }
        return Double(right) / Double(max(1, members.count))
    }

    /// Unit class embeddings `[K, E]`: class k is the normalized sum of its prompts' unit text embeddings.
    static func ensembleClasses(_ encoder: CLIPTextEncoder, _ tokenizer: CLIPTokenizer, _ classes: [[String]]) throws
        -> Tensor
    {
        var scalars: [Float] = []
        var width = 0
        for prompts in classes {
            let rows = try textEmbeddings(encoder, tokenizer, prompts).scalars
            width = rows.count / max(1, prompts.count)
            scalars += (0..<width).map { k in stride(from: k, to: rows.count, by: width).reduce(0) { $0 + rows[$1] } }
        }
        return try CLIPSimilarity.normalized(Tensor(shape: [classes.count, width], scalars: scalars))
    }

    /// The fraction of rows of `embeds` [N, E] whose most similar row of `classes` [K, E] is `truth[n]`.
    static func accuracy(_ embeds: Tensor, _ classes: Tensor, truth: [Int]) throws -> Double {
        let k = classes.shape[0], values = try embeds.matmul(classes, transposeOther: true).scalars
        var right = 0
        for (n, expected) in truth.enumerated() {
            var best = 0
            for j in 0..<k where values[n * k + j] > values[n * k + best] { best = j }
            if best == expected { right += 1 }
        }
        return Double(right) / Double(max(1, truth.count))
    }

    /// Unit image embeddings `[N, E]` of rendered scenes, in batches of 100, without a tape.
    static func imageEmbeddings(_ encoder: CLIPImageEncoder, _ scenes: [Scene], size: Int) throws -> Tensor {
        var rows: [Float] = []
        var width = 0
        for start in stride(from: 0, to: scenes.count, by: 100) {
            let chunk = Array(scenes[start..<min(scenes.count, start + 100)])
            let e = try encoder.encode(pixels: ShapesBatchSource.pixels(chunk, size: size)).embeds.value
            width = e.shape[1]
            rows += e.scalars
        }
        return try CLIPSimilarity.normalized(Tensor(shape: [scenes.count, width], scalars: rows))
    }

    /// Unit text embeddings `[N, E]`, in batches of 200, without a tape.
    static func textEmbeddings(_ encoder: CLIPTextEncoder, _ tokenizer: CLIPTokenizer, _ texts: [String]) throws
        -> Tensor
    {
        var rows: [Float] = []
        var width = 0
        for start in stride(from: 0, to: texts.count, by: 200) {
            let batch = try tokenizer.tokenize(Array(texts[start..<min(texts.count, start + 200)]))
            let tokens = try Tensor(shape: batch.shape, scalars: batch.ids.map(Float.init))
            let e = try encoder.encode(tokens: tokens).embeds.value
            width = e.shape[1]
            rows += e.scalars
        }
        return try CLIPSimilarity.normalized(Tensor(shape: [texts.count, width], scalars: rows))
    }
}
