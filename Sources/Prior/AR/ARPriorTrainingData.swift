import TensorCore

/// Training triples for the AR prior: N captions (token ids with their mask), their CLIP text embeddings and the
/// CLIP image embeddings of the paired images.
public struct ARPriorTrainingData {
    /// Caption token ids, row-major [N, T].
    public let tokens: [Int]
    /// True for real caption tokens, row-major [N, T].
    public let mask: [Bool]
    /// `text.embed` [N, D].
    public let textEmbeddings: Tensor
    /// `image.embed` [N, D].
    public let imageEmbeddings: Tensor

    /// Triples whose sizes agree; throws naming the tensor that does not. `mask` nil means every token before the
    /// first 0 after position 0 is real (CLIP pads with 0).
    public init(tokens: [Int], mask: [Bool]?, textEmbeddings: Tensor, imageEmbeddings: Tensor) throws {
        guard imageEmbeddings.rank == 2, imageEmbeddings.shape[0] >= 1 else {
            throw PriorError.badInput(name: "image.embed", shape: imageEmbeddings.shape, expected: "[N, D]")
        }
        let n = imageEmbeddings.shape[0]
        guard textEmbeddings.shape == imageEmbeddings.shape else {
            throw PriorError.badInput(
                name: "text.embed", shape: textEmbeddings.shape, expected: "\(imageEmbeddings.shape)")
        }
        guard tokens.count % n == 0, tokens.count >= n else {
            throw PriorError.badInput(name: "text.tokens", shape: [tokens.count], expected: "[\(n), T]")
        }
        let t = tokens.count / n
        if let mask, mask.count != tokens.count {
            throw PriorError.badInput(name: "text.mask", shape: [mask.count], expected: "[\(n), \(t)]")
        }
        self.tokens = tokens
        self.mask =
            mask
            ?? (0..<tokens.count).map { i in
                let column = i % t
                return column == 0 || !tokens[(i - column)..<i].dropFirst().contains(0) && tokens[i] != 0
            }
        self.textEmbeddings = textEmbeddings
        self.imageEmbeddings = imageEmbeddings
    }

    /// Number of triples N.
    public var count: Int { imageEmbeddings.shape[0] }
    /// Caption length T.
    public var textLength: Int { tokens.count / count }

    /// The triples at `indices` (in that order).
    public func rows(_ indices: [Int]) throws -> ARPriorTrainingData {
        let t = textLength, d = imageEmbeddings.shape[1]
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw PriorError.badInput(name: "row index", shape: [bad], expected: "0..<\(count)")
        }
        // Rows are read in place: copying all N × D values (`scalars`) per batch would dominate a training step.
        func pick(_ all: Tensor) throws -> Tensor {
            let p = all.storage.pointer
            return try Tensor(
                shape: [indices.count, d],
                scalars: indices.flatMap { UnsafeBufferPointer(start: p + $0 * d, count: d) })
        }
        return try ARPriorTrainingData(
            tokens: indices.flatMap { tokens[($0 * t)..<(($0 + 1) * t)] },
            mask: indices.flatMap { mask[($0 * t)..<(($0 + 1) * t)] },
            textEmbeddings: pick(textEmbeddings), imageEmbeddings: pick(imageEmbeddings))
    }

    /// The first N − `heldOut` triples for training and the last `heldOut` for evaluation.
    public func splitting(heldOut: Int) throws -> (training: ARPriorTrainingData, heldOut: ARPriorTrainingData) {
        guard heldOut >= 1, heldOut < count else {
            throw PriorError.badOption(name: "held-out", reason: "must be in 1..<\(count), got \(heldOut)")
        }
        return (try rows(Array(0..<(count - heldOut))), try rows(Array((count - heldOut)..<count)))
    }
}
