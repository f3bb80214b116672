import NN
import TensorStream

/// The tensors the decoder-family stages read from a frame (names from proto/tensor-names.md). Every error
/// names the tensor or metadata key.
public enum DecoderFrame {
    /// The tensor `name` as float32, or nil when the frame has none.
    public static func tensor(_ name: String, in frame: Frame) throws -> Tensor? {
        try frame[name].map { try Tensor($0) }
    }

    /// The tensor `name`; a missing one is an error that says which stage makes it.
    public static func required(_ name: String, in frame: Frame, madeBy hint: String) throws -> Tensor {
        guard let tensor = try tensor(name, in: frame) else {
            throw UNetError.missingInput(name: name, reason: "the frame has no such tensor (\(hint))")
        }
        return tensor
    }

    /// The frame's caption: `text.embed`, `text.hidden`, `text.mask`; nil without `text.embed`.
    public static func caption(in frame: Frame) throws -> CaptionConditioning? {
        try CaptionConditioning(
            frameEmbedding: tensor("text.embed", in: frame), hidden: tensor("text.hidden", in: frame),
            mask: tensor("text.mask", in: frame))
    }

    /// The frame's `seed` metadata (a decimal u64), or 0 when there is none.
    public static func seed(in frame: Frame) throws -> UInt64 {
        guard let text = frame.metadata["seed"] else { return 0 }
        guard let value = UInt64(text) else {
            throw UNetError.invalidValue(name: "metadata seed", reason: "'\(text)' is not a decimal u64")
        }
        return value
    }

    /// The first of `names` the frame carries with exactly `shape` (the replay rule), else nil.
    public static func replay(_ names: [String], shape: [Int], in frame: Frame) throws -> Tensor? {
        for name in names {
            if let blob = frame[name], blob.shape == shape { return try Tensor(blob) }
        }
        return nil
    }
}
