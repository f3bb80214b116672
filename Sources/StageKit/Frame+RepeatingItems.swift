import Foundation
import TensorStream

extension Frame {
    /// The frame with every batch item repeated `count` times in a row: each tensor whose leading dimension is the
    /// batch size `batch`, and the `prompt` metadata array (what `--samples-per-prompt` does in the prior stages).
    /// A tensor that does not lead with the batch is an error naming it and the frame.
    public func repeatingItems(batch: Int, count: Int, frameIndex: Int) throws -> Frame {
        if count == 1 { return self }
        var out = Frame(metadata: metadata)
        for (name, blob) in tensorsInOrder {
            guard blob.shape.first == batch else {
                throw StageError(
                    "frame \(frameIndex): tensor '\(name)' \(blob.shape) does not lead with the batch \(batch)")
            }
            let row = blob.byteCount / max(batch, 1)
            out[name] = try blob.withUnsafeBytes { source in
                try TensorBlob(dtype: blob.dtype, shape: [batch * count] + blob.shape.dropFirst()) { destination in
                    guard let from = source.baseAddress, let to = destination.baseAddress else { return }
                    for item in 0..<batch {
                        for k in 0..<count {
                            (to + (item * count + k) * row).copyMemory(from: from + item * row, byteCount: row)
                        }
                    }
                }
            }
        }
        if let text = metadata["prompt"],
            let prompts = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String], prompts.count == batch,
            let json = try? JSONSerialization.data(
                withJSONObject: prompts.flatMap { Array(repeating: $0, count: count) })
        {
            out.metadata["prompt"] = String(decoding: json, as: UTF8.self)
        }
        return out
    }
}
