/// A small seeded pseudo-random generator: Steele, Lea and Flood's SplitMix64.
///
/// Every scene is a pure function of its seed, so the generator is spelled out here instead of borrowing the
/// system generator: the same seed gives the same stream on every platform and Swift version.
/// The first output for seed 0 is `0xE220_A839_7B1D_CDAF` (pinned by a test).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state; it advances by the golden-ratio increment on every draw.
    public private(set) var state: UInt64

    /// Creates a generator whose first draw mixes `seed + 0x9E37_79B9_7F4A_7C15`.
    public init(seed: UInt64) {
        state = seed
    }

    /// Creates a generator for one named stream of a seed, so that derived streams (splits, caption variants)
    /// are unrelated to each other and to the plain seed.
    public init(seed: UInt64, stream: UInt64) {
        state = SplitMix64.mix(seed &+ SplitMix64.mix(stream ^ 0x5EED_5EED_5EED_5EED))
    }

    /// The SplitMix64 output function: a bijective 64-bit finalizer.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Returns the next 64 random bits.
    public mutating func next() -> UInt64 {
        let output = SplitMix64.mix(state)
        state &+= 0x9E37_79B9_7F4A_7C15
        return output
    }

    /// Returns an integer in `0..<count` (the high half of a 64×64-bit product, so the same on every platform).
    /// Returns 0 when `count` is not positive.
    public mutating func int(below count: Int) -> Int {
        guard count > 0 else { return 0 }
        return Int(next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// Returns a double in `[0, 1)` built from the top 53 bits of the next draw.
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Returns a double in `[lower, upper)`.
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    /// Returns one element of a non-empty array, or `nil` for an empty one.
    public mutating func element<T>(of values: [T]) -> T? {
        values.isEmpty ? nil : values[int(below: values.count)]
    }

    /// Returns `true` with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// Shuffles an array with Fisher–Yates using only this generator's own draws.
    public mutating func shuffled<T>(_ values: [T]) -> [T] {
        var result = values
        var index = result.count - 1
        while index > 0 {
            result.swapAt(index, int(below: index + 1))
            index -= 1
        }
        return result
    }
}
