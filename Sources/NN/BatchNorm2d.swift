import TensorCore

/// Batch normalisation of NCHW with the running statistics (PyTorch `nn.BatchNorm2d` in eval mode):
/// `(x − running_mean) / √(running_var + eps) · weight + bias`. Keys: `weight`, `bias`, `running_mean`,
/// `running_var` (the statistics are loaded like parameters but never receive gradients).
public final class BatchNorm2d: Module {
    public let weight: Variable
    public let bias: Variable
    public let runningMean: Variable
    public let runningVar: Variable
    public let eps: Float

    public init(_ channels: Int, eps: Float = 1e-5) throws {
        weight = Variable(try Tensor(repeating: 1, shape: [channels]))
        bias = Variable(try Tensor(untouchedZeros: [channels]))
        runningMean = Variable(try Tensor(untouchedZeros: [channels]), requiresGrad: false)
        runningVar = Variable(try Tensor(repeating: 1, shape: [channels]), requiresGrad: false)
        self.eps = eps
    }

    /// x: [N, C, H, W] → [N, C, H, W]
    public func callAsFunction(_ x: Variable, tape: Tape) throws -> Variable {
        let c = weight.shape[0]
        guard x.value.rank == 4, x.shape[1] == c else {
            throw TensorError.shapeMismatch(op: "BatchNorm2d", lhs: x.shape, rhs: [c])
        }
        var inverse = runningVar.value
        inverse.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = 1 / (p[i] + eps).squareRoot() } }
        let scale = try tape.multiply(weight, .constant(inverse))  // [C]
        let shift = try tape.subtract(bias, tape.multiply(.constant(runningMean.value), scale))  // [C]
        let y = try tape.multiply(x, tape.reshape(scale, [1, c, 1, 1]))
        return try tape.add(y, tape.reshape(shift, [1, c, 1, 1]))
    }

    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        try weight.update(Tensor(repeating: 1, shape: weight.shape))
        try bias.update(Tensor(zeros: bias.shape))
        try runningMean.update(Tensor(zeros: runningMean.shape))
        try runningVar.update(Tensor(repeating: 1, shape: runningVar.shape))
    }
}

extension Tape {
    /// max(x, 0), differentiable (the gradient passes where x > 0).
    public func relu(_ x: Variable) throws -> Variable {
        var mask = x.value
        mask.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = p[i] > 0 ? 1 : 0 } }
        if !needsGradient(x) {
            var y = x.value
            y.withUnsafeMutableBufferPointer { p in for i in p.indices where !(p[i] > 0) { p[i] = 0 } }
            return .constant(y)
        }
        return try multiply(x, .constant(mask))
    }
}
