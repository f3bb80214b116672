/// Nearest-neighbour ×2 upsampling and average pooling over NCHW planes (`planes` = N·C).
public enum Resample {
    /// y[p, 2i + a, 2j + b] = x[p, i, j]; x `[planes, H, W]`, y `[planes, 2H, 2W]`.
    public static func upsampleNearest2x(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int,
        height h: Int, width w: Int, pool: ThreadPool = .shared
    ) {
        pool.parallelFor(planes, grain: max(1, 16384 / max(1, h * w))) { range in
            for p in range {
                let src = x + p &* h &* w, dst = y + p &* 4 &* h &* w
                for i in 0..<h {
                    let row = dst + 2 &* i &* 2 &* w
                    for j in 0..<w {
                        let v = src[i &* w &+ j]
                        row[2 &* j] = v
                        row[2 &* j &+ 1] = v
                    }
                    (row + 2 &* w).update(from: row, count: 2 &* w)
                }
            }
        }
    }

    /// dx[p, i, j] += Σ_{a,b ∈ {0,1}} dy[p, 2i + a, 2j + b].
    public static func upsampleNearest2xBackward(
        dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, planes: Int,
        height h: Int, width w: Int
    ) {
        for p in 0..<planes {
            let src = dy + p &* 4 &* h &* w, dst = dx + p &* h &* w
            for i in 0..<h {
                let r0 = src + 2 &* i &* 2 &* w, r1 = r0 + 2 &* w
                for j in 0..<w {
                    dst[i &* w &+ j] += r0[2 &* j] + r0[2 &* j &+ 1] + r1[2 &* j] + r1[2 &* j &+ 1]
                }
            }
        }
    }

    /// Average pooling with a `k × k` window and stride `s`, no padding: y `[planes, (H−k)/s+1, (W−k)/s+1]`.
    public static func averagePool(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int,
        height h: Int, width w: Int, kernel k: Int, stride s: Int, pool: ThreadPool = .shared
    ) {
        let ho = (h - k) / s + 1, wo = (w - k) / s + 1
        let inv = 1 / Float(k * k)
        pool.parallelFor(planes, grain: max(1, 16384 / max(1, h * w))) { range in
            for p in range {
                let src = x + p &* h &* w, dst = y + p &* ho &* wo
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var acc: Float = 0
                        for dy in 0..<k {
                            let off: Int = (oy &* s &+ dy) &* w &+ ox &* s
                            let row = src + off
                            for dx in 0..<k { acc += row[dx] }
                        }
                        dst[oy &* wo &+ ox] = acc * inv
                    }
                }
            }
        }
    }

    /// dx[window] += dy / k² for every output position.
    public static func averagePoolBackward(
        dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, planes: Int,
        height h: Int, width w: Int, kernel k: Int, stride s: Int
    ) {
        let ho = (h - k) / s + 1, wo = (w - k) / s + 1
        let inv = 1 / Float(k * k)
        for p in 0..<planes {
            let src = dy + p &* ho &* wo, dst = dx + p &* h &* w
            for oy in 0..<ho {
                for ox in 0..<wo {
                    let g = src[oy &* wo &+ ox] * inv
                    for a in 0..<k {
                        let off: Int = (oy &* s &+ a) &* w &+ ox &* s
                        let row = dst + off
                        for b in 0..<k { row[b] += g }
                    }
                }
            }
        }
    }
}
