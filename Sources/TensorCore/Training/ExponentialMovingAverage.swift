/// An exponential moving average of parameters (the "EMA weights" of diffusion training):
/// `shadow ← d·shadow + (1 − d)·param` with `d = min(decay, (1 + updates) / (10 + updates))` when `warmup`
/// is set (diffusers' `EMAModel` default), else `d = decay`.
public final class ExponentialMovingAverage {
    public let decay: Float
    public let warmup: Bool
    /// Updates applied so far.
    public private(set) var updates: Int = 0
    /// The averaged values, one per tracked parameter.
    public private(set) var shadow: [Tensor]

    /// Starts the average at the parameters' current values.
    public init(parameters: [Variable], decay: Float = 0.9999, warmup: Bool = true) {
        self.decay = decay
        self.warmup = warmup
        shadow = parameters.map { $0.value }
    }

    /// Restores an average from a checkpoint: its shadow values and how many updates made them (the warm-up
    /// decay depends on the count, so an exact resume needs it).
    public init(shadow: [Tensor], decay: Float, warmup: Bool, updates: Int) {
        self.decay = decay
        self.warmup = warmup
        self.shadow = shadow
        self.updates = max(0, updates)
    }

    /// The decay used by the next update.
    public var currentDecay: Float {
        warmup ? min(decay, Float(1 + updates) / Float(10 + updates)) : decay
    }

    /// Folds the parameters' current values into the average. Throws if they do not match the tracked shapes.
    public func update(from parameters: [Variable]) throws {
        guard parameters.count == shadow.count else {
            throw TensorError.invalidArgument(
                op: "EMA.update", reason: "\(parameters.count) parameters, tracking \(shadow.count)")
        }
        let d = currentDecay
        for (i, p) in parameters.enumerated() {
            guard p.shape == shadow[i].shape else {
                throw TensorError.shapeMismatch(op: "EMA.update", lhs: shadow[i].shape, rhs: p.shape)
            }
            shadow[i].withUnsafeMutableBufferPointer { s in
                let x = p.value.storage.pointer
                for j in 0..<s.count { s[j] = d * s[j] + (1 - d) * x[j] }
            }
        }
        updates += 1
    }

    /// Copies the averaged values into `parameters` (e.g. for evaluation or export).
    public func copy(to parameters: [Variable]) throws {
        guard parameters.count == shadow.count else {
            throw TensorError.invalidArgument(
                op: "EMA.copy", reason: "\(parameters.count) parameters, tracking \(shadow.count)")
        }
        for (i, p) in parameters.enumerated() { try p.update(shadow[i]) }
    }
}
