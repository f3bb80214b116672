import TensorCore

/// Layer normalisation over the last dimension (PyTorch `nn.LayerNorm`), affine weight `[C]` and bias `[C]`.
public final class LayerNorm: Module {
    public let weight: Variable?
    public let bias: Variable?
    public let eps: Float

    public init(_ channels: Int, eps: Float = 1e-5, affine: Bool = true, bias: Bool = true) throws {
        weight = affine ? Variable(try Tensor(repeating: 1, shape: [channels])) : nil
        self.bias = affine && bias ? Variable(try Tensor(untouchedZeros: [channels])) : nil
        self.eps = eps
    }

    /// x: [..., C] → [..., C]
    public func callAsFunction(_ x: Variable, tape: Tape) throws -> Variable {
        if !tape.needsGradient(x, weight, bias) {
            return .constant(try x.value.layerNorm(weight: weight?.value, bias: bias?.value, eps: eps))
        }
        return try tape.layerNorm(x, weight: weight, bias: bias, eps: eps)
    }

    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        if let weight { try weight.update(Tensor(repeating: 1, shape: weight.shape)) }
        if let bias { try bias.update(Tensor(zeros: bias.shape)) }
    }
}
