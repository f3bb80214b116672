import TensorStream

extension Frame {
    /// The metadata keys that hold one entry per batch item: `prompt` (tensor-names.md) and `files` (written by
    /// `unclip-png`).
    public static let perItemMetadataKeys = ["prompt", "files"]

    /// The batch size: the leading dimension every tensor shares. Throws when there are no tensors, a tensor is
    /// a scalar, or the leading dimensions differ (naming the tensor).
    public func batchSize() throws -> Int {
        guard let (firstName, first) = tensorsInOrder.first else {
            throw CLIPError.badInput("the frame has no tensors")
        }
        guard let batch = first.shape.first else {
            throw CLIPError.badInput("tensor '\(firstName)' is a scalar; every tensor must lead with the batch")
        }
        for (name, blob) in tensorsInOrder where blob.shape.first != batch {
            throw CLIPError.badInput(
                "tensor '\(name)' \(blob.shape) does not lead with the batch \(batch) of '\(firstName)'")
        }
        return batch
    }

    /// The frame holding only items `indices` (in that order) of a batch of `batch`: every tensor sliced along
    /// its leading dimension, and every per-item metadata list (`prompt`, `files`) likewise; other metadata is
    /// kept. Throws when a tensor does not lead with `batch` or a per-item list does not have `batch` entries.
    public func selectingItems(_ indices: [Int], batch: Int) throws -> Frame {
        guard indices.allSatisfy({ (0..<batch).contains($0) }) else {
            throw CLIPError.badInput("item index outside 0..<\(batch)")
        }
        var out = Frame(metadata: metadata)
        for (name, blob) in tensorsInOrder {
            guard blob.shape.first == batch else {
                throw CLIPError.badInput("tensor '\(name)' \(blob.shape) does not lead with the batch \(batch)")
            }
            let row = batch > 0 ? blob.byteCount / batch : 0
            out[name] = try blob.withUnsafeBytes { source in
                try TensorBlob(dtype: blob.dtype, shape: [indices.count] + blob.shape.dropFirst()) { destination in
                    guard row > 0, let from = source.baseAddress, let to = destination.baseAddress else { return }
                    for (k, i) in indices.enumerated() {
                        (to + k * row).copyMemory(from: from + i * row, byteCount: row)
                    }
                }
            }
        }
        for key in Self.perItemMetadataKeys {
            guard let list = try metadataList(key) else { continue }
            guard list.count == batch else {
                throw CLIPError.badInput("metadata '\(key)' has \(list.count) entries for a batch of \(batch)")
            }
            out.setMetadataList(indices.map { list[$0] }, for: key)
        }
        return out
    }
}
