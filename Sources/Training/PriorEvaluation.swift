import CLIP
import Foundation
import NN
import Shapes
import TensorStream

/// Held-out quality of the priors: on encoded Shapes pairs of a split, the mean cosine similarity of each
/// predicted image embedding to the true CLIP image embedding of the render, next to two baselines (the text
/// embedding itself, and the mean training image embedding) and the ceiling (the true embedding); and the zero-shot
/// colour and shape accuracy of each embedding on the single-object scenes, classified by the CLIP's text prompts
/// exactly as `CLIPEvaluation` classifies real image embeddings, which tells whether a prior keeps the attributes.
public struct PriorEvaluation: Sendable {
    /// One embedding source measured on one split.
    public struct Row: Sendable, Equatable {
        public var name: String
        /// Mean cosine similarity to the true image embedding, over all pairs.
        public var cosine: Double
        /// Zero-shot colour / shape accuracy on the single-object scenes.
        public var colour: Double, shape: Double
        /// Seconds spent predicting (0 for the baselines).
        public var seconds: Double
    }

    /// The rows of one split.
    public struct Table: Sendable {
        public var split: Split
        public var pairs: Int
        /// Single-object scenes among the pairs (the zero-shot denominator).
        public var singleObject: Int
        public var rows: [Row]
    }

    /// One predictor: a name, and a function from an encoded frame (its `text.*` tensors) and the frame's index to
    /// the predicted `image.embed` [B, D].
    public struct Predictor {
        public var name: String
        public var predict: (Frame, Int) throws -> Tensor
        public init(name: String, predict: @escaping (Frame, Int) throws -> Tensor) {
            self.name = name
            self.predict = predict
        }
    }

    /// One table per evaluated split.
    public var tables: [Table]

    /// Evaluates `predictors` on each set in `sets` (encoded with the CLIP in `clipFolder`, cached in `cacheFolder`).
    /// `meanImage` is the mean training image embedding (the prior's `clip_mean`).
    public init(
        clipFolder: String, sets: [PriorDataSet], cacheFolder: String?, meanImage: [Float],
        predictors: [Predictor], log: (String) -> Void
    ) throws {
        let (model, tokenizer) = try PriorDataSet.loadCLIP(clipFolder)
        guard let text = model.text else { throw TrainingError.badOption("the CLIP has no text tower") }
        let classes = try Self.attributeClasses(text: text, tokenizer: tokenizer)
        tables = []
        for set in sets {
            let frames = try set.cached(clipFolder: clipFolder, cacheFolder: cacheFolder, log: log).frames
            let truth = (0..<set.count).map { i -> (colour: Int, shape: Int)? in
                let scene = set.item(i).scene
                guard scene.objects.count == 1, let o = scene.objects.first,
                    let c = NamedColor.allCases.firstIndex(of: o.color),
                    let s = ShapeKind.allCases.firstIndex(of: o.shape)
                else { return nil }
                return (c, s)
            }
            func column(_ name: String) throws -> Tensor {
                try Tensor.concatenate(frames.map { try Tensor($0.tensor(name)) }, axis: 0)
            }
            let images = try column("image.embed"), texts = try column("text.embed")
            let d = images.shape[1]
            guard meanImage.count == d else {
                throw TrainingError.badInput("mean image embedding has \(meanImage.count) values, the CLIP \(d)")
            }
            let mean = try Tensor(shape: [set.count, d], scalars: (0..<set.count).flatMap { _ in meanImage })
            func row(_ name: String, _ embeddings: Tensor, seconds: Double = 0) throws -> Row {
                Row(
                    name: name, cosine: try Self.meanCosine(embeddings, images),
                    colour: try Self.accuracy(embeddings, classes: classes.colour, truth: truth.map { $0?.colour }),
                    shape: try Self.accuracy(embeddings, classes: classes.shape, truth: truth.map { $0?.shape }),
                    seconds: seconds)
            }
            var rows = [
                try row("true image embedding (ceiling)", images),
                try row("text embedding (baseline)", texts),
                try row("mean training image embedding (baseline)", mean),
            ]
            for predictor in predictors {
                let clock = Date()
                let predicted = try Tensor.concatenate(
                    frames.enumerated().map { try predictor.predict($0.element, $0.offset) }, axis: 0)
                guard predicted.shape == images.shape else {
                    throw TrainingError.badInput(
                        "\(predictor.name) predicted \(predicted.shape), expected \(images.shape)")
                }
                rows.append(try row(predictor.name, predicted, seconds: Date().timeIntervalSince(clock)))
                log("\(set.split.rawValue): \(predictor.name) done")
            }
            tables.append(
                Table(split: set.split, pairs: set.count, singleObject: truth.compactMap { $0 }.count, rows: rows))
        }
    }

