/// Adam with decoupled weight decay (Loshchilov & Hutter), with PyTorch `torch.optim.AdamW`'s exact update order:
///
///     t += 1
///     p ← p · (1 − lr·λ)
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Parameters without a gradient are skipped (their moments are unchanged), as in PyTorch.
public final class AdamW {
    /// The parameters, in a fixed order (the order of the state).
    public let parameters: [Variable]
    public var learningRate: Float
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// Steps taken so far.
    public private(set) var step: Int = 0
    /// First moments, one per parameter.
    public private(set) var firstMoments: [Tensor]
    /// Second moments, one per parameter.
    public private(set) var secondMoments: [Tensor]

    public init(
        parameters: [Variable], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        eps: Float = 1e-8, weightDecay: Float = 1e-2
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        firstMoments = parameters.map { Tensor(validShape: $0.shape) }
        secondMoments = parameters.map { Tensor(validShape: $0.shape) }
    }

    /// Applies one update from the parameters' current gradients.
    public func update() {
        step += 1
        let lr = learningRate
        let bc1 = 1 - pow(Double(beta1), Double(step)), bc2 = 1 - pow(Double(beta2), Double(step))
        let stepSize = Float(Double(lr) / bc1), bc2Sqrt = Float(bc2.squareRoot())
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            firstMoments[i].makeUnique()
            secondMoments[i].makeUnique()
            let m = firstMoments[i].storage.pointer, v = secondMoments[i].storage.pointer, gp = g.storage.pointer
            let (b1, b2, eps, decay) = (beta1, beta2, eps, 1 - lr * weightDecay)
            p.withMutableValue { w in
                for j in 0..<w.count {
                    w[j] *= decay
                    m[j] = b1 * m[j] + (1 - b1) * gp[j]
                    v[j] = b2 * v[j] + (1 - b2) * gp[j] * gp[j]
                    w[j] -= stepSize * m[j] / (v[j].squareRoot() / bc2Sqrt + eps)
                }
            }
        }
    }

    /// Restores the optimizer state (for resuming from a checkpoint); shapes must match the parameters.
    public func restore(step: Int, firstMoments: [Tensor], secondMoments: [Tensor]) throws {
        guard step >= 0, firstMoments.count == parameters.count, secondMoments.count == parameters.count else {
            throw TensorError.invalidArgument(
                op: "AdamW.restore", reason: "state for \(firstMoments.count) parameters, have \(parameters.count)")
        }
        for (i, p) in parameters.enumerated()
        where firstMoments[i].shape != p.shape || secondMoments[i].shape != p.shape {
            throw TensorError.shapeMismatch(op: "AdamW.restore", lhs: p.shape, rhs: firstMoments[i].shape)
        }
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }

    /// Forgets every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif
