import Foundation
import TensorCore

/// What turns CLIP embeddings into the AR prior's tokens and back: the PCA of image embeddings, the per-component
/// code quantiser, the quantiser of the text–image cosine (uniform over [−1, 1]), and quantiles of the training
/// cosines (sampling draws the cosine token from their top half). Saved as `codebook.safetensors` in the model
/// folder: `pca.mean` [D], `pca.components` [K, D], `pca.variances` [K], `codes.low` [K], `codes.high` [K],
/// `dot.quantiles` [Q] (Q = 129, at probabilities 0, 1/128, …, 1).
public struct ARPriorCodebook: Sendable {
    /// The file name inside a model folder.
    public static let fileName = "codebook.safetensors"
    /// Number of stored cosine quantiles.
    public static let quantileCount = 129

    /// The image-embedding PCA.
    public let pca: EmbeddingPCA
    /// The PCA-coordinate quantiser (K channels).
    public let codes: UniformQuantizer
    /// The cosine quantiser (one channel over [−1, 1]).
    public let dot: UniformQuantizer
    /// Training cosines between text and image embeddings at probabilities i / (Q − 1), ascending.
    public let dotQuantiles: [Float]

    /// A codebook from its parts.
    public init(pca: EmbeddingPCA, codes: UniformQuantizer, dot: UniformQuantizer, dotQuantiles: [Float]) throws {
        guard codes.channels == pca.componentCount, dot.channels == 1, dotQuantiles.count >= 2,
            zip(dotQuantiles, dotQuantiles.dropFirst()).allSatisfy({ $0 <= $1 })
        else {
            throw PriorError.badInput(
                name: "codebook", shape: [codes.channels, pca.componentCount, dotQuantiles.count],
                expected: "one code range per component and ascending cosine quantiles")
        }
        self.pca = pca
        self.codes = codes
        self.dot = dot
        self.dotQuantiles = dotQuantiles
    }

    /// Fits the codebook to training pairs: text [N, D] and image [N, D] embeddings.
    public init(fitting text: Tensor, images: Tensor, configuration c: ARPriorConfiguration) throws {
        guard text.shape == images.shape else {
            throw PriorError.badInput(name: "text.embed", shape: text.shape, expected: "\(images.shape) as image.embed")
        }
        let pca = try EmbeddingPCA(
            fitting: images, varianceFraction: c.varianceFraction, maxComponents: c.maxComponents)
        let z = try pca.transform(images)
        let codes = try UniformQuantizer(
            fitting: z.scalars, channels: pca.componentCount, buckets: c.codeBuckets,
            standardDeviations: pca.variances.map { $0.squareRoot() })
        let cosines = try Self.cosines(text, images).sorted()
        let q = Self.quantileCount
        let quantiles = (0..<q).map { i -> Float in
            let position = Double(i) / Double(q - 1) * Double(cosines.count - 1)
            let lower = Int(position.rounded(.down)), upper = min(lower + 1, cosines.count - 1)
            let f = Float(position - Double(lower))
            return cosines[lower] + f * (cosines[upper] - cosines[lower])
        }
        try self.init(
            pca: pca, codes: codes, dot: UniformQuantizer(low: [-1], high: [1], buckets: c.dotBuckets),
            dotQuantiles: quantiles)
    }

    /// Cosine similarity of each row pair of two [N, D] tensors (0 for a zero row).
    public static func cosines(_ a: Tensor, _ b: Tensor) throws -> [Float] {
        guard a.rank == 2, a.shape == b.shape else {
            throw PriorError.badInput(name: "embeddings", shape: b.shape, expected: "\(a.shape)")
        }
        let (n, d) = (a.shape[0], a.shape[1]), x = a.scalars, y = b.scalars
        return (0..<n).map { i in
            var dot = 0.0, xx = 0.0, yy = 0.0
            for j in 0..<d {
                let u = Double(x[i * d + j]), v = Double(y[i * d + j])
                dot += u * v
                xx += u * u
                yy += v * v
            }
            return xx > 0 && yy > 0 ? Float(dot / (xx * yy).squareRoot()) : 0
        }
    }

