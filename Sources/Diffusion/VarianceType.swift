/// How the reverse step chooses its noise level σ_t² for the jump t → prev.
///
/// With β = 1 − ᾱ_t / ᾱ_prev (the respaced beta) and β̃ = β (1 − ᾱ_prev) / (1 − ᾱ_t) (the posterior variance):
public enum VarianceType: String, CaseIterable, Sendable {
    /// σ² = β̃ (diffusers' `fixed_small`), σ = √β̃.
    case fixedSmall
    /// σ = exp(½ log β̃) (diffusers' `fixed_small_log`; Karlo's prior and upsamplers). Equal to `fixedSmall` up to
    /// rounding; kept apart because the references compute it this way.
    case fixedSmallLog
    /// σ² = β (diffusers' `fixed_large`).
    case fixedLarge
    /// log σ² = f log β + (1 − f) log β̃ with f = (v + 1)/2 and v the model's extra output channels
    /// (diffusers' `learned_range`; Karlo's decoder).
    case learnedRange
}
