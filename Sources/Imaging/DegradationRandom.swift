import Foundation

/// The seeded generator of the degradations (SplitMix64): the same seed gives the same draws on every platform.
/// Imaging depends on nothing, so it carries its own; the Shapes generator uses the same constants.
struct DegradationRandom {
    private(set) var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1) from the top 53 bits.
    mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Two independent standard normal draws (Box–Muller).
    mutating func normalPair() -> (Double, Double) {
        let u1 = max(unit(), 1e-300), u2 = unit()
        let r = (-2 * log(u1)).squareRoot()
        return (r * cos(2 * Double.pi * u2), r * sin(2 * Double.pi * u2))
    }
}
