/// Uniform scalar quantisation of several channels into `buckets` equal-width buckets over a per-channel range
/// `[low, high]`: code = ⌊(x − low) / w⌋ clamped to `0..<buckets` with w = (high − low) / buckets, and the value of
/// a code is its bucket's midpoint `low + (code + ½)·w`. Values outside the range go to the end buckets, so inside
/// the range a round trip errs by at most w / 2.
///
/// The AR prior quantises PCA coordinate k over `[max(min_k, −4σ_k), min(max_k, 4σ_k)]` (the training range,
/// clipped to four standard deviations so that a few outliers do not widen every bucket), and the text–image
/// cosine over [−1, 1].
public struct UniformQuantizer: Sendable, Equatable {
    /// The lower edge of each channel's range.
    public let low: [Float]
    /// The upper edge of each channel's range.
    public let high: [Float]
    /// Buckets per channel.
    public let buckets: Int

    /// A quantiser over explicit ranges; each `high` must exceed its `low`.
    public init(low: [Float], high: [Float], buckets: Int) throws {
        guard buckets >= 2, low.count == high.count, !low.isEmpty,
            zip(low, high).allSatisfy({ $0.isFinite && $1.isFinite && $1 > $0 })
        else {
            throw PriorError.badInput(
                name: "quantizer range", shape: [low.count, high.count],
                expected: "matching finite ranges with high > low and ≥ 2 buckets")
        }
        self.low = low
        self.high = high
        self.buckets = buckets
    }

    /// Fits ranges to `values` (row-major [N, C]): each channel's min and max, clipped to ±`clip`·σ of that channel
    /// around zero when `standardDeviations` is given, and widened to a tiny width when a channel is constant.
    public init(fitting values: [Float], channels: Int, buckets: Int, standardDeviations: [Float]?, clip: Float = 4)
        throws
    {
        guard channels >= 1, values.count >= channels, values.count % channels == 0 else {
            throw PriorError.badInput(name: "quantizer data", shape: [values.count], expected: "[N, \(channels)]")
        }
        var lo = [Float](repeating: .infinity, count: channels), hi = [Float](repeating: -.infinity, count: channels)
        for (i, v) in values.enumerated() where v.isFinite {
            lo[i % channels] = min(lo[i % channels], v)
            hi[i % channels] = max(hi[i % channels], v)
        }
        for c in 0..<channels {
            if !lo[c].isFinite || !hi[c].isFinite { (lo[c], hi[c]) = (-1, 1) }
            if let sigma = standardDeviations?[c], sigma > 0 {
                lo[c] = max(lo[c], -clip * sigma)
                hi[c] = min(hi[c], clip * sigma)
            }
            if hi[c] - lo[c] < 1e-6 {
                let centre = (hi[c] + lo[c]) / 2
                (lo[c], hi[c]) = (centre - 1e-3, centre + 1e-3)
            }
        }
        try self.init(low: lo, high: hi, buckets: buckets)
    }

    /// Number of channels.
    public var channels: Int { low.count }

    /// The code of `value` in `channel`.
    public func code(_ value: Float, channel c: Int) -> Int {
        let width = (high[c] - low[c]) / Float(buckets)
        guard value.isFinite else { return value == .infinity ? buckets - 1 : 0 }
        let raw = ((value - low[c]) / width).rounded(.down)
        return Int(min(max(raw, 0), Float(buckets - 1)))
    }

    /// The value (bucket midpoint) of `code` in `channel`; codes outside `0..<buckets` are clamped.
    public func value(_ code: Int, channel c: Int) -> Float {
        let width = (high[c] - low[c]) / Float(buckets)
        return low[c] + (Float(min(max(code, 0), buckets - 1)) + 0.5) * width
    }

    /// Codes of row-major values [N, C] → [N·C].
    public func encode(_ values: [Float]) -> [Int] {
        values.enumerated().map { code($0.element, channel: $0.offset % channels) }
    }

    /// Values of row-major codes [N·C] → [N·C].
    public func decode(_ codes: [Int]) -> [Float] {
        codes.enumerated().map { value($0.element, channel: $0.offset % channels) }
    }
}
