import TensorCore

/// 2-D convolution of NCHW tensors (PyTorch `nn.Conv2d`, groups 1): weight `[O, C, KH, KW]`, optional bias `[O]`.
public final class Conv2d: Module {
    public let weight: Variable
    public let bias: Variable?
    public let stride: Int
    public let padding: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true
    ) throws {
        weight = Variable(try Tensor(untouchedZeros: [outChannels, inChannels, kernelSize, kernelSize]))
        self.bias = bias ? Variable(try Tensor(untouchedZeros: [outChannels])) : nil
        self.stride = stride
        self.padding = padding
    }

    /// x: [B, C, H, W] → [B, O, H', W']
    public func callAsFunction(_ x: Variable, tape: Tape) throws -> Variable {
        if !tape.needsGradient(x, weight, bias) {
            return .constant(
                try x.value.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding))
        }
        return try tape.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding)
    }

    /// Uniform in ±1/√fan_in (PyTorch's default), fan_in = C·KH·KW.
    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        let fanIn = weight.shape[1...].reduce(1, *)
        let bound = 1 / Float(max(1, fanIn)).squareRoot()
        try weight.update(rng.uniform(shape: weight.shape).affine(scale: 2 * bound, shift: -bound))
        if let bias { try bias.update(rng.uniform(shape: bias.shape).affine(scale: 2 * bound, shift: -bound)) }
    }
}
