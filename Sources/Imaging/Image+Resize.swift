// Follows Pillow's Resample.c (Image.resize with Resampling.BICUBIC): Keys cubic a = -0.5, support stretched when
// shrinking, double-precision weights rounded to 22-bit fixed point, width pass then height pass.

extension Image {
    /// Bicubic resize of 8-bit pixels, identical to Pillow's `Image.resize((width, height), Image.BICUBIC)` for grey and
    /// RGB images (what CLIP's and Hugging Face's image processors run before normalizing). Every channel is filtered
    /// independently; Pillow instead premultiplies alpha for LA/RGBA, so drop alpha first (`rgb()`) to match it.
    public func resized(width newWidth: Int, height newHeight: Int) throws -> Image {
        checkConsistent()
        guard newWidth > 0, newHeight > 0, newWidth <= Image.maximumSide, newHeight <= Image.maximumSide,
            newWidth * newHeight <= Image.maximumPixelCount
        else { throw ImagingError.invalidImage("resize to \(newWidth)x\(newHeight)") }
        var current = self
        if newWidth != width { current = current.resampled(horizontally: true, to: newWidth) }
        if newHeight != height { current = current.resampled(horizontally: false, to: newHeight) }
        return current
    }

    /// Resizes so that the shorter side becomes `size` (the longer becomes `Int(size * long / short)`), as
    /// torchvision's `Resize(size, BICUBIC)` does on a PIL image.
    public func resized(shortSide size: Int) throws -> Image {
        guard size > 0 else { throw ImagingError.invalidImage("short side \(size)") }
        if width <= height {
            return try resized(width: size, height: Int(Double(size) * Double(height) / Double(width)))
        }
        return try resized(width: Int(Double(size) * Double(width) / Double(height)), height: size)
    }

    /// OpenAI CLIP's preprocessing geometry on 8-bit pixels: `Resize(size, BICUBIC)` then `CenterCrop(size)`.
    public func resizedAndCropped(to size: Int) throws -> Image {
        try resized(shortSide: size).centerCropped(width: size, height: size)
    }

    /// The centred `width × height` window, placed as torchvision's `CenterCrop` places it on a PIL image
    /// (offsets rounded half to even). Throws if larger than the image.
    public func centerCropped(width w: Int, height h: Int) throws -> Image {
        checkConsistent()
        guard w > 0, h > 0, w <= width, h <= height else {
            throw ImagingError.invalidImage("crop \(w)x\(h) of a \(width)x\(height) image")
        }
        let top = Int((Double(height - h) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(width - w) / 2).rounded(.toNearestOrEven))
        var out = [UInt8](repeating: 0, count: w * h * channels)
        for y in 0..<h {
            let src = ((top + y) * width + left) * channels
            for i in 0..<(w * channels) { out[y * w * channels + i] = pixels[src + i] }
        }
        return Image(unchecked: w, h, channels, out)
    }

    static let precisionBits = 22

    /// Pillow's fixed-point weights for one axis: first input index and 22-bit integer weights per output index.
    static func pillowWeights(input: Int, output: Int) -> [(Int, [Int])] {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = 2 * filterScale
        return (0..<output).map { i in
            let center = (Double(i) + 0.5) * scale
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), input)
            var w = (lo..<max(hi, lo)).map { PlanarImage.cubic((Double($0) - center + 0.5) / filterScale) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            let one = Double(1 << precisionBits)
            return (
                lo,
                w.map { k in Int(k < 0 ? (k * one - 0.5).rounded(.towardZero) : (k * one + 0.5).rounded(.towardZero)) }
            )
        }
    }

    func resampled(horizontally: Bool, to size: Int) -> Image {
        let table = Image.pillowWeights(input: horizontally ? width : height, output: size)
        let outW = horizontally ? size : width, outH = horizontally ? height : size
        let c = channels
        var out = [UInt8](repeating: 0, count: outW * outH * c)
        let half = 1 << (Image.precisionBits - 1)
        @inline(__always) func clip(_ v: Int) -> UInt8 {
            v >= 256 << Image.precisionBits ? 255 : v <= 0 ? 0 : UInt8(v >> Image.precisionBits)
        }
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outH {
                    for x in 0..<outW {
                        let (lo, w) = table[horizontally ? x : y]
                        for ch in 0..<c {
                            var acc = half
                            if horizontally {
                                for k in 0..<w.count { acc += Int(src[(y * width + lo + k) * c + ch]) * w[k] }
                            } else {
                                for k in 0..<w.count { acc += Int(src[((lo + k) * width + x) * c + ch]) * w[k] }
                            }
                            dst[(y * outW + x) * c + ch] = clip(acc)
                        }
                    }
                }
            }
        }
        return Image(unchecked: outW, outH, c, out)
    }
}
