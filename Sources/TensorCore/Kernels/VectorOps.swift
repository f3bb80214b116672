import Foundation

/// Row primitives shared by the normalization, softmax and attention kernels, written so they vectorize:
/// reductions use explicit SIMD16 accumulators (the compiler may not reorder float sums), and `exp` runs in a
/// loop without a reduction so it becomes glibc's vector `expf` (libmvec).
enum VectorOps {
    /// e^x for 16 lanes with x ≤ 0, 0 below −87 (where the float result would be denormal or 0); within 2e-7
    /// relative of the exact value (`VectorExpTests`). Cody–Waite: x = n·ln 2 + r with |r| ≤ ln 2 / 2, a degree-6
    /// polynomial for e^r (Cephes' `expf` coefficients) and 2ⁿ written into the exponent bits — 16 lanes in AVX-512
    /// registers, where glibc's vector `expf` reached from Swift is the 8-lane AVX2 one.
    @_transparent
    static func expNonPositive(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let low = SIMD16<Float>(repeating: -87)
        let clamped = x.replacing(with: low, where: x .< low)
        // Adding 1.5·2²³ rounds x·log₂e to an integer n held in the low mantissa bits of t.
        let magic = SIMD16<Float>(repeating: 12_582_912)
        let t = clamped * 1.442_695_04 + magic
        let n = t - magic
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD16<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_91e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 0.166_666_655
        p = p * r + 0.500_000_01
        let e = p * (r * r) + r + 1
        // 2ⁿ: (n + 127) << 23 as float bits; the magic's own bits shift out.
        let bits = unsafeBitCast(t, to: SIMD16<UInt32>.self)
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: SIMD16<Float>.self)
        return (e * scale).replacing(with: 0, where: x .< low)
    }

    /// Σ p[0..<n], with 4 × 16 partial sums.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        let r = UnsafeRawPointer(p)
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>()
        var i = 0
        while i &+ 32 <= n {
            a0 += r.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            a1 += r.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self)
            i &+= 32
        }
        var s = (a0 + a1).sum()
        while i < n {
            s += p[i]
            i &+= 1
        }
        return s
    }

    /// Σ (p[i] − c)², for the variance about a known mean.
    @inline(__always)
    static func sumSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, from c: Float) -> Float {
        let r = UnsafeRawPointer(p)
        let cv = SIMD16<Float>(repeating: c)
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>()
        var i = 0
        while i &+ 32 <= n {
            let d0 = r.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) - cv
            let d1 = r.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self) - cv
            a0.addProduct(d0, d0)
            a1.addProduct(d1, d1)
            i &+= 32
        }
        var s = (a0 + a1).sum()
        while i < n {
            let d = p[i] - c
            s += d * d
            i &+= 1
        }
        return s
    }

    /// Σ a[i]·b[i].
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc = SIMD16<Float>()
        var i = 0
        while i &+ 16 <= n {
            acc.addProduct(
                ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self),
                rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self))
            i &+= 16
        }
        var s = acc.sum()
        while i < n {
            s += a[i] * b[i]
            i &+= 1
        }
        return s
    }

    /// max(p[0..<n], initial); −∞ for an empty row. NaNs are not propagated.
    @inline(__always)
    static func max(_ p: UnsafePointer<Float>, _ n: Int, initial: Float = -.infinity) -> Float {
        let r = UnsafeRawPointer(p)
        var m = SIMD16<Float>(repeating: initial)
        var i = 0
        while i &+ 16 <= n {
            let v = r.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            m.replace(with: v, where: v .> m)
            i &+= 16
        }
        var s = m.max()
        while i < n {
            if p[i] > s { s = p[i] }
            i &+= 1
        }
        return s
    }

    /// p[i] = exp(p[i] − shift) in place; returns Σ p[i]. Arguments below −87 (masked −∞ scores included) give
    /// exactly 0: glibc's vector `expf` falls back to scalar calls for a whole vector when any lane is out of its
    /// range, so the argument is clamped first and the result selected afterwards.
    @inline(__always)
    static func expSubtracting(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ shift: Float) -> Float {
        for i in 0..<n {
            let d = p[i] - shift
            let e = exp(d < -87 ? -87 : d)
            p[i] = d < -87 ? 0 : e
        }
        return sum(p, n)
    }

    /// (Σ (p[i] − shift), Σ (p[i] − shift)²) in one pass. With `shift` near the mean (e.g. the first element)
    /// the variance `E[d²] − E[d]²` does not suffer from cancellation.
    @inline(__always)
    static func shiftedMoments(_ p: UnsafePointer<Float>, _ n: Int, shift: Float) -> (sum: Float, squares: Float) {
        let r = UnsafeRawPointer(p)
        let sv = SIMD16<Float>(repeating: shift)
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), q0 = SIMD16<Float>(), q1 = SIMD16<Float>()
        var i = 0
        while i &+ 32 <= n {
            let d0 = r.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) - sv
            let d1 = r.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self) - sv
            s0 += d0
            s1 += d1
            q0.addProduct(d0, d0)
            q1.addProduct(d1, d1)
            i &+= 32
        }
        var s = (s0 + s1).sum(), q = (q0 + q1).sum()
        while i < n {
            let d = p[i] - shift
            s += d
            q += d * d
            i &+= 1
        }
        return (s, q)
    }
}
