import NN

/// One training batch of the unCLIP decoder: clean images, their noised versions and the conditioning, with
/// classifier-free dropout already applied to the caption rows (the image rows are dropped inside the text
/// projection, to its learned null embedding).
public struct DecoderBatch {
    /// `[B, Cin, H, W]`: x_t, followed for the inpainting decoder by the kept image and the keep mask.
    public var input: Tensor
    /// `[B, C, H, W]` clean images x₀ in [−1, 1].
    public var original: Tensor
    /// `[B, C, H, W]` the noise ε.
    public var noise: Tensor
    /// B training timesteps.
    public var timesteps: [Int]
    /// `[B, D]` CLIP image embeddings of the images.
    public var imageEmbedding: Tensor
    /// Rows whose image embedding the model must replace with its learned null embedding.
    public var dropsImage: [Bool]
    /// Rows whose caption was replaced by the empty caption.
    public var dropsCaption: [Bool]
    /// The caption rows (`text.embed`, `text.hidden`, `text.mask`), the empty caption's where dropped.
    public var caption: CaptionConditioningRows
    /// `[B, 1, H, W]` inpainting masks (1 = regenerate), nil for the plain decoder.
    public var mask: Tensor?

    /// Number of items B.
    public var count: Int { timesteps.count }
}

/// The caption tensors of a decoder batch, as `unclip-text` writes them.
public struct CaptionConditioningRows {
    /// `[B, D]`.
    public var embedding: Tensor
    /// `[B, L, W]`.
    public var hidden: Tensor
    /// `[B, L]`, 1 for real tokens.
    public var mask: Tensor
}
