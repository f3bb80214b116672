import NN

// Follows Hugging Face transformers' CLIPEncoderLayer (pre-LN residual block).

/// One pre-LN transformer block: `x + attn(ln1(x))`, then `h + mlp(ln2(h))`.
/// Keys: `layer_norm1`, `self_attn.{q,k,v,out}_proj`, `layer_norm2`, `mlp.fc1`, `mlp.fc2`.
public final class CLIPEncoderLayer: Module {
    public let selfAttn: MultiHeadAttention
    public let layerNorm1: LayerNorm
    public let mlp: FeedForward
    public let layerNorm2: LayerNorm

    public init(width: Int, intermediate: Int, heads: Int, activation: Activation, eps: Float) throws {
        selfAttn = try MultiHeadAttention(dim: width, heads: heads)
        layerNorm1 = try LayerNorm(width, eps: eps)
        mlp = try FeedForward(dim: width, hiddenDim: intermediate, activation: activation)
        layerNorm2 = try LayerNorm(width, eps: eps)
    }

    /// x: [B, T, C] → [B, T, C]; `keyPadding` [B, T] (1 = attend).
    public func callAsFunction(_ x: Variable, causal: Bool, keyPadding: Tensor?, tape: Tape) throws -> Variable {
        let a = try selfAttn(layerNorm1(x, tape: tape), causal: causal, keyPadding: keyPadding, tape: tape)
        let h = try tape.add(x, a)  // h: [B, T, C]
        return try tape.add(h, mlp(layerNorm2(h, tape: tape), tape: tape))  // [B, T, C]
    }
}

/// A stack of `CLIPEncoderLayer`s under the key `layers.N`.
public final class CLIPEncoder: Module {
    public let layers: [CLIPEncoderLayer]

    public init(count: Int, width: Int, intermediate: Int, heads: Int, activation: Activation, eps: Float) throws {
        layers = try (0..<count).map { _ in
            try CLIPEncoderLayer(
                width: width, intermediate: intermediate, heads: heads, activation: activation, eps: eps)
        }
    }

    /// x: [B, T, C] → [B, T, C]
    public func callAsFunction(_ x: Variable, causal: Bool, keyPadding: Tensor? = nil, tape: Tape) throws -> Variable {
        var h = x
        for layer in layers { h = try layer(h, causal: causal, keyPadding: keyPadding, tape: tape) }
        return h
    }
}
