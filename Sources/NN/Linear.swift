import Foundation
import TensorCore

/// `y = x·Wᵀ + b` (PyTorch `nn.Linear`): weight `[out, in]`, optional bias `[out]`.
public final class Linear: Module {
    public let weight: Variable
    public let bias: Variable?

    /// A zero-initialised layer; call `initializeParameters(seed:)` on the model or load a checkpoint.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) throws {
        weight = Variable(try Tensor(zeros: [outFeatures, inFeatures]))
        self.bias = bias ? Variable(try Tensor(zeros: [outFeatures])) : nil
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// x: [..., in] → [..., out]
    public func callAsFunction(_ x: Variable, tape: Tape) throws -> Variable {
        if !tape.tracks(x, weight, bias) {
            return .constant(try x.value.linear(weight: weight.value, bias: bias?.value))
        }
        return try tape.linear(x, weight: weight, bias: bias)
    }

    /// Uniform in ±1/√in for weight and bias (PyTorch's default).
    override public func resetParameters(using rng: inout PhiloxRandom) throws {
        let bound = 1 / Float(max(1, inFeatures)).squareRoot()
        try weight.update(rng.uniform(shape: weight.shape).affine(scale: 2 * bound, shift: -bound))
        if let bias { try bias.update(rng.uniform(shape: bias.shape).affine(scale: 2 * bound, shift: -bound)) }
    }
}

extension Tensor {
    /// `self · scale + shift`, element-wise.
    func affine(scale: Float, shift: Float) -> Tensor {
        var t = self
        t.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = p[i] * scale + shift } }
        return t
    }
}
