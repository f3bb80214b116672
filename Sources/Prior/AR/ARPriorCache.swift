import NN

/// The keys and values every block has computed for the tokens seen so far, so that sampling feeds one new code
/// per step instead of rerunning the prefix (inference only; the same numbers as `ARPriorTransformer.logits`
/// up to float rounding). Made by `ARPriorTransformer.start(_:)` from the conditioning; `next(codes:)` appends
/// one code per item and returns the logits predicting the code after it.
public struct ARPriorCache {
    let model: ARPriorTransformer
    /// Per block: keys and values [B, H, L, Dh] of the L tokens so far.
    var keys: [Tensor]
    var values: [Tensor]
    /// visible[b][j]: whether key j may be attended to by later tokens of item b (caption padding and dropped
    /// conditioning hide caption keys).
    let visible: [[Bool]]
    /// Tokens seen so far L.
    public private(set) var length: Int

    init(model: ARPriorTransformer, keys: [Tensor], values: [Tensor], visible: [[Bool]], length: Int) {
        self.model = model
        self.keys = keys
        self.values = values
        self.visible = visible
        self.length = length
    }

    /// Batch size B.
    public var batchSize: Int { visible.count }

    /// Appends one code per item (`codes` [B]) and returns the next-code logits [B, codeBuckets].
    public mutating func next(codes: [Int]) throws -> Tensor {
        let c = model.configuration, b = batchSize
        guard codes.count == b else {
            throw PriorError.badInput(name: "codes", shape: [codes.count], expected: "[\(b)]")
        }
        if let bad = codes.first(where: { $0 < 0 || $0 >= c.codeBuckets }) {
            throw PriorError.badInput(name: "codes", shape: [bad], expected: "ids in 0..<\(c.codeBuckets)")
        }
        guard length < c.contextLength else {
            throw PriorError.badInput(name: "codes", shape: [b, length - c.textLength - 1], expected: "all K codes")
        }
        let tape = Tape(recording: false)
        let x = try tape.add(
            model.codeEmbedding(codes, shape: [b, 1], tape: tape), model.positions(length..<(length + 1), tape: tape))
        return try run(x.value)  // [B, V]
    }

    /// Runs m new tokens x [B, m, C] (positions length ..< length + m) through the blocks, extending the cache;
    /// returns the logits of the last new token [B, codeBuckets].
    mutating func run(_ input: Tensor) throws -> Tensor {
        let b = input.shape[0], m = input.shape[1], w = input.shape[2], total = length + m
        let tape = Tape(recording: false)
        // mask: [B, 1, m, L + m], 0 where new token i may see key j (causal and visible), −1e9 elsewhere.
        var mask = try Tensor(zeros: [b, 1, m, total])
        mask.withUnsafeMutableBufferPointer { p in
            for item in 0..<b {
                for i in 0..<m {
                    for j in 0..<total where j > length + i || (j < visible[item].count && !visible[item][j]) {
                        p[(item * m + i) * total + j] = -1e9
                    }
                }
            }
        }
        var x = input  // [B, m, C]
        for (index, block) in model.blocks.enumerated() {
            let attention = block.attn1, heads = attention.heads
            let h = try block.norm1(.constant(x), tape: tape)  // [B, m, C]
            func split(_ y: Variable) throws -> Tensor {  // [B, m, C] → [B, H, m, Dh]
                try y.value.reshaped([b, m, heads, w / heads]).permuted([0, 2, 1, 3])
            }
            let q = try split(attention.query(h, tape: tape))  // [B, H, m, Dh]
            let k = try split(attention.key(h, tape: tape))  // [B, H, m, Dh]
            let v = try split(attention.value(h, tape: tape))  // [B, H, m, Dh]
            keys[index] = length == 0 ? k : try Tensor.concatenate([keys[index], k], axis: 2)  // [B, H, L + m, Dh]
            values[index] = length == 0 ? v : try Tensor.concatenate([values[index], v], axis: 2)  // [B, H, L + m, Dh]
            let a = try Tensor.attention(query: q, key: keys[index], value: values[index], additiveMask: mask)
            let merged = try a.permuted([0, 2, 1, 3]).reshaped([b, m, w])  // [B, m, C]
            x = try x + attention.output(.constant(merged), tape: tape).value  // [B, m, C]
            x = try x + block.ff(block.norm3(.constant(x), tape: tape), tape: tape).value  // [B, m, C]
        }
        length = total
        let last = try x.split(sizes: [m - 1, 1], axis: 1)[1]  // [B, 1, C]
        let logits = try model.head(model.normOut(.constant(last), tape: tape), tape: tape).value  // [B, 1, V]
        return try logits.reshaped([b, model.configuration.codeBuckets])  // [B, V]
    }
}

extension ARPriorTransformer {
    /// Runs the conditioning of `inputs` (its codes must be empty) and returns the cache with the logits
    /// predicting code 0 [B, codeBuckets].
    public func start(_ inputs: ARPriorInputs) throws -> (cache: ARPriorCache, logits: Tensor) {
        try validate(inputs)
        guard inputs.codeCount == 0 else {
            throw PriorError.badInput(name: "codes", shape: [inputs.batchSize, inputs.codeCount], expected: "none")
        }
        let t = inputs.textLength
        let visible = (0..<inputs.batchSize).map { item in
            (0..<t).map { j in j == 0 || (!inputs.dropped[item] && inputs.mask[item * t + j]) }
        }
        let empty = [Tensor](repeating: try Tensor(zeros: [0]), count: blocks.count)
        var cache = ARPriorCache(model: self, keys: empty, values: empty, visible: visible, length: 0)
        let x = try embed(inputs, tape: Tape(recording: false)).value  // [B, T + 2, C]
        let logits = try cache.run(x)  // [B, V]
        return (cache, logits)
    }
}
