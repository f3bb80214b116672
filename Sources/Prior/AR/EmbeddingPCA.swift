import TensorCore

/// Principal component analysis of CLIP image embeddings, as the unCLIP paper's autoregressive prior uses it: the
/// mean and the leading principal axes of the training embeddings (eigenvectors of their covariance, computed in
/// double), keeping the fewest components that hold a given fraction of the variance (99%), at most a cap (319).
public struct EmbeddingPCA: Sendable {
    /// The training mean [D].
    public let mean: [Float]
    /// The principal axes, row-major [K, D], unit rows in order of decreasing variance.
    public let components: [Float]
    /// The variance along each axis [K] (covariance eigenvalues, N − 1 normalisation).
    public let variances: [Float]
    /// The fraction of the total variance the kept axes hold.
    public let explainedFraction: Double

    /// Embedding width D.
    public var dimension: Int { mean.count }
    /// Number of kept components K.
    public var componentCount: Int { variances.count }

    /// A PCA from stored parameters (mean [D], components [K, D], variances [K]).
    public init(mean: [Float], components: [Float], variances: [Float], explainedFraction: Double = 1) throws {
        guard !mean.isEmpty, !variances.isEmpty, components.count == variances.count * mean.count else {
            throw PriorError.badInput(
                name: "pca.components", shape: [components.count],
                expected: "[\(variances.count), \(mean.count)] for \(variances.count) variances of width \(mean.count)")
        }
        self.mean = mean
        self.components = components
        self.variances = variances
        self.explainedFraction = explainedFraction
    }

    /// Fits the PCA to `embeddings` [N, D] (N ≥ 2): keeps the fewest components whose variances sum to at least
    /// `varianceFraction` of the total, and at most `maxComponents`.
    public init(fitting embeddings: Tensor, varianceFraction: Double = 0.99, maxComponents: Int = 319) throws {
        guard embeddings.rank == 2, embeddings.shape[0] >= 2, embeddings.shape[1] >= 1 else {
            throw PriorError.badInput(name: "image.embed", shape: embeddings.shape, expected: "[N ≥ 2, D]")
        }
        guard varianceFraction > 0, varianceFraction <= 1, maxComponents >= 1 else {
            throw PriorError.badOption(
                name: "pca", reason: "variance fraction must be in (0, 1] and max components ≥ 1")
        }
        let (n, d) = (embeddings.shape[0], embeddings.shape[1])
        let x = embeddings.scalars
        guard x.allSatisfy(\.isFinite) else {
            throw PriorError.badInput(name: "image.embed", shape: embeddings.shape, expected: "finite values")
        }
        var mu = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mu[j] += Double(x[i * d + j]) } }
        for j in 0..<d { mu[j] /= Double(n) }
        var cov = [Double](repeating: 0, count: d * d)  // C = Σ (x − μ)(x − μ)ᵀ / (N − 1), upper triangle first
        var row = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d { row[j] = Double(x[i * d + j]) - mu[j] }
            for j in 0..<d where row[j] != 0 {
                let rj = row[j]
                for k in j..<d { cov[j * d + k] += rj * row[k] }
            }
        }
        for j in 0..<d {
            for k in j..<d {
                cov[j * d + k] /= Double(n - 1)
                cov[k * d + j] = cov[j * d + k]
            }
        }
        let eigen = try SymmetricEigen(matrix: cov, size: d)
        let values = eigen.values.map { max($0, 0) }
        let total = values.reduce(0, +)
        var kept = 0, held = 0.0
        while kept < min(d, maxComponents) {
            held += values[kept]
            kept += 1
            if total == 0 || held >= varianceFraction * total { break }
        }
        mean = mu.map { Float($0) }
        components = eigen.vectors[0..<(kept * d)].map { Float($0) }
        variances = values[0..<kept].map { Float($0) }
        explainedFraction = total > 0 ? held / total : 1
    }

    /// Coordinates along the principal axes: embeddings [N, D] → [N, K], `(x − μ) · Vᵀ`.
    public func transform(_ embeddings: Tensor) throws -> Tensor {
        let d = dimension, k = componentCount
        guard embeddings.rank == 2, embeddings.shape[1] == d else {
            throw PriorError.badInput(name: "image.embed", shape: embeddings.shape, expected: "[N, \(d)]")
        }
        let n = embeddings.shape[0], x = embeddings.scalars
        var out = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            for c in 0..<k {
                var s: Float = 0
                for j in 0..<d { s += (x[i * d + j] - mean[j]) * components[c * d + j] }
                out[i * k + c] = s
            }
        }
        return try Tensor(shape: [n, k], scalars: out)
    }

    /// Embeddings from coordinates: [N, K] → [N, D], `z · V + μ` (exact for vectors in the kept subspace).
    public func inverseTransform(_ coordinates: Tensor) throws -> Tensor {
        let d = dimension, k = componentCount
        guard coordinates.rank == 2, coordinates.shape[1] == k else {
            throw PriorError.badInput(name: "pca coordinates", shape: coordinates.shape, expected: "[N, \(k)]")
        }
        let n = coordinates.shape[0], z = coordinates.scalars
        var out = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            for j in 0..<d { out[i * d + j] = mean[j] }
            for c in 0..<k where z[i * k + c] != 0 {
                let zc = z[i * k + c]
                for j in 0..<d { out[i * d + j] += zc * components[c * d + j] }
            }
        }
        return try Tensor(shape: [n, d], scalars: out)
    }
}
