/// The scalar quantities of one jump t → prev, computed in `Double` from the training schedule.
struct StepCoefficients {
    /// ᾱ_t.
    let alphaProduct: Double
    /// ᾱ_prev (1, or DDIM's final ᾱ, when prev < 0).
    let alphaProductPrevious: Double
    /// The jump's beta: β_t when prev = t − 1 under the unCLIP convention, else 1 − ᾱ_t / ᾱ_prev.
    let beta: Double

    var alpha: Double { 1 - beta }
    var betaProduct: Double { 1 - alphaProduct }
    var betaProductPrevious: Double { 1 - alphaProductPrevious }
    /// β̃ = β (1 − ᾱ_prev) / (1 − ᾱ_t), the posterior variance of the jump.
    var posteriorVariance: Double { betaProductPrevious / betaProduct * beta }
    /// Posterior-mean coefficient of x₀.
    var originalCoefficient: Double { alphaProductPrevious.squareRoot() * beta / betaProduct }
    /// Posterior-mean coefficient of x_t.
    var noisyCoefficient: Double { alpha.squareRoot() * betaProductPrevious / betaProduct }

    init(schedule: NoiseSchedule, timestep t: Int, previous: Int, finalAlphaCumprod: Double = 1, useTrainedBeta: Bool) {
        alphaProduct = schedule.alphasCumprod[t]
        alphaProductPrevious = schedule.alphaCumprod(at: previous, final: finalAlphaCumprod)
        beta = useTrainedBeta && previous == t - 1 ? schedule.betas[t] : 1 - alphaProduct / alphaProductPrevious
    }
}
