/// Clamping applied to the predicted x₀ before it enters a step (diffusers' `clip_sample` / `clip_sample_range`).
public enum SampleClipping: Equatable, Sendable {
    /// No clamping.
    case off
    /// Clamp to [−range, range] (±1 for images; the unCLIP prior uses ±5).
    case symmetric(Double)
    /// Clamp to [lower, upper].
    case range(lower: Double, upper: Double)

    /// The usual image range, [−1, 1].
    public static let unit = SampleClipping.symmetric(1)

    /// Clamps one value.
    @inlinable
    public func apply(_ x: Double) -> Double {
        switch self {
        case .off: return x
        case .symmetric(let r): return Swift.min(Swift.max(x, -r), r)
        case .range(let lower, let upper): return Swift.min(Swift.max(x, lower), upper)
        }
    }

    /// Throws `invalidConfiguration` naming `clipping` for a negative or empty range.
    public func validate() throws {
        switch self {
        case .off: return
        case .symmetric(let r):
            if !(r > 0) {
                throw DiffusionError.invalidConfiguration(field: "clipping", reason: "range must be > 0, got \(r)")
            }
        case .range(let lower, let upper):
            if !(lower < upper) {
                throw DiffusionError.invalidConfiguration(
                    field: "clipping", reason: "lower bound \(lower) must be below upper bound \(upper)")
            }
        }
    }
}
