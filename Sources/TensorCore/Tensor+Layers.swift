extension Tensor {
    /// 2-D convolution of an NCHW tensor: weight `[O, C, KH, KW]`, optional bias `[O]`, the same stride and
    /// padding on both axes. Throws when channels disagree or the kernel does not fit the padded input.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) throws -> Tensor {
        let op = "conv2d"
        guard rank == 4, weight.rank == 4, weight.shape[1] == shape[1] else {
            throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: weight.shape)
        }
        guard stride > 0, padding >= 0 else {
            throw TensorError.invalidArgument(op: op, reason: "stride \(stride), padding \(padding)")
        }
        let g = Conv2DGeometry(
            batch: shape[0], inChannels: shape[1], height: shape[2], width: shape[3],
            outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideH: stride, strideW: stride, padH: padding, padW: padding)
        guard g.kernelHeight > 0, g.kernelWidth > 0, g.height + 2 * padding >= g.kernelHeight,
            g.width + 2 * padding >= g.kernelWidth
        else { throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: weight.shape) }
        if let bias, bias.shape != [g.outChannels] {
            throw TensorError.shapeMismatch(op: op, lhs: weight.shape, rhs: bias.shape)
        }
        let outShape = [g.batch, g.outChannels, g.outHeight, g.outWidth]
        // Without input channels there is no product to write the output: it starts from zeros.
        let out = g.inChannels > 0 ? try Tensor(unfilledShape: outShape) : try Tensor(zeros: outShape)
        if out.count > 0 && g.inChannels > 0 {
            Conv2D.forward(
                storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer,
                out.storage.pointer, g)
        } else if let bias, out.count > 0 {
            let hw = g.outHeight * g.outWidth
            for i in 0..<out.count { out.storage.pointer[i] = bias.storage.pointer[(i / hw) % g.outChannels] }
        }
        return out
    }

    /// Nearest-neighbour ×2 upsampling of `[N, C, H, W]` to `[N, C, 2H, 2W]`.
    public func upsampledNearest2x() throws -> Tensor {
        guard rank == 4 else {
            throw TensorError.invalidShape(op: "upsampleNearest2x", shape: shape, reason: "needs NCHW")
        }
        let out = try Tensor(unfilledShape: [shape[0], shape[1], shape[2] * 2, shape[3] * 2])
        Resample.upsampleNearest2x(
            storage.pointer, out.storage.pointer, planes: shape[0] * shape[1], height: shape[2],
            width: shape[3])
        return out
    }

    /// Average pooling of `[N, C, H, W]` with a `kernel × kernel` window and `stride` (default: the kernel).
    public func averagePooled(kernel: Int, stride: Int? = nil) throws -> Tensor {
        let s = stride ?? kernel
        guard rank == 4, kernel > 0, s > 0, shape[2] >= kernel, shape[3] >= kernel else {
            throw TensorError.invalidShape(op: "averagePool", shape: shape, reason: "kernel \(kernel), stride \(s)")
        }
        let out = try Tensor(
            unfilledShape: [shape[0], shape[1], (shape[2] - kernel) / s + 1, (shape[3] - kernel) / s + 1])
        Resample.averagePool(
            storage.pointer, out.storage.pointer, planes: shape[0] * shape[1], height: shape[2],
            width: shape[3], kernel: kernel, stride: s)
        return out
    }

    /// Scaled dot-product attention, blockwise. `query` `[B, H, TQ, D]`, `key` `[B, H, TK, D]`, `value`
    /// `[B, H, TK, DV]` → `[B, H, TQ, DV]`. `keyPadding` `[B, TK]` (0 = ignore that key); `additiveMask`
    /// broadcastable to `[B, H, TQ, TK]`; `scale` defaults to 1/√D.
    public static func attention(
        query: Tensor, key: Tensor, value: Tensor, causal: Bool = false, keyPadding: Tensor? = nil,
        additiveMask: Tensor? = nil, scale: Float? = nil
    ) throws -> Tensor {
        let op = "attention"
        guard query.rank == 4 else {
            throw TensorError.invalidShape(op: op, shape: query.shape, reason: "query needs [B, H, T, D]")
        }
        guard key.rank == 4, key.shape[0] == query.shape[0], key.shape[1] == query.shape[1],
            key.shape[3] == query.shape[3]
        else { throw TensorError.shapeMismatch(op: op, lhs: query.shape, rhs: key.shape) }
        guard value.rank == 4, Array(value.shape[0..<3]) == Array(key.shape[0..<3]) else {
            throw TensorError.shapeMismatch(op: op, lhs: key.shape, rhs: value.shape)
        }
        let (b, h, tq, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let tk = key.shape[2], dv = value.shape[3]
        var masks = AttentionMasks(causal: causal)
        if let keyPadding {
            guard keyPadding.shape == [b, tk] else {
                throw TensorError.shapeMismatch(op: op, lhs: key.shape, rhs: keyPadding.shape)
            }
            masks.keyPadding = UnsafePointer(keyPadding.storage.pointer)
        }
        if let additiveMask {
            let full = [b, h, tq, tk]
            guard additiveMask.rank <= 4, Tensor.broadcastShape(additiveMask.shape, full) == full else {
                throw TensorError.shapeMismatch(op: op, lhs: full, rhs: additiveMask.shape)
            }
            let st = Tensor.broadcastStrides(additiveMask.shape, to: full)
            masks.additive = UnsafePointer(additiveMask.storage.pointer)
            masks.additiveStrides = (st[0], st[1], st[2], st[3])
        }
        let out = try Tensor(zeros: [b, h, tq, dv])
        Attention.forward(
            q: query.storage.pointer, k: key.storage.pointer, v: value.storage.pointer,
            out: out.storage.pointer, batch: b, heads: h, queryLength: tq, keyLength: tk, headDim: d,
            valueDim: dv, scale: scale ?? 1 / Float(max(d, 1)).squareRoot(), masks: masks)
        withExtendedLifetime((keyPadding, additiveMask)) {}
        return out
    }
}
