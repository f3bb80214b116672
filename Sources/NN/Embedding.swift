import TensorCore

/// A lookup table `[count, dim]` (PyTorch `nn.Embedding`).
public final class Embedding: Module {
    public let weight: Variable
    /// Standard deviation of the initial weights (`resetParameters`).
    public let initialScale: Float

    /// A table initialised (by `resetParameters`) from N(0, `initialScale`²): 1 is PyTorch's default, GPT-style
    /// models use 0.02 so that token embeddings do not drown what attention adds to the residual stream.
    public init(_ count: Int, _ dim: Int, initialScale: Float = 1) throws {
        weight = Variable(try Tensor(untouchedZeros: [count, dim]))
        self.initialScale = initialScale
    }

    public var count: Int { weight.shape[0] }
    public var dim: Int { weight.shape[1] }

    /// ids: `shape` (e.g. [B, T]), each in 0..<count → [shape..., D]. An id out of range is an error naming it.
    public func callAsFunction(_ ids: [Int], shape: [Int], tape: Tape) throws -> Variable {
        guard shape.reduce(1, *) == ids.count else {
            throw TensorError.shapeMismatch(op: "Embedding", lhs: shape, rhs: [ids.count])
        }
        let rows = try tape.embedding(weight, ids: ids)  // [N, D]
        return rows.requiresGrad
            ? try tape.reshape(rows, shape + [dim]) : .constant(try rows.value.reshaped(shape + [dim]))
    }

    /// N(0, `initialScale`²).
    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        let values = try rng.normal(shape: weight.shape)
        try weight.update(initialScale == 1 ? values : values.scaled(by: initialScale))
    }
}
