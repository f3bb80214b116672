import Foundation

/// A seeded, counter-based random stream: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
/// 1, 2, 3", SC 2011), the generator of Random123, cuRAND and PyTorch's CUDA backend.
///
/// **The stream, exactly (so other languages can reproduce it):**
/// - key `(k0, k1)` = (low 32 bits, high 32 bits) of `seed`.
/// - Word `i` of the stream (i = 0, 1, 2, …) is word `i mod 4` of `philox(counter, key)` with
///   `counter = (low32(i / 4), high32(i / 4), 0, 0)`.
/// - `philox` runs 10 rounds on `(c0, c1, c2, c3)`; each round, with `M0 = 0xD2511F53`, `M1 = 0xCD9E8D57`:
///   `p0 = M0 · c0`, `p1 = M1 · c2` (64-bit products), then
///   `(c0, c1, c2, c3) = (hi(p1) ^ c1 ^ k0, lo(p1), hi(p0) ^ c3 ^ k1, lo(p0))`,
///   and after every round but the last the key is bumped: `k0 += 0x9E3779B9`, `k1 += 0xBB67AE85` (mod 2³²).
/// - **Uniform** from a word `w`: `(Float(w >> 9) + 0.5) / 2²³`, in (0, 1), exact in float (24 significant bits).
/// - **Normal** (Box–Muller): sample pair j uses words `2j` and `2j + 1` (relative to the current offset):
///   `u1, u2` uniform as above, computed in double: `r = √(−2 ln u1)`, `z0 = r cos(2π u2)`, `z1 = r sin(2π u2)`,
///   rounded to float. A request for n normals consumes `2·⌈n/2⌉` words (an odd count drops the last `z1`).
///
/// The generator's whole state is `(seed, offset)` (the next word index), so it checkpoints trivially, and any
/// element depends only on its index: results are the same for every thread count.
public struct PhiloxRandom: Equatable, Sendable {
    /// The key.
    public let seed: UInt64
    /// Index of the next unused 32-bit word of the stream.
    public var offset: UInt64

    public init(seed: UInt64, offset: UInt64 = 0) {
        self.seed = seed
        self.offset = offset
    }

    /// One Philox4x32-10 block.
    @inline(__always)
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var c = counter
        var k = key
        for round in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c[0])
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c[2])
            c = SIMD4(
                UInt32(truncatingIfNeeded: p1 >> 32) ^ c[1] ^ k[0], UInt32(truncatingIfNeeded: p1),
                UInt32(truncatingIfNeeded: p0 >> 32) ^ c[3] ^ k[1], UInt32(truncatingIfNeeded: p0))
            if round < 9 { k &+= SIMD2(0x9E37_79B9, 0xBB67_AE85) }
        }
        return c
    }

    /// Word `index` of the stream for `seed`.
    @inline(__always)
    static func word(_ index: UInt64, key: SIMD2<UInt32>) -> UInt32 {
        let b = index >> 2
        return block(
            counter: SIMD4(UInt32(truncatingIfNeeded: b), UInt32(truncatingIfNeeded: b >> 32), 0, 0), key: key)[
                Int(index & 3)]
    }

    var key: SIMD2<UInt32> { SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)) }

    @inline(__always)
    static func uniform(_ w: UInt32) -> Float { (Float(w >> 9) + 0.5) * 0x1p-23 }

    /// The next `count` raw 32-bit words.
    public mutating func nextWords(count: Int) -> [UInt32] {
        let key = self.key, start = offset
        offset &+= UInt64(max(0, count))
        return (0..<max(0, count)).map { PhiloxRandom.word(start &+ UInt64($0), key: key) }
    }

    /// Fills `buffer` with uniform floats in (0, 1), in parallel.
    public mutating func fillUniform(_ buffer: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool = .shared) {
        let key = self.key, start = offset
        offset &+= UInt64(max(0, count))
        pool.parallelFor(count, grain: 1 << 14) { range in
            for i in range { buffer[i] = PhiloxRandom.uniform(PhiloxRandom.word(start &+ UInt64(i), key: key)) }
        }
    }

    /// Fills `buffer` with standard normal floats (mean 0, variance 1) by Box–Muller, in parallel.
    public mutating func fillNormal(_ buffer: UnsafeMutablePointer<Float>, count: Int, pool: ThreadPool = .shared) {
        let key = self.key, start = offset
        let pairs = (max(0, count) + 1) / 2
        offset &+= UInt64(2 * pairs)
        pool.parallelFor(pairs, grain: 1 << 13) { range in
            for j in range {
                let w = start &+ 2 &* UInt64(j)
                let u1 = Double(PhiloxRandom.uniform(PhiloxRandom.word(w, key: key)))
                let u2 = Double(PhiloxRandom.uniform(PhiloxRandom.word(w &+ 1, key: key)))
                let r = (-2 * Foundation.log(u1)).squareRoot()
                let theta = 2 * Double.pi * u2
                buffer[2 &* j] = Float(r * Foundation.cos(theta))
                if 2 &* j &+ 1 < count { buffer[2 &* j &+ 1] = Float(r * Foundation.sin(theta)) }
            }
        }
    }

    /// A tensor of standard normal samples.
    public mutating func normal(shape: [Int]) throws -> Tensor {
        let t = try Tensor(zeros: shape)
        fillNormal(t.storage.pointer, count: t.count)
        return t
    }

    /// A tensor of uniform samples in (0, 1).
    public mutating func uniform(shape: [Int]) throws -> Tensor {
        let t = try Tensor(zeros: shape)
        fillUniform(t.storage.pointer, count: t.count)
        return t
    }
}
