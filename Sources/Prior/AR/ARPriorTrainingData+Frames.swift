import TensorCore
import TensorStream

extension ARPriorTrainingData {
    /// Triples from tensor-stream frames carrying `text.tokens` [B, T], `text.embed` [B, D], `image.embed` [B, D]
    /// and optionally `text.mask` [B, T] (as `unclip-text` then `unclip-image` write them), concatenated in order.
    public init(frames: [Frame]) throws {
        var tokens: [Int] = [], mask: [Bool] = [], text: [Float] = [], image: [Float] = []
        var width: Int?, length: Int?, rows = 0
        for (index, frame) in frames.enumerated() {
            func tensor(_ name: String) throws -> Tensor {
                guard let blob = frame[name] else {
                    throw PriorError.badInput(name: "\(name) (frame \(index))", shape: [], expected: "present")
                }
                return try Tensor(blob)
            }
            let ids = try tensor("text.tokens"), t = try tensor("text.embed"), i = try tensor("image.embed")
            let b = t.shape.first ?? 0
            guard t.rank == 2, i.shape == t.shape, b >= 1, width == nil || width == t.shape[1] else {
                throw PriorError.badInput(
                    name: "image.embed (frame \(index))", shape: i.shape, expected: "text.embed's \(t.shape)")
            }
            guard ids.rank == 2, ids.shape[0] == b, length == nil || length == ids.shape[1] else {
                throw PriorError.badInput(
                    name: "text.tokens (frame \(index))", shape: ids.shape, expected: "[\(b), \(length ?? 77)]")
            }
            width = t.shape[1]
            length = ids.shape[1]
            let values = ids.scalars
            guard values.allSatisfy({ $0 >= 0 && $0 < 16_777_216 && $0 == $0.rounded() }) else {
                throw PriorError.badInput(name: "text.tokens (frame \(index))", shape: ids.shape, expected: "token ids")
            }
            tokens += values.map { Int($0) }
            if let m = frame["text.mask"] {
                let maskTensor = try Tensor(m)
                guard maskTensor.shape == ids.shape else {
                    throw PriorError.badInput(
                        name: "text.mask (frame \(index))", shape: maskTensor.shape, expected: "\(ids.shape)")
                }
                mask += maskTensor.scalars.map { $0 != 0 }
            } else {
                mask += values.enumerated().map { $0.offset % ids.shape[1] == 0 || $0.element != 0 }
            }
            text += t.scalars
            image += i.scalars
            rows += b
        }
        guard let width, rows >= 1 else {
            throw PriorError.badInput(name: "frames", shape: [frames.count], expected: "at least one item")
        }
        try self.init(
            tokens: tokens, mask: mask, textEmbeddings: Tensor(shape: [rows, width], scalars: text),
            imageEmbeddings: Tensor(shape: [rows, width], scalars: image))
    }

    /// Triples from tensor-stream shard files (each a sequence of frames), in order.
    public init(shards paths: [String]) throws {
        var frames: [Frame] = []
        for path in paths {
            do {
                frames += try Frame.frames(contentsOf: path)
            } catch {
                throw PriorError.badModelFile(path: path, reason: "\(error)")
            }
        }
        try self.init(frames: frames)
    }
}
