/// What kinds of scenes the sampler draws, for curricula (single objects on plain backgrounds first).
///
/// The defaults are the full data set. Scenes drawn with different options are different scenes: options are
/// part of what a seed means.
public struct SamplingOptions: Sendable, Equatable {
    /// How many objects a scene has, uniformly over the range (clamped to 1...3).
    public var objectCounts: ClosedRange<Int>
    /// Which background styles to use; plain is drawn twice as often as each of the others.
    public var backgroundStyles: [Background.Style]

    /// The full data set: one to three objects on every background style.
    public static let full = SamplingOptions()

    /// Creates options; an empty style list means plain backgrounds only.
    public init(
        objectCounts: ClosedRange<Int> = 1...3, backgroundStyles: [Background.Style] = Background.Style.allCases
    ) {
        let lower = min(max(objectCounts.lowerBound, 1), 3)
        let upper = min(max(objectCounts.upperBound, lower), 3)
        self.objectCounts = lower...upper
        self.backgroundStyles = backgroundStyles.isEmpty ? [.plain] : backgroundStyles
    }

    /// A number that tells option sets apart in the random stream (the full set gives 0, so that seeds of the
    /// full data set do not depend on this function's details).
    var fingerprint: UInt64 {
        if self == .full { return 0 }
        var h = UInt64(objectCounts.lowerBound) &* 31 &+ UInt64(objectCounts.upperBound)
        for style in backgroundStyles {
            h = SplitMix64.mix(h ^ UInt64(Background.Style.allCases.firstIndex(of: style) ?? 0) &+ 1)
        }
        return SplitMix64.mix(h)
    }
}
