import TensorStream

/// A batch of feature vectors `[count, width]` in Double, row-major: CLIP embeddings as the zero-shot, ranking
/// and probe code reads them (small matrices, so plain loops in Double keep every result deterministic).
public struct FeatureRows: Sendable, Equatable {
    /// Rows (B).
    public let count: Int
    /// Features per row (D).
    public let width: Int
    /// `[count, width]` row-major.
    public private(set) var values: [Double]

    /// Rows from flat values; throws unless `values.count == count * width` and every value is finite.
    public init(count: Int, width: Int, values: [Double]) throws {
        guard count >= 0, width > 0, values.count == count * width else {
            throw CLIPError.badInput("\(values.count) values do not make \(count) rows of \(width)")
        }
        guard values.allSatisfy(\.isFinite) else { throw CLIPError.badInput("features hold NaN or infinity") }
        self.count = count
        self.width = width
        self.values = values
    }

    /// Rows from nested arrays of equal length.
    public init(rows: [[Double]]) throws {
        guard let width = rows.first?.count else { throw CLIPError.badInput("no feature rows") }
        guard rows.allSatisfy({ $0.count == width }) else { throw CLIPError.badInput("feature rows differ in length") }
        try self.init(count: rows.count, width: width, values: rows.flatMap { $0 })
    }

    /// The tensor `name` of a frame, which must be a float `[B, D]` tensor with finite values; errors name it.
    public init(_ blob: TensorBlob, name: String) throws {
        guard blob.shape.count == 2, blob.shape[1] > 0, !blob.dtype.isInteger else {
            throw CLIPError.badInput("tensor '\(name)' is \(blob.dtype.rawValue) \(blob.shape), expected float [B, D]")
        }
        do {
            try self.init(count: blob.shape[0], width: blob.shape[1], values: try blob.floats().map(Double.init))
        } catch {
            throw CLIPError.badInput("tensor '\(name)': \(error)")
        }
    }

    /// Row `i`.
    public func row(_ i: Int) -> ArraySlice<Double> { values[(i * width)..<((i + 1) * width)] }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> FeatureRows {
        FeatureRows(unchecked: indices.count, width, indices.flatMap { row($0) })
    }

    /// Each row divided by its L2 norm (a zero row stays zero), as CLIP compares embeddings.
    public func normalized() -> FeatureRows {
        var out = values
        for r in 0..<count {
            var s = 0.0
            for j in 0..<width { s += out[r * width + j] * out[r * width + j] }
            let inverse = s > 0 ? 1 / s.squareRoot() : 0
            for j in 0..<width { out[r * width + j] *= inverse }
        }
        return FeatureRows(unchecked: count, width, out)
    }

    /// The dot product of row `i` of `self` with row `j` of `other` (same width).
    public func dot(_ i: Int, _ other: FeatureRows, _ j: Int) -> Double {
        var s = 0.0
        let a = i * width, b = j * other.width
        for k in 0..<width { s += values[a + k] * other.values[b + k] }
        return s
    }

    /// The F32 tensor `[count, width]`.
    public func blob() throws -> TensorBlob {
        try .float32(shape: [count, width], values.map(Float.init))
    }

    init(unchecked count: Int, _ width: Int, _ values: [Double]) {
        self.count = count
        self.width = width
        self.values = values
    }
}
