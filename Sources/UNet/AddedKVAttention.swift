import NN

/// GLIDE-style attention over an image and context tokens: the image is group-normed into tokens, queries come
/// from the image, and the keys/values are the context's (`add_k_proj`/`add_v_proj`) followed by the image's own
/// (`to_k`/`to_v`; absent with `onlyCrossAttention`). The output projection is added back to the input.
/// Follows diffusers' Attention with AttnAddedKVProcessor (bias everywhere, scale 1/√headDim, no output rescale).
public final class AddedKVAttention: Module {
    let groupNorm: NN.GroupNorm
    let toQ: Linear
    let toK: Linear?
    let toV: Linear?
    let addKProj: Linear
    let addVProj: Linear
    let toOut: Linear
    /// `cross_attention_norm="group_norm"`: the context tokens are group-normed (32 groups) over their features.
    let normCross: NN.GroupNorm?
    public let heads: Int
    public let headDim: Int

    override public var checkpointKeys: [String: String] { ["toOut": "to_out.0"] }

    /// The additive score bias of a masked-out context token (diffusers' `(1 − mask)·−10000`).
    public static let maskedScore: Float = -10000

    public init(
        channels: Int, headDim: Int, contextDim: Int, groups: Int, eps: Float = 1e-5, onlyCrossAttention: Bool,
        contextNorm: UNetConfig.ContextNorm?
    ) throws {
        guard headDim > 0, channels % headDim == 0 else {
            throw UNetError.invalidConfig(
                key: "attention_head_dim", reason: "\(headDim) does not divide \(channels) channels")
        }
        groupNorm = try NN.GroupNorm(groups: groups, channels: channels, eps: eps)
        toQ = try Linear(channels, channels)
        toK = onlyCrossAttention ? nil : try Linear(channels, channels)
        toV = onlyCrossAttention ? nil : try Linear(channels, channels)
        addKProj = try Linear(contextDim, channels)
        addVProj = try Linear(contextDim, channels)
        toOut = try Linear(channels, channels)
        normCross = contextNorm == .groupNorm ? try NN.GroupNorm(groups: 32, channels: contextDim, eps: 1e-5) : nil
        heads = channels / headDim
        self.headDim = headDim
    }

    /// x: [B, C, H, W], context: [B, L, D], contextMask: [B, L] (1 = attend, 0 = ignore) → [B, C, H, W]
    public func callAsFunction(
        _ x: Variable, context: Variable, contextMask: Tensor?, tape: Tape
    ) throws -> Variable {
        let (b, c, hh, ww) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let n = hh * ww, l = context.shape[1]
        var ctx = context
        if let normCross {
            // Group norm over the features of each token: [B, L, D] → [B, D, L] → norm → [B, L, D].
            ctx = try tape.permute(try normCross(try tape.permute(ctx, [0, 2, 1]), tape: tape), [0, 2, 1])
        }
        let normed = try groupNorm(x, tape: tape)  // normed: [B, C, H, W]
        let tokens = try tape.permute(try tape.reshape(normed, [b, c, n]), [0, 2, 1])  // tokens: [B, N, C]

        var keys = try addKProj(ctx, tape: tape)  // keys: [B, L, C]
        var values = try addVProj(ctx, tape: tape)  // values: [B, L, C]
        if let toK, let toV {
            keys = try tape.concatenate([keys, try toK(tokens, tape: tape)], axis: 1)  // keys: [B, L+N, C]
            values = try tape.concatenate([values, try toV(tokens, tape: tape)], axis: 1)  // values: [B, L+N, C]
        }
        let q = try splitHeads(try toQ(tokens, tape: tape), tape: tape)  // q: [B, h, N, d]
        let k = try splitHeads(keys, tape: tape)  // k: [B, h, TK, d]
        let v = try splitHeads(values, tape: tape)  // v: [B, h, TK, d]
        var bias: Tensor? = nil
        if let contextMask {
            guard contextMask.shape == [b, l] else {
                throw UNetError.invalidInput(name: "attention_mask", shape: contextMask.shape, expected: "[\(b), \(l)]")
            }
            bias = try Self.additiveMask(contextMask, keyLength: k.shape[2])
        }
        let attended = try tape.attention(query: q, key: k, value: v, additiveMask: bias)  // attended: [B, h, N, d]
        let merged = try tape.reshape(try tape.permute(attended, [0, 2, 1, 3]), [b, n, c])  // merged: [B, N, C]
        let out = try tape.permute(try toOut(merged, tape: tape), [0, 2, 1])  // out: [B, C, N]
        return try tape.add(try tape.reshape(out, [b, c, hh, ww]), x)
    }

    /// t: [B, T, h·d] → [B, h, T, d]
    func splitHeads(_ t: Variable, tape: Tape) throws -> Variable {
        let (b, len) = (t.shape[0], t.shape[1])
        return try tape.permute(try tape.reshape(t, [b, len, heads, headDim]), [0, 2, 1, 3])
    }

    /// The score bias `[B, 1, 1, keyLength]`: −10000 for context tokens whose mask is 0, 0 for the rest and for
    /// the image's own keys that follow the context.
    static func additiveMask(_ mask: Tensor, keyLength: Int) throws -> Tensor {
        let (b, l) = (mask.shape[0], mask.shape[1])
        var bias = try Tensor(zeros: [b, 1, 1, keyLength])
        bias.withUnsafeMutableBufferPointer { p in
            mask.withUnsafeBufferPointer { m in
                for i in 0..<b {
                    for j in 0..<min(l, keyLength) { p[i * keyLength + j] = (1 - m[i * l + j]) * maskedScore }
                }
            }
        }
        return bias
    }
}