    /// The image codes of embeddings [N, D] → N·K codes, row-major.
    public func encode(images: Tensor) throws -> [Int] {
        codes.encode(try pca.transform(images).scalars)
    }

    /// The cosine tokens of text/image pairs [N, D] each → N tokens.
    public func dotTokens(text: Tensor, images: Tensor) throws -> [Int] {
        try Self.cosines(text, images).map { dot.code($0, channel: 0) }
    }

    /// Embeddings from codes (N·K, row-major) → [N, D]: de-quantised, then the PCA inverted.
    public func decode(_ codeValues: [Int]) throws -> Tensor {
        let k = pca.componentCount
        guard codeValues.count % k == 0, !codeValues.isEmpty else {
            throw PriorError.badInput(name: "codes", shape: [codeValues.count], expected: "[N × \(k)]")
        }
        return try pca.inverseTransform(Tensor(shape: [codeValues.count / k, k], scalars: codes.decode(codeValues)))
    }

    /// The training cosine at probability `p` in [0, 1] (linear between stored quantiles).
    public func dotQuantile(_ p: Float) -> Float {
        let position = min(max(p, 0), 1) * Float(dotQuantiles.count - 1)
        let lower = min(Int(position), dotQuantiles.count - 2)
        let f = position - Float(lower)
        return dotQuantiles[lower] + f * (dotQuantiles[lower + 1] - dotQuantiles[lower])
    }

    /// The tensors of `codebook.safetensors`.
    public func weightFile() throws -> WeightFile {
        let k = pca.componentCount, d = pca.dimension
        func t(_ shape: [Int], _ values: [Float]) throws -> Tensor { try Tensor(shape: shape, scalars: values) }
        return try WeightFile(
            tensors: [
                ("pca.mean", t([d], pca.mean)), ("pca.components", t([k, d], pca.components)),
                ("pca.variances", t([k], pca.variances)), ("codes.low", t([k], codes.low)),
                ("codes.high", t([k], codes.high)), ("dot.quantiles", t([dotQuantiles.count], dotQuantiles)),
            ],
            metadata: [
                "code_buckets": String(codes.buckets), "dot_buckets": String(dot.buckets),
                "explained_variance": String(pca.explainedFraction),
            ])
    }

    /// Reads `codebook.safetensors` for a model of configuration `c` (shapes checked against it).
    public init(contentsOf path: String, configuration c: ARPriorConfiguration) throws {
        let file: WeightFile
        do {
            file = try WeightFile(contentsOf: path)
        } catch {
            throw PriorError.badModelFile(path: path, reason: "\(error)")
        }
        let tensors = Dictionary(file.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let (k, d) = (c.components, c.embeddingDim)
        func read(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let t = tensors[name] else {
                throw PriorError.badModelFile(path: path, reason: "no tensor '\(name)'")
            }
            guard t.shape == shape else { throw PriorError.badInput(name: name, shape: t.shape, expected: "\(shape)") }
            let values = t.scalars
            guard values.allSatisfy(\.isFinite) else {
                throw PriorError.badModelFile(path: path, reason: "'\(name)' holds non-finite values")
            }
            return values
        }
        let quantiles = tensors["dot.quantiles"]?.shape.first ?? 0
        try self.init(
            pca: EmbeddingPCA(
                mean: read("pca.mean", [d]), components: read("pca.components", [k, d]),
                variances: read("pca.variances", [k])),
            codes: UniformQuantizer(
                low: read("codes.low", [k]), high: read("codes.high", [k]), buckets: c.codeBuckets),
            dot: UniformQuantizer(low: [-1], high: [1], buckets: c.dotBuckets),
            dotQuantiles: read("dot.quantiles", [max(quantiles, 2)]))
    }
}
