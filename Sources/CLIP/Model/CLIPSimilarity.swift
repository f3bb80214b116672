import Foundation
import NN

/// Zero-shot and ranking helpers over embedding matrices `[N, E]`.
public enum CLIPSimilarity {
    /// Each row divided by its L2 norm (a zero row stays zero).
    public static func normalized(_ x: Tensor) throws -> Tensor {
        guard x.rank == 2 else { throw CLIPError.badInput("embeddings \(x.shape), expected [N, E]") }
        let (n, e) = (x.shape[0], x.shape[1])
        var out = x
        out.withUnsafeMutableBufferPointer { p in
            for r in 0..<n {
                var s: Double = 0
                for j in 0..<e { s += Double(p[r * e + j]) * Double(p[r * e + j]) }
                let inv = s > 0 ? Float(1 / s.squareRoot()) : 0
                for j in 0..<e { p[r * e + j] *= inv }
            }
        }
        return out
    }

    /// Cosine similarities `[A, B]` between the rows of `a` `[A, E]` and `b` `[B, E]`.
    public static func cosine(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[1] else {
            throw CLIPError.badInput("embeddings \(a.shape) and \(b.shape) do not share a width")
        }
        return try normalized(a).matmul(normalized(b), transposeOther: true)
    }

    /// CLIP logits `[A, B]` = exp(logitScale) · cosine(a, b) (`logits_per_image` when `a` holds images).
    public static func logits(_ a: Tensor, _ b: Tensor, logitScale: Float) throws -> Tensor {
        try cosine(a, b).scaled(by: Foundation.exp(logitScale))
    }

    /// Row-wise softmax of `logits` `[A, B]`: zero-shot class probabilities.
    public static func probabilities(_ logits: Tensor) throws -> Tensor { try logits.softmax() }
}
