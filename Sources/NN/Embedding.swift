import TensorCore

/// A lookup table `[count, dim]` (PyTorch `nn.Embedding`).
public final class Embedding: Module {
    public let weight: Variable

    public init(_ count: Int, _ dim: Int) throws {
        weight = Variable(try Tensor(untouchedZeros: [count, dim]))
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

    /// Standard normal (PyTorch's default).
    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        try weight.update(rng.normal(shape: weight.shape))
    }
}
