import TensorCore

/// Group normalisation of `[N, C, ...]` (PyTorch `nn.GroupNorm`), affine weight `[C]` and bias `[C]`.
public final class GroupNorm: Module {
    public let weight: Variable?
    public let bias: Variable?
    public let groups: Int
    public let eps: Float

    public init(groups: Int, channels: Int, eps: Float = 1e-5, affine: Bool = true) throws {
        guard groups > 0, channels % groups == 0 else {
            throw TensorError.invalidArgument(op: "GroupNorm", reason: "\(channels) channels in \(groups) groups")
        }
        weight = affine ? Variable(try Tensor(repeating: 1, shape: [channels])) : nil
        bias = affine ? Variable(try Tensor(untouchedZeros: [channels])) : nil
        self.groups = groups
        self.eps = eps
    }

    /// x: [N, C, ...] → [N, C, ...]
    public func callAsFunction(_ x: Variable, tape: Tape) throws -> Variable {
        if !tape.needsGradient(x, weight, bias) {
            return .constant(try x.value.groupNorm(groups: groups, weight: weight?.value, bias: bias?.value, eps: eps))
        }
        return try tape.groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps)
    }

    /// Inference only: the norm with a per-sample `modulation` (y · (1 + scale) + shift, `[N, C]` each) and an
    /// `activation` fused into its pass (`Tensor.groupNorm`). No tape, no gradient.
    public func fused(
        _ x: Tensor, modulation: (scale: Tensor, shift: Tensor)? = nil, activation: Activation?
    ) throws -> Tensor {
        try x.groupNorm(
            groups: groups, weight: weight?.value, bias: bias?.value, eps: eps, modulation: modulation,
            activation: activation)
    }

    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        if let weight { try weight.update(Tensor(repeating: 1, shape: weight.shape)) }
        if let bias { try bias.update(Tensor(zeros: bias.shape)) }
    }
}
