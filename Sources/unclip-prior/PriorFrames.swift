import Foundation
import Prior
import StageKit
import TensorCore
import TensorStream

/// The prior's tensors in a frame (names from proto/tensor-names.md).
enum PriorFrames {
    /// `text.embed`, and `text.hidden` with `text.mask` when present, as the sampler's conditioning.
    static func conditioning(in frame: Frame, frameIndex: Int) throws -> PriorConditioning {
        guard let embed = frame["text.embed"] else {
            throw StageError("frame \(frameIndex): no tensor 'text.embed' (run unclip-text first)")
        }
        do {
            return try PriorConditioning(
                textEmbedding: Tensor(embed), hiddenStates: frame["text.hidden"].map { try Tensor($0) },
                mask: frame["text.mask"].map { try Tensor($0) })
        } catch {
            throw StageError("frame \(frameIndex): \(error)")
        }
    }

    /// The frame's `seed` metadata (a decimal u64), or 0 when there is none.
    static func seed(in frame: Frame, frameIndex: Int) throws -> UInt64 {
        guard let text = frame.metadata["seed"] else { return 0 }
        guard let value = UInt64(text) else {
            throw StageError("frame \(frameIndex): metadata seed '\(text)' is not a decimal u64")
        }
        return value
    }

    /// `prior.noise` when it has exactly the shape this run needs ([B, D]), else nil (the replay rule).
    static func replayNoise(in frame: Frame, batch: Int, width: Int) throws -> Tensor? {
        guard let noise = frame["prior.noise"], noise.shape == [batch, width] else { return nil }
        return try Tensor(noise)
    }

    /// The frame with every batch item repeated `count` times in a row: each tensor whose leading dimension is
    /// the batch size, and the `prompt` metadata array (`--samples-per-prompt`).
    static func repeatingItems(_ frame: Frame, batch: Int, count: Int, frameIndex: Int) throws -> Frame {
        if count == 1 { return frame }
        var out = Frame(metadata: frame.metadata)
        for (name, blob) in frame.tensorsInOrder {
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
        if let text = frame.metadata["prompt"],
            let prompts = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String], prompts.count == batch,
            let json = try? JSONSerialization.data(
                withJSONObject: prompts.flatMap { Array(repeating: $0, count: count) })
        {
            out.metadata["prompt"] = String(decoding: json, as: UTF8.self)
        }
        return out
    }
}
