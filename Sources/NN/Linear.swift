import Foundation
import TensorCore

/// `y = x·Wᵀ + b` (PyTorch `nn.Linear`): weight `[out, in]`, optional bias `[out]`.
public final class Linear: Module {
    public let weight: Variable
    public let bias: Variable?
    /// The weight packed for the GEMM micro-kernel, with the tensor it was packed from (see `prepareForInference`).
    private var packed: (source: Tensor, matrix: PackedMatrix)?

    /// A zero-initialised layer; call `initializeParameters(seed:)` on the model or load a checkpoint.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) throws {
        weight = Variable(try Tensor(untouchedZeros: [outFeatures, inFeatures]))
        self.bias = bias ? Variable(try Tensor(untouchedZeros: [outFeatures])) : nil
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// x: [..., in] → [..., out]
    public func callAsFunction(_ x: Variable, tape: Tape) throws -> Variable {
        if !tape.needsGradient(x, weight, bias) {
            // The packed copy is used only while the weight is the very buffer it was packed from; any update
            // (load, optimizer step: copy-on-write, since `packed` holds a reference) makes a new buffer.
            if let packed, packed.source.storage === weight.value.storage {
                return .constant(try x.value.linear(packedWeight: packed.matrix, bias: bias?.value))
            }
            return .constant(try x.value.linear(weight: weight.value, bias: bias?.value))
        }
        return try tape.linear(x, weight: weight, bias: bias)
    }

    /// Packs the weight once for inference (skips re-packing it on every product); unless `keepingWeights`, the
    /// plain weight then becomes untouched zeros, so the packed matrix is the only copy.
    override public func prepareForInference(keepingWeights: Bool) throws {
        let matrix = try PackedMatrix(weight.value, transposed: true)
        if !keepingWeights { try weight.update(Tensor(untouchedZeros: weight.shape)) }
        packed = (weight.value, matrix)
    }

    /// Drops the packed copy.
    override public func releaseInferenceCache() { packed = nil }

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
