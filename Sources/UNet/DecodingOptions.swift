/// The sampling choices of the decoder-family stages (`unclip-decode`, `unclip-inpaint`).
public struct DecodingOptions: Equatable, Sendable {
    /// Respaced steps (Karlo's spacing of 1000; Karlo's decoder default is 25).
    public var steps: Int
    /// Classifier-free guidance scale (1 = none; Karlo's decoder default is 8).
    public var guidance: Float
    /// nil runs Karlo's ancestral sampler with learned variance; a value runs DDIM with this η.
    public var eta: Double?
    /// The largest number of items per UNet batch (memory), or nil for the whole frame; see `ChunkedSampling`.
    public var batchLimit: Int?
    /// RePaint's resampling count r ≥ 1 (inpainting only).
    public var resample: Int

    public init(steps: Int = 25, guidance: Float = 8, eta: Double? = nil, batchLimit: Int? = nil, resample: Int = 1) {
        self.steps = steps
        self.guidance = guidance
        self.eta = eta
        self.batchLimit = batchLimit
        self.resample = resample
    }

    /// Whether guidance needs the unconditional rows.
    public var isGuided: Bool { guidance != 1 }
}
