import Foundation

/// Linear warm-up then cosine decay (nanoGPT's `get_lr`), for 0-based `step`:
///
///     step < warmup:            peak · (step + 1) / (warmup + 1)
///     warmup ≤ step < total:    minimum + ½(1 + cos(π · (step − warmup) / (total − warmup))) · (peak − minimum)
///     step ≥ total:             minimum
public struct WarmupCosineSchedule: Equatable, Sendable {
    public var peak: Float
    public var minimum: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Float, minimum: Float = 0, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak; self.minimum = minimum; self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = max(totalSteps, self.warmupSteps)
    }

    /// The learning rate for `step`.
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps + 1) }
        if step >= totalSteps || totalSteps == warmupSteps { return minimum }
        let ratio = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
        return minimum + Float(0.5 * (1 + cos(Double.pi * ratio))) * (peak - minimum)
    }
}
