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

    /// The frame with every batch item repeated `count` times in a row (`--samples-per-prompt`).
    static func repeatingItems(_ frame: Frame, batch: Int, count: Int, frameIndex: Int) throws -> Frame {
        try frame.repeatingItems(batch: batch, count: count, frameIndex: frameIndex)
    }
}
