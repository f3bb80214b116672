import Foundation

// The image corruptions of unCLIP's upsampler training (the conditioning image is degraded so that the upsampler
// learns to repair what the previous stage gets wrong). Every one keeps the image's shape.

extension PlanarImage {
    /// Convolves every channel with an anisotropic Gaussian: standard deviations `sigmaX` along the direction at
    /// `angle` radians and `sigmaY` across it, in pixels. The kernel spans ±⌈3σ⌉ (at most ±12) and sums to 1;
    /// borders replicate the edge pixel. σ ≤ 0 in both directions returns the image unchanged.
    public func blurred(sigmaX: Double, sigmaY: Double, angle: Double = 0) throws -> PlanarImage {
        checkConsistent()
        guard sigmaX.isFinite, sigmaY.isFinite, angle.isFinite, sigmaX >= 0, sigmaY >= 0 else {
            throw ImagingError.invalidImage("blur σ (\(sigmaX), \(sigmaY)) at angle \(angle)")
        }
        if max(sigmaX, sigmaY) < 1e-3 { return self }
        let sx = max(sigmaX, 1e-3), sy = max(sigmaY, 1e-3)
        let radius = min(Int((3 * max(sx, sy)).rounded(.up)), 12)
        let (c, s) = (cos(angle), sin(angle))
        let side = 2 * radius + 1
        // Σ⁻¹ of R·diag(sx², sy²)·Rᵀ: the quadratic form in rotated coordinates.
        var kernel = [Double](repeating: 0, count: side * side)
        for dy in -radius...radius {
            for dx in -radius...radius {
                let u = c * Double(dx) + s * Double(dy)
                let v = -s * Double(dx) + c * Double(dy)
                kernel[(dy + radius) * side + dx + radius] = exp(-0.5 * (u * u / (sx * sx) + v * v / (sy * sy)))
            }
        }
        let total = kernel.reduce(0, +)
        let k = kernel.map { Float($0 / total) }
        var out = [Float](repeating: 0, count: values.count)
        let (h, w) = (height, width)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<channels {
                    let plane = ch * h * w
                    for y in 0..<h {
                        for x in 0..<w {
                            var acc: Float = 0
                            for dy in -radius...radius {
                                let yy = min(max(y + dy, 0), h - 1)
                                let row = plane + yy * w
                                let kRow = (dy + radius) * side + radius
                                for dx in -radius...radius {
                                    acc += k[kRow + dx] * src[row + min(max(x + dx, 0), w - 1)]
                                }
                            }
                            dst[plane + y * w + x] = acc
                        }
                    }
                }
            }
        }
        return PlanarImage(unchecked: channels, h, w, out)
    }

    /// Adds independent Gaussian noise of standard deviation `sigma` (in pixel-value units: 2/255 is two 8-bit
    /// levels of a [−1, 1] image) to every value, drawn from `seed` (SplitMix64 and Box–Muller), so the same seed
    /// gives the same noise on every platform.
    public func addingNoise(sigma: Double, seed: UInt64) throws -> PlanarImage {
        checkConsistent()
        guard sigma.isFinite, sigma >= 0 else { throw ImagingError.invalidImage("noise σ \(sigma)") }
        var rng = DegradationRandom(seed: seed)
        var out = values
        var i = 0
        while i < out.count {
            let (a, b) = rng.normalPair()
            out[i] += Float(sigma * a)
            if i + 1 < out.count { out[i + 1] += Float(sigma * b) }
            i += 2
        }
        return PlanarImage(unchecked: channels, height, width, out)
    }

    /// JPEG's lossy step without the entropy coder: the 3-channel image (in [−1, 1]) goes to YCbCr 0…255, each
    /// 8×8 block of each plane through the DCT, quantisation with the IJG tables scaled for `quality` (1…100; luma
    /// table for Y, chroma table for Cb and Cr, no chroma subsampling), and back. Edge blocks replicate the border.
    public func jpegQuantized(quality: Int) throws -> PlanarImage {
        checkConsistent()
        guard channels == 3, (1...100).contains(quality) else {
            throw ImagingError.invalidImage("JPEG quantisation of \(channels) channels at quality \(quality)")
        }
        let plane = height * width
        var ycc = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            let r = (values[i] + 1) * 127.5, g = (values[plane + i] + 1) * 127.5,
                b = (values[2 * plane + i] + 1) * 127.5
            ycc[i] = 0.299 * r + 0.587 * g + 0.114 * b
            ycc[plane + i] = -0.168_736 * r - 0.331_264 * g + 0.5 * b + 128
            ycc[2 * plane + i] = 0.5 * r - 0.418_688 * g - 0.081_312 * b + 128
        }
        let scale = quality < 50 ? 5000 / quality : 200 - 2 * quality
        func table(_ base: [Int]) -> [Float] { base.map { Float(min(max(($0 * scale + 50) / 100, 1), 255)) } }
        let tables = [table(JPEGTables.luma), table(JPEGTables.chroma), table(JPEGTables.chroma)]
        let basis = JPEGTables.dctBasis
        for ch in 0..<3 {
            let q = tables[ch]
            var block = [Float](repeating: 0, count: 64), coefficients = [Float](repeating: 0, count: 64)
            var by = 0
            while by < height {
                var bx = 0
                while bx < width {
                    for y in 0..<8 {
                        let row = ch * plane + min(by + y, height - 1) * width
                        for x in 0..<8 { block[y * 8 + x] = ycc[row + min(bx + x, width - 1)] - 128 }
                    }
                    // Forward 2-D DCT-II (orthonormal), quantise, dequantise.
                    for v in 0..<8 {
                        for u in 0..<8 {
                            var acc: Float = 0
                            for y in 0..<8 {
                                let cy = basis[v * 8 + y]
                                for x in 0..<8 { acc += cy * basis[u * 8 + x] * block[y * 8 + x] }
                            }
                            let step = q[v * 8 + u]
                            coefficients[v * 8 + u] = (acc / step).rounded() * step
                        }
                    }
                    // Inverse DCT back into the plane (only the pixels inside the image).
                    for y in 0..<8 where by + y < height {
                        for x in 0..<8 where bx + x < width {
                            var acc: Float = 0
                            for v in 0..<8 {
                                let cy = basis[v * 8 + y]
                                for u in 0..<8 { acc += cy * basis[u * 8 + x] * coefficients[v * 8 + u] }
                            }
                            ycc[ch * plane + (by + y) * width + bx + x] = acc + 128
                        }
                    }
                    bx += 8
                }
                by += 8
            }
        }
        var out = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            let y = ycc[i], cb = ycc[plane + i] - 128, cr = ycc[2 * plane + i] - 128
            let rgb = [y + 1.402 * cr, y - 0.344_136 * cb - 0.714_136 * cr, y + 1.772 * cb]
            for c in 0..<3 { out[c * plane + i] = min(max(rgb[c], 0), 255) / 127.5 - 1 }
        }
        return PlanarImage(unchecked: 3, height, width, out)
    }

    /// The `height × width` window whose top-left pixel is (`top`, `left`). Throws if it leaves the image.
    public func cropped(top: Int, left: Int, height h: Int, width w: Int) throws -> PlanarImage {
        checkConsistent()
        guard h > 0, w > 0, top >= 0, left >= 0, top + h <= height, left + w <= width else {
            throw ImagingError.invalidImage("crop \(h)x\(w) at (\(top), \(left)) of a \(height)x\(width) image")
        }
        var out = [Float](repeating: 0, count: channels * h * w)
        for c in 0..<channels {
            for y in 0..<h {
                let src = (c * height + top + y) * width + left
                let dst = (c * h + y) * w
                for x in 0..<w { out[dst + x] = values[src + x] }
            }
        }
        return PlanarImage(unchecked: channels, h, w, out)
    }
}

/// The IJG quantisation tables (JPEG standard, Annex K) and the 8-point orthonormal DCT basis.
enum JPEGTables {
    static let luma = [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ]
    static let chroma = [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ]
    /// basis[k * 8 + n] = c(k) cos((2n + 1)kπ / 16), c(0) = √(1/8), else √(2/8).
    static let dctBasis: [Float] = (0..<64).map { i in
        let (k, n) = (i / 8, i % 8)
        let c = k == 0 ? (1.0 / 8).squareRoot() : (2.0 / 8).squareRoot()
        return Float(c * cos(Double(2 * n + 1) * Double(k) * Double.pi / 16))
    }
}
