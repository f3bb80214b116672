/// Gradient clipping by global norm, as PyTorch's `clip_grad_norm_`.
public enum GradientClipping {
    /// Scales every gradient by `maxNorm / (norm + 1e-6)` when that is below 1, where `norm` is the L2 norm of
    /// all gradients together (accumulated in double). Returns `norm` before clipping.
    @discardableResult
    public static func clipByGlobalNorm(_ parameters: [Variable], maxNorm: Float) -> Float {
        var total = 0.0
        for p in parameters {
            guard let g = p.grad else { continue }
            for i in 0..<g.count { total += Double(g.storage.pointer[i]) * Double(g.storage.pointer[i]) }
        }
        let norm = Float(total.squareRoot())
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            for p in parameters where p.grad != nil {
                let g = p.gradPointer()
                for i in 0..<p.value.count { g[i] *= coefficient }
            }
        }
        return norm
    }
}
