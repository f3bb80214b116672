import NN

/// Where contrastive training gets its pairs: a batch of CLIP-normalised pixels `[B, 3, S, S]` and B captions,
/// drawn from a `PhiloxRandom` stream the trainer owns and checkpoints (so a batch is a pure function of the
/// stream's state, and resuming repeats exactly the batches an uninterrupted run would see).
public protocol CLIPBatchSource {
    /// The image side the batches have.
    var imageSize: Int { get }
    /// One batch of `size` pairs.
    func batch(size: Int, random: inout PhiloxRandom) throws -> (pixels: Tensor, captions: [String])
}
