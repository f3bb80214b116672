import Foundation

// Differentiable operations: each computes its forward value with the inference kernels and records a backward
// closure that accumulates input gradients (dx += …) from the output gradient dy.

extension Tape {
    /// A constant or parameter leaf. (Equivalent to `Variable(value, requiresGrad:)`.)
    public func leaf(_ value: Tensor, requiresGrad: Bool = true) -> Variable {
        Variable(value, requiresGrad: requiresGrad)
    }

    /// Matrix product over the last two dimensions (see `Tensor.matmul`). Batch dimensions must be equal, or
    /// `b` must be a single matrix (rank 2) shared by the whole batch.
    public func matmul(_ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false) throws
        -> Variable
    {
        guard a.value.rank >= 2, b.value.rank >= 2,
            b.value.rank == 2 || Array(a.shape.dropLast(2)) == Array(b.shape.dropLast(2))
        else { throw TensorError.shapeMismatch(op: "matmul (autograd)", lhs: a.shape, rhs: b.shape) }
        let y = try a.value.matmul(b.value, transposeSelf: transposeA, transposeOther: transposeB)
        let ra = a.value.rank, rb = b.value.rank
        let m = y.shape[y.rank - 2], n = y.shape[y.rank - 1]
        let k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1]
        let batch = a.value.count / max(1, m * k)
        let strideB = rb == 2 ? 0 : k * n
        let av = a.value, bv = b.value
        return record(y, inputs: [a, b]) { dy in
            let pa = av.storage.pointer, pb = bv.storage.pointer
            for i in 0..<batch {
                let dC = dy + i * m * n, A = pa + i * m * k, B = pb + i * strideB
                if a.requiresGrad {
                    let dA = a.gradPointer() + i * m * k
                    if !transposeA {
                        sgemm(
                            .none, transposeB ? .none : .transposed, m: m, n: k, k: n, alpha: 1, a: dC, lda: n, b: B,
                            ldb: transposeB ? k : n, beta: 1, c: dA, ldc: k)
                    } else {
                        sgemm(
                            transposeB ? .transposed : .none, .transposed, m: k, n: m, k: n, alpha: 1, a: B,
                            lda: transposeB ? k : n, b: dC, ldb: n, beta: 1, c: dA, ldc: m)
                    }
                }
                if b.requiresGrad {
                    let dB = b.gradPointer() + i * strideB
                    if !transposeB {
                        sgemm(
                            transposeA ? .none : .transposed, .none, m: k, n: n, k: m, alpha: 1, a: A,
                            lda: transposeA ? m : k, b: dC, ldb: n, beta: 1, c: dB, ldc: n)
                    } else {
                        sgemm(
                            .transposed, transposeA ? .transposed : .none, m: n, n: k, k: m, alpha: 1, a: dC, lda: n,
                            b: A, ldb: transposeA ? m : k, beta: 1, c: dB, ldc: k)
                    }
                }
            }
        }
    }

    /// `x · Wᵀ + b` (PyTorch `Linear`): x `[..., in]`, weight `[out, in]`, bias `[out]`.
    public func linear(_ x: Variable, weight: Variable, bias: Variable? = nil) throws -> Variable {
        let y = try x.value.linear(weight: weight.value, bias: bias?.value)
        let outF = weight.shape[0], inF = weight.shape[1], rows = x.value.count / max(1, inF)
        let xv = x.value, wv = weight.value
        return record(y, inputs: [x, weight] + (bias.map { [$0] } ?? [])) { dy in
            if x.requiresGrad {
                sgemm(
                    .none, .none, m: rows, n: inF, k: outF, alpha: 1, a: dy, lda: outF, b: wv.storage.pointer, ldb: inF,
                    beta: 1, c: x.gradPointer(), ldc: inF)
            }
            if weight.requiresGrad {
                sgemm(
                    .transposed, .none, m: outF, n: inF, k: rows, alpha: 1, a: dy, lda: outF, b: xv.storage.pointer,
                    ldb: inF, beta: 1, c: weight.gradPointer(), ldc: inF)
            }
            if let bias, bias.requiresGrad {
                let db = bias.gradPointer()
                for r in 0..<rows { for j in 0..<outF { db[j] += dy[r * outF + j] } }
            }
        }
    }

    /// Element-wise `a ⊙ b` with broadcasting for add, subtract, multiply and divide.
    public func binary(_ op: BinaryOp, _ a: Variable, _ b: Variable) throws -> Variable {
        guard [.add, .subtract, .multiply, .divide].contains(op) else {
            throw TensorError.invalidArgument(op: "\(op) (autograd)", reason: "no gradient for \(op)")
        }
        let y = try a.value.binary(op, b.value)
        let av = a.value, bv = b.value
        return record(y, inputs: [a, b]) { dy in
            let runs = BroadcastRuns(a: av.shape, b: bv.shape, target: y.shape)
            let pa = av.storage.pointer, pb = bv.storage.pointer
            let sa = runs.strideA, sb = runs.strideB
            let gradA = a.requiresGrad ? a.gradPointer() : nil, gradB = b.requiresGrad ? b.gradPointer() : nil
            for r in 0..<runs.count {
                let g = dy + r * runs.length, x = pa + runs.offsetsA[r], w = pb + runs.offsetsB[r]
                if let gradA {
                    let da = gradA + runs.offsetsA[r]
                    switch op {
                    case .add, .subtract: runs.accumulate(into: da, stride: sa) { g[$0] }
                    case .multiply: runs.accumulate(into: da, stride: sa) { g[$0] * w[$0 &* sb] }
                    default: runs.accumulate(into: da, stride: sa) { g[$0] / w[$0 &* sb] }
                    }
                }
                if let gradB {
                    let db = gradB + runs.offsetsB[r]
                    switch op {
                    case .add: runs.accumulate(into: db, stride: sb) { g[$0] }
                    case .subtract: runs.accumulate(into: db, stride: sb) { -g[$0] }
                    case .multiply: runs.accumulate(into: db, stride: sb) { g[$0] * x[$0 &* sa] }
                    default:
                        runs.accumulate(into: db, stride: sb) { j in
                            let v = w[j &* sb]
                            return -g[j] * x[j &* sa] / (v * v)
                        }
                    }
                }
            }
        }
    }

    public func add(_ a: Variable, _ b: Variable) throws -> Variable { try binary(.add, a, b) }
    public func subtract(_ a: Variable, _ b: Variable) throws -> Variable { try binary(.subtract, a, b) }
    public func multiply(_ a: Variable, _ b: Variable) throws -> Variable { try binary(.multiply, a, b) }

    /// `s · x`.
    public func scale(_ x: Variable, by s: Float) -> Variable {
        record(x.value.scaled(by: s), inputs: [x]) { dy in
            let dx = x.gradPointer()
            for i in 0..<x.value.count { dx[i] += s * dy[i] }
        }
    }

    /// The same elements in a new shape (one dimension may be −1).
    public func reshape(_ x: Variable, _ shape: [Int]) throws -> Variable {
        let y = try x.value.reshaped(shape)
        return record(y, inputs: [x]) { dy in
            let dx = x.gradPointer()
            for i in 0..<y.count { dx[i] += dy[i] }
        }
    }

    /// An element-wise activation.
    public func activation(_ x: Variable, _ f: Activation) -> Variable {
        let xv = x.value
        return record(xv.activated(f), inputs: [x]) { dy in
            f.backward(x: xv.storage.pointer, dy: dy, dx: x.gradPointer(), count: xv.count)
        }
    }

    /// Softmax over the last dimension.
    public func softmax(_ x: Variable) throws -> Variable {
        let y = try x.value.softmax()
        let cols = max(1, x.shape.last ?? 1)
        return record(y, inputs: [x]) { dy in
            Softmax.backward(y: y.storage.pointer, dy: dy, dx: x.gradPointer(), rows: y.count / cols, cols: cols)
        }
    }

    /// Layer norm over the last dimension with optional affine parameters `[C]`.
    public func layerNorm(_ x: Variable, weight: Variable?, bias: Variable?, eps: Float = 1e-5) throws -> Variable {
        try x.value.validateLayerNorm(weight: weight?.value, bias: bias?.value)
        let c = x.shape[x.value.rank - 1], rows = x.value.count / c
        let y = Tensor(unfilledLike: x.value)
        let mean = Tensor(validShape: [rows]), rstd = Tensor(validShape: [rows])
        let xv = x.value, wv = weight?.value, bv = bias?.value
        LayerNorm.forward(
            xv.storage.pointer, y.storage.pointer, weight: wv?.storage.pointer, bias: bv?.storage.pointer,
            rows: rows, channels: c, eps: eps, mean: mean.storage.pointer, rstd: rstd.storage.pointer)
        return record(y, inputs: [x] + [weight, bias].compactMap { $0 }) { dy in
            LayerNorm.backward(
                x: xv.storage.pointer, dy: dy, weight: wv?.storage.pointer, mean: mean.storage.pointer,
                rstd: rstd.storage.pointer, rows: rows, channels: c,
                dx: x.requiresGrad ? x.gradPointer() : nil,
                dweight: weight?.requiresGrad == true ? weight!.gradPointer() : nil,
                dbias: bias?.requiresGrad == true ? bias!.gradPointer() : nil)
        }
    }

    /// Group norm of `[N, C, ...]` with optional affine parameters `[C]`.
    public func groupNorm(_ x: Variable, groups: Int, weight: Variable?, bias: Variable?, eps: Float = 1e-5) throws
        -> Variable
    {
        try x.value.validateGroupNorm(groups: groups, weight: weight?.value, bias: bias?.value)
        let n = x.shape[0], c = x.shape[1], hw = x.shape[2...].reduce(1, *)
        let y = Tensor(unfilledLike: x.value)
        let mean = Tensor(validShape: [n * groups]), rstd = Tensor(validShape: [n * groups])
        let xv = x.value, wv = weight?.value, bv = bias?.value
        GroupNorm.forward(
            xv.storage.pointer, y.storage.pointer, weight: wv?.storage.pointer, bias: bv?.storage.pointer,
            batch: n, channels: c, spatial: hw, groups: groups, eps: eps, mean: mean.storage.pointer,
            rstd: rstd.storage.pointer)
        return record(y, inputs: [x] + [weight, bias].compactMap { $0 }) { dy in
            GroupNorm.backward(
                x: xv.storage.pointer, dy: dy, weight: wv?.storage.pointer, mean: mean.storage.pointer,
                rstd: rstd.storage.pointer, batch: n, channels: c, spatial: hw, groups: groups,
                dx: x.requiresGrad ? x.gradPointer() : nil,
                dweight: weight?.requiresGrad == true ? weight!.gradPointer() : nil,
                dbias: bias?.requiresGrad == true ? bias!.gradPointer() : nil)
        }
    }

    /// 2-D convolution (see `Tensor.conv2d`).
    public func conv2d(_ x: Variable, weight: Variable, bias: Variable? = nil, stride: Int = 1, padding: Int = 0) throws
        -> Variable
    {
        let y = try x.value.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding)
        let g = Conv2DGeometry(
            batch: x.shape[0], inChannels: x.shape[1], height: x.shape[2], width: x.shape[3],
            outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strideH: stride, strideW: stride, padH: padding, padW: padding)
        let xv = x.value, wv = weight.value
        return record(y, inputs: [x, weight] + (bias.map { [$0] } ?? [])) { dy in
            if g.inChannels == 0 { return }
            Conv2D.backward(
                x: xv.storage.pointer, weight: wv.storage.pointer, dy: dy, g,
                dx: x.requiresGrad ? x.gradPointer() : nil,
                dweight: weight.requiresGrad ? weight.gradPointer() : nil,
                dbias: bias?.requiresGrad == true ? bias!.gradPointer() : nil)
        }
    }

    /// Nearest ×2 upsampling of NCHW.
    public func upsampleNearest2x(_ x: Variable) throws -> Variable {
        let y = try x.value.upsampledNearest2x()
        let s = x.shape
        return record(y, inputs: [x]) { dy in
            Resample.upsampleNearest2xBackward(
                dy: dy, dx: x.gradPointer(), planes: s[0] * s[1], height: s[2], width: s[3])
        }
    }

    /// Average pooling of NCHW.
    public func averagePool(_ x: Variable, kernel: Int, stride: Int? = nil) throws -> Variable {
        let y = try x.value.averagePooled(kernel: kernel, stride: stride)
        let s = x.shape
        return record(y, inputs: [x]) { dy in
            Resample.averagePoolBackward(
                dy: dy, dx: x.gradPointer(), planes: s[0] * s[1], height: s[2], width: s[3],
                kernel: kernel, stride: stride ?? kernel)
        }
    }

    /// Scaled dot-product attention (see `Tensor.attention`); masks are constants.
    public func attention(
        query: Variable, key: Variable, value: Variable, causal: Bool = false, keyPadding: Tensor? = nil,
        additiveMask: Tensor? = nil, scale: Float? = nil
    ) throws -> Variable {
        let y = try Tensor.attention(
            query: query.value, key: key.value, value: value.value, causal: causal,
            keyPadding: keyPadding, additiveMask: additiveMask, scale: scale)
        let (b, h, tq, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let tk = key.shape[2], dv = value.shape[3]
        let qv = query.value, kv = key.value, vv = value.value
        let s = scale ?? 1 / Float(max(d, 1)).squareRoot()
        return record(y, inputs: [query, key, value]) { dy in
            var masks = AttentionMasks(causal: causal)
            if let keyPadding { masks.keyPadding = UnsafePointer(keyPadding.storage.pointer) }
            if let additiveMask {
                let st = Tensor.broadcastStrides(additiveMask.shape, to: [b, h, tq, tk])
                masks.additive = UnsafePointer(additiveMask.storage.pointer)
                masks.additiveStrides = (st[0], st[1], st[2], st[3])
            }
            Attention.backward(
                q: qv.storage.pointer, k: kv.storage.pointer, v: vv.storage.pointer, dOut: dy,
                dq: query.requiresGrad ? query.gradPointer() : nil,
                dk: key.requiresGrad ? key.gradPointer() : nil,
                dv: value.requiresGrad ? value.gradPointer() : nil, batch: b, heads: h, queryLength: tq,
                keyLength: tk, headDim: d, valueDim: dv, scale: s, masks: masks)
            withExtendedLifetime((keyPadding, additiveMask)) {}
        }
    }

    /// Sum of all elements, shape `[]`.
    public func sum(_ x: Variable) -> Variable {
        let y = Tensor(validShape: [])
        y.storage.pointer[0] = x.value.sum()
        return record(y, inputs: [x]) { dy in
            let dx = x.gradPointer(), g = dy[0]
            for i in 0..<x.value.count { dx[i] += g }
        }
    }

    /// Mean of all elements, shape `[]`.
    public func mean(_ x: Variable) -> Variable {
        scale(sum(x), by: 1 / Float(max(1, x.value.count)))
    }

    /// Mean squared error against a constant target of the same shape, shape `[]`.
    public func mseLoss(_ prediction: Variable, target: Tensor) throws -> Variable {
        guard prediction.shape == target.shape else {
            throw TensorError.shapeMismatch(op: "mseLoss", lhs: prediction.shape, rhs: target.shape)
        }
        let n = prediction.value.count
        let p = prediction.value.storage.pointer, t = target.storage.pointer
        var s = 0.0
        for i in 0..<n { s += Double(p[i] - t[i]) * Double(p[i] - t[i]) }
        let y = Tensor(validShape: [])
        y.storage.pointer[0] = Float(s / Double(max(1, n)))
        let pv = prediction.value
        return record(y, inputs: [prediction]) { dy in
            let dp = prediction.gradPointer(), g = 2 * dy[0] / Float(max(1, n))
            for i in 0..<n { dp[i] += g * (pv.storage.pointer[i] - t[i]) }
            withExtendedLifetime(target) {}
        }
    }

    /// Mean cross-entropy of `logits` `[N, C]` against class indices `targets` (N of them, each in 0..<C).
    public func crossEntropy(_ logits: Variable, targets: [Int]) throws -> Variable {
        guard logits.value.rank == 2, logits.shape[0] == targets.count, logits.shape[1] > 0 else {
            throw TensorError.shapeMismatch(op: "crossEntropy", lhs: logits.shape, rhs: [targets.count])
        }
        let c = logits.shape[1]
        if let bad = targets.first(where: { $0 < 0 || $0 >= c }) {
            throw TensorError.invalidArgument(op: "crossEntropy", reason: "target \(bad) outside 0..<\(c)")
        }
        let p = try logits.value.softmax()
        var loss = 0.0
        for (i, t) in targets.enumerated() {
            loss -= Double(Foundation.log(max(p.storage.pointer[i * c + t], .leastNormalMagnitude)))
        }
        let y = Tensor(validShape: [])
        y.storage.pointer[0] = Float(loss / Double(max(1, targets.count)))
        return record(y, inputs: [logits]) { dy in
            let dl = logits.gradPointer(), g = dy[0] / Float(max(1, targets.count))
            for i in 0..<targets.count {
                for j in 0..<c { dl[i * c + j] += g * (p.storage.pointer[i * c + j] - (j == targets[i] ? 1 : 0)) }
            }
        }
    }

    /// Mean cross-entropy of `logits` `[N, C]` against target distributions `targets` `[N, C]` (rows summing to
    /// one): −Σ_j q_j log p_j per row. With one-hot rows this is `crossEntropy(_:targets:)`.
    public func crossEntropy(_ logits: Variable, distributions targets: Tensor) throws -> Variable {
        guard logits.value.rank == 2, targets.shape == logits.shape, logits.shape[1] > 0 else {
            throw TensorError.shapeMismatch(op: "crossEntropy", lhs: logits.shape, rhs: targets.shape)
        }
        let (n, c) = (logits.shape[0], logits.shape[1])
        let p = try logits.value.softmax(), q = targets.storage.pointer
        var loss = 0.0
        for i in 0..<(n * c) where q[i] != 0 {
            loss -= Double(q[i]) * Double(Foundation.log(max(p.storage.pointer[i], .leastNormalMagnitude)))
        }
        let y = Tensor(validShape: [])
        y.storage.pointer[0] = Float(loss / Double(max(1, n)))
        return record(y, inputs: [logits]) { dy in
            // d/dlogit_j of −Σ q log softmax = p_j Σq − q_j = p_j − q_j for normalised rows.
            let dl = logits.gradPointer(), g = dy[0] / Float(max(1, n))
            for i in 0..<(n * c) { dl[i] += g * (p.storage.pointer[i] - q[i]) }
            withExtendedLifetime(targets) {}
        }
    }

    /// Rows of `table` `[V, D]` picked by `ids` (each in 0..<V) → `[ids.count, D]`.
    public func embedding(_ table: Variable, ids: [Int]) throws -> Variable {
        guard table.value.rank == 2 else {
            throw TensorError.invalidShape(op: "embedding", shape: table.shape, reason: "table needs [V, D]")
        }
        let v = table.shape[0], d = table.shape[1]
        if let bad = ids.first(where: { $0 < 0 || $0 >= v }) {
            throw TensorError.invalidArgument(op: "embedding", reason: "id \(bad) outside 0..<\(v)")
        }
        let y = try Tensor(zeros: [ids.count, d])
        for (i, id) in ids.enumerated() {
            (y.storage.pointer + i * d).update(from: table.value.storage.pointer + id * d, count: d)
        }
        return record(y, inputs: [table]) { dy in
            let dt = table.gradPointer()
            for (i, id) in ids.enumerated() { for j in 0..<d { dt[id * d + j] += dy[i * d + j] } }
        }
    }
}
