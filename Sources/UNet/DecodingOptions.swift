/// The sampling choices of the decoder-family stages (`unclip-decode`, `unclip-inpaint`).
public struct DecodingOptions: Equatable, Sendable {
    /// Respaced steps (Karlo's spacing of 1000; Karlo's decoder default is 25).
    public var steps: Int
    /// Classifier-free guidance scale (1 = none; Karlo's decoder default is 8).
    public var guidance: Float
    /// A separate scale for the image embedding, or nil for one scale on both conditions (Karlo). With a value s_i,
    /// `guidance` s_t applies to the caption alone and s_i to the image embedding on top of it:
    /// ε = ε(∅, ∅) + s_t·(ε(∅, c) − ε(∅, ∅)) + s_i·(ε(z, c) − ε(∅, c)), three UNet rows per image (∅: the learned
    /// null image embedding or the empty caption). s_i = s_t gives the single-scale result. Sampling only
    /// (`Decoder.decode`); inversion and inpainting do not take it.
    public var imageGuidance: Float?
    /// nil runs Karlo's ancestral sampler with learned variance; a value runs DDIM with this η.
    public var eta: Double?
    /// The largest number of items per UNet batch (memory), or nil for the whole frame; see `ChunkedSampling`.
    public var batchLimit: Int?
    /// RePaint's resampling count r ≥ 1 (inpainting only).
    public var resample: Int
    /// Whether each step clamps the predicted x₀ to [−1, 1] (Karlo does). DDIM replays an `unclip-invert` latent
    /// exactly only without it: the inversion cannot undo a clamp.
    public var clipsPrediction: Bool
    /// Output height and width; nil takes the decoder's `sample_size` (the UNet is fully convolutional, so a
    /// decoder trained with a resolution schedule can also sample at its earlier size).
    public var size: Int?

    public init(
        steps: Int = 25, guidance: Float = 8, imageGuidance: Float? = nil, eta: Double? = nil, batchLimit: Int? = nil,
        resample: Int = 1, clipsPrediction: Bool = true, size: Int? = nil
    ) {
        self.steps = steps
        self.guidance = guidance
        self.imageGuidance = imageGuidance
        self.eta = eta
        self.batchLimit = batchLimit
        self.resample = resample
        self.clipsPrediction = clipsPrediction
        self.size = size
    }

    /// Whether guidance needs the unconditional rows.
    public var isGuided: Bool { guidance != 1 || imageGuidance != nil }
}
