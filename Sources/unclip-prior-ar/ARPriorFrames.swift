import Prior
import StageKit
import TensorCore
import TensorStream

/// The AR prior's tensors in a frame (names from proto/tensor-names.md).
enum ARPriorFrames {
    /// The conditioning of one frame: `text.tokens` [B, T] as ids, `text.mask` [B, T] (else all real) and
    /// `text.embed` [B, D], checked against each other.
    struct Conditioning {
        var tokens: [Int]
        var mask: [Bool]?
        var textEmbedding: Tensor
        var batchSize: Int { textEmbedding.shape[0] }
    }

    static func conditioning(in frame: Frame, frameIndex: Int) throws -> Conditioning {
        func tensor(_ name: String, hint: String) throws -> Tensor {
            guard let blob = frame[name] else {
                throw StageError("frame \(frameIndex): no tensor '\(name)' (\(hint))")
            }
            do {
                return try Tensor(blob)
            } catch {
                throw StageError("frame \(frameIndex): tensor '\(name)': \(error)")
            }
        }
        let embed = try tensor("text.embed", hint: "run unclip-text first")
        guard embed.rank == 2, embed.shape[0] >= 1 else {
            throw StageError("frame \(frameIndex): tensor 'text.embed' has shape \(embed.shape), expected [B, D]")
        }
        let b = embed.shape[0]
        let ids = try tensor("text.tokens", hint: "the AR prior reads the caption tokens; run unclip-text first")
        guard ids.rank == 2, ids.shape[0] == b else {
            throw StageError("frame \(frameIndex): tensor 'text.tokens' has shape \(ids.shape), expected [\(b), T]")
        }
        let values = ids.scalars
        guard values.allSatisfy({ $0 >= 0 && $0 < 16_777_216 && $0 == $0.rounded() }) else {
            throw StageError("frame \(frameIndex): tensor 'text.tokens' holds values that are not token ids")
        }
        var mask: [Bool]?
        if frame["text.mask"] != nil {
            let m = try tensor("text.mask", hint: "")
            guard m.shape == ids.shape else {
                throw StageError("frame \(frameIndex): tensor 'text.mask' has shape \(m.shape), expected \(ids.shape)")
            }
            mask = m.scalars.map { $0 != 0 }
        }
        return Conditioning(tokens: values.map { Int($0) }, mask: mask, textEmbedding: embed)
    }

    /// The frame's `seed` metadata (a decimal u64), or 0 when there is none.
    static func seed(in frame: Frame, frameIndex: Int) throws -> UInt64 {
        guard let text = frame.metadata["seed"] else { return 0 }
        guard let value = UInt64(text) else {
            throw StageError("frame \(frameIndex): metadata seed '\(text)' is not a decimal u64")
        }
        return value
    }
}
