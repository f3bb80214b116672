extension Tensor {
    /// `self ⊙ other` with NumPy broadcasting; throws `shapeMismatch` naming `op` and both shapes.
    public func binary(_ op: BinaryOp, _ other: Tensor) throws -> Tensor {
        guard let shape = Tensor.broadcastShape(self.shape, other.shape) else {
            throw TensorError.shapeMismatch(op: "\(op)", lhs: self.shape, rhs: other.shape)
        }
        let out = try Tensor(unfilledShape: shape)
        op.apply(
            a: storage.pointer, stridesA: Tensor.broadcastStrides(self.shape, to: shape), b: other.storage.pointer,
            stridesB: Tensor.broadcastStrides(other.shape, to: shape), out: out.storage.pointer, shape: shape)
        return out
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.add, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.subtract, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.multiply, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.divide, b) }

    /// Every element multiplied by `s`.
    public func scaled(by s: Float) -> Tensor {
        var out = self
        out.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= s } }
        return out
    }

    /// The activation applied element-wise.
    public func activated(_ f: Activation) -> Tensor {
        let out = Tensor(unfilledLike: self)
        f.forward(storage.pointer, out.storage.pointer, count: count)
        return out
    }

    /// Reduces `axis` (negative counts from the end); the axis is kept with size 1 when `keepingDimension`.
    public func reduced(_ r: Reduction, axis: Int, keepingDimension: Bool = false) throws -> Tensor {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else {
            throw TensorError.invalidShape(op: "\(r)", shape: shape, reason: "no axis \(axis)")
        }
        guard shape[a] > 0 || r == .sum else {
            throw TensorError.invalidShape(op: "\(r)", shape: shape, reason: "empty axis \(axis)")
        }
        var outShape = shape
        if keepingDimension { outShape[a] = 1 } else { outShape.remove(at: a) }
        let out = try Tensor(zeros: outShape)
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        if shape[a] > 0 { r.apply(storage.pointer, out.storage.pointer, outer: outer, axis: shape[a], inner: inner) }
        return out
    }

    /// Sum of all elements (accumulated in double).
    public func sum() -> Float {
        var s = 0.0
        for i in 0..<count { s += Double(storage.pointer[i]) }
        return Float(s)
    }

    /// Softmax over the last dimension.
    public func softmax() throws -> Tensor {
        guard rank >= 1 else { throw TensorError.invalidShape(op: "softmax", shape: shape, reason: "needs rank ≥ 1") }
        let out = try Tensor(unfilledShape: shape)
        let cols = shape[rank - 1]
        if cols > 0 { Softmax.forward(storage.pointer, out.storage.pointer, rows: count / cols, cols: cols) }
        return out
    }

    /// Layer norm over the last dimension with optional affine `weight`/`bias` of shape `[C]`.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        try validateLayerNorm(weight: weight, bias: bias)
        let c = shape[rank - 1]
        let out = Tensor(unfilledLike: self)
        LayerNorm.forward(
            storage.pointer, out.storage.pointer, weight: weight?.storage.pointer,
            bias: bias?.storage.pointer, rows: count / c, channels: c, eps: eps)
        return out
    }

    /// Group norm of an `[N, C, ...]` tensor over `groups` channel groups, affine `[C]` weight/bias.
    ///
    /// Inference fusions of a UNet block, all in the same pass: `modulation` (scale and shift, `[N, C]` each)
    /// makes the result y · (1 + scale) + shift per sample and channel, and `activation` is applied last.
    public func groupNorm(
        groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5,
        modulation: (scale: Tensor, shift: Tensor)? = nil,
        activation: Activation? = nil
    ) throws -> Tensor {
        try validateGroupNorm(groups: groups, weight: weight, bias: bias)
        let c = shape[1]
        for p in [modulation?.scale, modulation?.shift] {
            if let p, p.shape != [shape[0], c] {
                throw TensorError.shapeMismatch(op: "groupNorm modulation", lhs: shape, rhs: p.shape)
            }
        }
        let hw = shape[2...].reduce(1, *)
        let out = Tensor(unfilledLike: self)
        if count > 0 {
            GroupNorm.forward(
                storage.pointer, out.storage.pointer, weight: weight?.storage.pointer, bias: bias?.storage.pointer,
                batch: shape[0], channels: c, spatial: hw, groups: groups, eps: eps,
                modulation: modulation.map {
                    (UnsafePointer($0.scale.storage.pointer), UnsafePointer($0.shift.storage.pointer))
                },
                activation: activation)
        }
        return out
    }
}

extension Tensor {
    /// Throws unless this is `[..., C]` with C > 0 and `weight`/`bias` are `[C]`: `layerNorm`'s checks.
    func validateLayerNorm(weight: Tensor?, bias: Tensor?) throws {
        guard rank >= 1, shape[rank - 1] > 0 else {
            throw TensorError.invalidShape(op: "layerNorm", shape: shape, reason: "needs a non-empty last dimension")
        }
        let c = shape[rank - 1]
        for p in [weight, bias] {
            if let p, p.shape != [c] { throw TensorError.shapeMismatch(op: "layerNorm", lhs: shape, rhs: p.shape) }
        }
    }

    /// Throws unless this is `[N, C, ...]` with C divisible by `groups` and `weight`/`bias` are `[C]`:
    /// `groupNorm`'s checks.
    func validateGroupNorm(groups: Int, weight: Tensor?, bias: Tensor?) throws {
        guard rank >= 2, groups > 0, shape[1] % groups == 0 else {
            throw TensorError.invalidShape(
                op: "groupNorm", shape: shape, reason: "channels not divisible by \(groups) groups")
        }
        let c = shape[1]
        for p in [weight, bias] {
            if let p, p.shape != [c] { throw TensorError.shapeMismatch(op: "groupNorm", lhs: shape, rhs: p.shape) }
        }
    }
}
