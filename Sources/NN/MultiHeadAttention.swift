import TensorCore

/// Multi-head attention with separate q/k/v/out projections (HF `CLIPAttention`, diffusers `Attention`), computed
/// by the engine's blockwise kernel. Self-attention by default; cross-attention when a context is passed.
public final class MultiHeadAttention: Module {
    /// Checkpoint names of the four projections.
    public struct Naming: Sendable {
        public var query: String, key: String, value: String, output: String
        public init(query: String, key: String, value: String, output: String) {
            self.query = query
            self.key = key
            self.value = value
            self.output = output
        }
        /// Hugging Face transformers: `q_proj`, `k_proj`, `v_proj`, `out_proj`.
        public static let huggingFace = Naming(query: "q_proj", key: "k_proj", value: "v_proj", output: "out_proj")
        /// diffusers: `to_q`, `to_k`, `to_v`, `to_out.0`.
        public static let diffusers = Naming(query: "to_q", key: "to_k", value: "to_v", output: "to_out.0")
    }

    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    public let heads: Int
    public let naming: Naming

    override public var checkpointKeys: [String: String] {
        ["query": naming.query, "key": naming.key, "value": naming.value, "output": naming.output]
    }

    /// `dim` = model width (query input and output), `contextDim` = width of the keys' source (default `dim`),
    /// `innerDim` = heads × head size (default `dim`), `outputDim` = width of the output projection (default `dim`).
    public init(
        dim: Int, heads: Int, contextDim: Int? = nil, innerDim: Int? = nil, outputDim: Int? = nil, bias: Bool = true,
        outputBias: Bool = true, naming: Naming = .huggingFace
    ) throws {
        let inner = innerDim ?? dim
        guard heads > 0, inner % heads == 0 else {
            throw TensorError.invalidArgument(op: "MultiHeadAttention", reason: "width \(inner) in \(heads) heads")
        }
        query = try Linear(dim, inner, bias: bias)
        key = try Linear(contextDim ?? dim, inner, bias: bias)
        value = try Linear(contextDim ?? dim, inner, bias: bias)
        output = try Linear(inner, outputDim ?? dim, bias: outputBias)
        self.heads = heads
        self.naming = naming
    }

    /// x: [B, T, C], context: [B, S, Cc] (default x) → [B, T, C_out].
    /// `causal` masks keys after the query position; `keyPadding` [B, S] (0 = ignore that key); `additiveMask`
    /// broadcastable to [B, H, T, S].
    public func callAsFunction(
        _ x: Variable, context: Variable? = nil, causal: Bool = false, keyPadding: Tensor? = nil,
        additiveMask: Tensor? = nil, tape: Tape
    ) throws -> Variable {
        guard x.value.rank == 3 else {
            throw TensorError.invalidShape(op: "MultiHeadAttention", shape: x.shape, reason: "needs [B, T, C]")
        }
        let src = context ?? x
        let q = try splitHeads(query(x, tape: tape), tape: tape)  // q: [B, H, T, D]
        let k = try splitHeads(key(src, tape: tape), tape: tape)  // k: [B, H, S, D]
        let v = try splitHeads(value(src, tape: tape), tape: tape)  // v: [B, H, S, D]
        let a: Variable  // a: [B, H, T, D]
        if tape.needsGradient(q, k, v) {
            a = try tape.attention(
                query: q, key: k, value: v, causal: causal, keyPadding: keyPadding, additiveMask: additiveMask)
        } else {
            a = .constant(
                try Tensor.attention(
                    query: q.value, key: k.value, value: v.value, causal: causal, keyPadding: keyPadding,
                    additiveMask: additiveMask))
        }
        return try output(mergeHeads(a, tape: tape), tape: tape)
    }

    /// [B, T, H·D] → [B, H, T, D]
    func splitHeads(_ x: Variable, tape: Tape) throws -> Variable {
        let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
        if !tape.needsGradient(x) {
            return .constant(try x.value.reshaped([b, t, heads, c / heads]).permuted([0, 2, 1, 3]))
        }
        return try tape.permute(tape.reshape(x, [b, t, heads, c / heads]), [0, 2, 1, 3])
    }

    /// [B, H, T, D] → [B, T, H·D]
    func mergeHeads(_ x: Variable, tape: Tape) throws -> Variable {
        let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        if !tape.needsGradient(x) { return .constant(try x.value.permuted([0, 2, 1, 3]).reshaped([b, t, h * d])) }
        return try tape.reshape(tape.permute(x, [0, 2, 1, 3]), [b, t, h * d])
    }
}
