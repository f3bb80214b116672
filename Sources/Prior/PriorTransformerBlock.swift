import NN

/// One pre-LN transformer block of the prior: x + attn1(norm1(x)), then x + ff(norm3(x)) with an exact-GELU MLP of
/// width 4C. Keys `norm1`, `attn1.to_{q,k,v}`, `attn1.to_out.0`, `norm3`, `ff.net.0.proj`, `ff.net.2`.
// Follows diffusers' BasicTransformerBlock as PriorTransformer builds it (self-attention only, attention_bias=True).
public final class PriorTransformerBlock: Module {
    public let norm1: LayerNorm
    public let attn1: MultiHeadAttention
    public let norm3: LayerNorm
    public let ff: FeedForward

    /// A block of width `heads × headDim`.
    public init(heads: Int, headDim: Int) throws {
        let width = heads * headDim
        norm1 = try LayerNorm(width)
        attn1 = try MultiHeadAttention(dim: width, heads: heads, naming: .diffusers)
        norm3 = try LayerNorm(width)
        ff = try FeedForward(dim: width, hiddenDim: 4 * width, activation: .gelu, naming: .diffusers)
    }

    /// x: [B, S, C], mask: additive, broadcastable to [B, H, S, S] → [B, S, C]
    public func callAsFunction(_ x: Variable, mask: Tensor?, tape: Tape) throws -> Variable {
        let attended = try attn1(norm1(x, tape: tape), additiveMask: mask, tape: tape)  // [B, S, C]
        let h = try tape.add(x, attended)  // [B, S, C]
        return try tape.add(h, ff(norm3(h, tape: tape), tape: tape))  // [B, S, C]
    }
}
