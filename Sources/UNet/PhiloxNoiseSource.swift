import Diffusion
import NN

/// Standard normal noise from the engine's seeded Philox stream, for the `Diffusion` loops.
public struct PhiloxNoiseSource: NoiseSource {
    /// The generator; its offset advances with every draw.
    public private(set) var random: PhiloxRandom

    public init(seed: UInt64) { random = PhiloxRandom(seed: seed) }

    public mutating func normals(count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { p in
            if let base = p.baseAddress, count > 0 { random.fillNormal(base, count: count) }
        }
        return out
    }
}
