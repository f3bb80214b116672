import TensorCore

/// The CLIP text conditioning of a prior batch of B items: the pooled text embeddings and, for priors that read
/// them, the per-token hidden states with their mask.
public struct PriorConditioning {
    /// `text.embed`: [B, Dp].
    public var textEmbedding: Tensor
    /// `text.hidden`: [B, T, D], or nil for a prior without a text-token projection.
    public var hiddenStates: Tensor?
    /// `text.mask`: [B, T], nonzero for real tokens; nil applies no attention mask at all (as diffusers does).
    public var mask: Tensor?

    /// Conditioning whose tensors agree on the batch size; throws naming the tensor that does not.
    public init(textEmbedding: Tensor, hiddenStates: Tensor? = nil, mask: Tensor? = nil) throws {
        guard textEmbedding.rank == 2, textEmbedding.shape[0] > 0 else {
            throw PriorError.badInput(name: "text.embed", shape: textEmbedding.shape, expected: "[B, D]")
        }
        let b = textEmbedding.shape[0]
        if let hiddenStates, hiddenStates.rank != 3 || hiddenStates.shape[0] != b {
            throw PriorError.badInput(name: "text.hidden", shape: hiddenStates.shape, expected: "[\(b), T, W]")
        }
        if let mask {
            guard let hiddenStates, mask.shape == Array(hiddenStates.shape.prefix(2)) else {
                let t = hiddenStates.map { String($0.shape[1]) } ?? "T (with text.hidden)"
                throw PriorError.badInput(name: "text.mask", shape: mask.shape, expected: "[\(b), \(t)]")
            }
        }
        self.textEmbedding = textEmbedding
        self.hiddenStates = hiddenStates
        self.mask = mask
    }

    /// Number of items B.
    public var batchSize: Int { textEmbedding.shape[0] }

    /// Each item repeated `count` times in a row (PyTorch's `repeat_interleave` on the batch axis).
    public func repeatingItems(_ count: Int) throws -> PriorConditioning {
        try PriorConditioning(
            textEmbedding: textEmbedding.repeatingRows(count),
            hiddenStates: hiddenStates?.repeatingRows(count), mask: mask?.repeatingRows(count))
    }

    /// `first`'s items followed by `second`'s (both must carry the same optional tensors).
    public static func concatenating(_ first: PriorConditioning, _ second: PriorConditioning) throws
        -> PriorConditioning
    {
        func join(_ a: Tensor?, _ b: Tensor?, _ name: String) throws -> Tensor? {
            switch (a, b) {
            case (nil, nil): return nil
            case let (a?, b?):
                guard Array(a.shape.dropFirst()) == Array(b.shape.dropFirst()) else {
                    throw PriorError.badInput(
                        name: name, shape: b.shape, expected: "[B] + \(Array(a.shape.dropFirst())) to match")
                }
                return try Tensor.concatenate([a, b], axis: 0)
            default:
                throw PriorError.badInput(name: name, shape: (a ?? b)?.shape ?? [], expected: "in both or neither")
            }
        }
        let a = first.textEmbedding, b = second.textEmbedding
        guard a.shape[1] == b.shape[1] else {
            throw PriorError.badInput(name: "text.embed", shape: b.shape, expected: "[B, \(a.shape[1])] to match")
        }
        return try PriorConditioning(
            textEmbedding: Tensor.concatenate([a, b], axis: 0),
            hiddenStates: join(first.hiddenStates, second.hiddenStates, "text.hidden"),
            mask: join(first.mask, second.mask, "text.mask"))
    }
}

extension Tensor {
    /// Each slice along the first axis repeated `count` times in a row: [B, …] → [B·count, …].
    func repeatingRows(_ count: Int) throws -> Tensor {
        let rows = shape[0], row = self.count / Swift.max(rows, 1)
        var out = try Tensor(zeros: [rows * count] + shape.dropFirst())
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    for c in 0..<count {
                        for i in 0..<row { dst[(r * count + c) * row + i] = src[r * row + i] }
                    }
                }
            }
        }
        return out
    }
}
