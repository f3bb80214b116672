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
        try callAsFunction(x, modulation: nil, activation: nil, tape: tape)
    }

    /// The norm, then y · (1 + scale) + shift with a per-sample `modulation` (`[N, C]` each), then `activation`:
    /// a UNet block's norm and what follows it. When nothing needs a gradient the three run as one pass over the
    /// activations (`Tensor.groupNorm`); otherwise they are recorded as separate ops.
    public func callAsFunction(
        _ x: Variable, modulation: (scale: Variable, shift: Variable)?, activation: Activation?, tape: Tape
    ) throws -> Variable {
        if !tape.needsGradient(x, weight, bias, modulation?.scale, modulation?.shift) {
            return .constant(
                try x.value.groupNorm(
                    groups: groups, weight: weight?.value, bias: bias?.value, eps: eps,
                    modulation: modulation.map { ($0.scale.value, $0.shift.value) }, activation: activation))
        }
        var h = try tape.groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps)
        if let modulation {
            let broadcast = [x.shape[0], x.shape[1]] + [Int](repeating: 1, count: x.shape.count - 2)
            let scale = try tape.reshape(modulation.scale, broadcast),
                shift = try tape.reshape(modulation.shift, broadcast)
            // h·(1 + scale) + shift, written as h + h·scale + shift.
            h = try tape.add(try tape.add(h, try tape.multiply(h, scale)), shift)
        }
        return activation.map { tape.activation(h, $0) } ?? h
    }

    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        if let weight { try weight.update(Tensor(repeating: 1, shape: weight.shape)) }
        if let bias { try bias.update(Tensor(zeros: bias.shape)) }
    }
}