    /// Markdown tables, one per split.
    public var markdown: String {
        var out = ""
        for table in tables {
            out += "\(table.split.rawValue) split: \(table.pairs) pairs (zero-shot on its \(table.singleObject) "
            out += "single-object scenes)\n\n"
            out += "| image embedding | cosine to true | zero-shot colour | zero-shot shape | seconds |\n"
            out += "|---|---:|---:|---:|---:|\n"
            for r in table.rows {
                out += "| \(r.name) | " + String(format: "%.4f", r.cosine) + " | "
                out += String(format: "%.1f%%", 100 * r.colour) + " | " + String(format: "%.1f%%", 100 * r.shape)
                out += " | " + (r.seconds > 0 ? String(format: "%.0f", r.seconds) : "–") + " |\n"
            }
            out += "\n"
        }
        return out
    }

    /// Mean over rows of cos(a_i, b_i); a zero row has cosine 0. a, b: [N, D].
    public static func meanCosine(_ a: Tensor, _ b: Tensor) throws -> Double {
        guard a.rank == 2, a.shape == b.shape, a.shape[0] >= 1 else {
            throw TrainingError.badInput("cosine of \(a.shape) and \(b.shape): expected two equal [N, D] shapes")
        }
        let (n, d) = (a.shape[0], a.shape[1]), x = a.scalars, y = b.scalars
        var total = 0.0
        for i in 0..<n {
            var dot = 0.0, xx = 0.0, yy = 0.0
            for j in 0..<d {
                let (p, q) = (Double(x[i * d + j]), Double(y[i * d + j]))
                dot += p * q
                xx += p * p
                yy += q * q
            }
            if xx > 0 && yy > 0 { total += dot / (xx.squareRoot() * yy.squareRoot()) }
        }
        return total / Double(n)
    }

    /// Fraction of the items with a label whose embedding's highest dot product with `classes` [K, D] (unit rows)
    /// is its label; items whose label is nil are skipped. embeddings: [N, D]. The argmax is that of the cosine.
    public static func accuracy(_ embeddings: Tensor, classes: Tensor, truth: [Int?]) throws -> Double {
        guard embeddings.rank == 2, classes.rank == 2, embeddings.shape[1] == classes.shape[1],
            truth.count == embeddings.shape[0]
        else {
            throw TrainingError.badInput(
                "zero-shot of \(embeddings.shape) against \(classes.shape) with \(truth.count) labels")
        }
        let scores = try embeddings.matmul(classes, transposeOther: true).scalars  // [N, K]
        let k = classes.shape[0]
        var right = 0, total = 0
        for (i, label) in truth.enumerated() {
            guard let label else { continue }
            var best = 0
            for j in 0..<k where scores[i * k + j] > scores[i * k + best] { best = j }
            total += 1
            if best == label { right += 1 }
        }
        return total == 0 ? 0 : Double(right) / Double(total)
    }

    /// Unit class embeddings for colour [C, D] and shape [S, D]: each class the mean of "a red circle", "a red
    /// square", … over the other attribute (the prompt ensembles of `CLIPEvaluation`).
    static func attributeClasses(text: CLIPTextEncoder, tokenizer: CLIPTokenizer) throws -> (
        colour: Tensor, shape: Tensor
    ) {
        let colours = NamedColor.allCases, shapes = ShapeKind.allCases
        func article(_ word: String) -> String { "aeiou".contains(word.first ?? "x") ? "an" : "a" }
        let grid = colours.flatMap { c in shapes.map { s in "\(article(c.word)) \(c.word) \(s.word)" } }
        let embeds = try CLIPEvaluation.textEmbeddings(text, tokenizer, grid).scalars  // [C·S, E], unit rows
        let e = embeds.count / grid.count
        func ensemble(_ members: [Int]) -> [Float] {
            var v = [Float](repeating: 0, count: e)
            for m in members { for k in 0..<e { v[k] += embeds[m * e + k] } }
            return v
        }
        let colour = try CLIPSimilarity.normalized(
            Tensor(
                shape: [colours.count, e],
                scalars: colours.indices.flatMap { c in ensemble(shapes.indices.map { c * shapes.count + $0 }) }))
        let shape = try CLIPSimilarity.normalized(
            Tensor(
                shape: [shapes.count, e],
                scalars: shapes.indices.flatMap { s in ensemble(colours.indices.map { $0 * shapes.count + s }) }))
        return (colour, shape)
    }
}
