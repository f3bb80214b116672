/// A tensor that takes part in reverse-mode differentiation: a value and, after `Tape.backward`, a gradient.
///
/// Parameters are long-lived `Variable`s reused across steps (their `grad` accumulates until `zeroGrad()`);
/// intermediate results are made by `Tape` operations. Inference code uses plain `Tensor`s and no tape.
public final class Variable {
    /// The value. Optimizers update parameters in place through `update(_:)`.
    public private(set) var value: Tensor
    /// d(loss)/d(value), same shape as `value`; nil until a gradient reaches this variable.
    public private(set) var grad: Tensor?
    /// Whether gradients are accumulated for this variable.
    public let requiresGrad: Bool

    public init(_ value: Tensor, requiresGrad: Bool = true) {
        self.value = value
        self.requiresGrad = requiresGrad
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }

    /// Forgets the gradient.
    public func zeroGrad() { grad = nil }

    /// Replaces the value (same shape), for optimizers and checkpoint loading.
    public func update(_ newValue: Tensor) throws {
        guard newValue.shape == value.shape else {
            throw TensorError.shapeMismatch(op: "Variable.update", lhs: value.shape, rhs: newValue.shape)
        }
        value = newValue
    }

    /// Mutable access to the value's elements (copy-on-write respected).
    public func withMutableValue<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try value.withUnsafeMutableBufferPointer(body)
    }

    /// The gradient buffer, allocated as zeros on first use; kernels accumulate into it.
    func gradPointer() -> UnsafeMutablePointer<Float> {
        if grad == nil { grad = Tensor(validShape: value.shape) }
        grad!.makeUnique()
        return grad!.storage.pointer
    }

    /// Sets the gradient (used to seed the loss).
    func setGrad(_ g: Tensor) { grad = g }
}
