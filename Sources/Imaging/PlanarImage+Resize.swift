// Follows PyTorch's F.interpolate(mode="bicubic", antialias=True, align_corners=False) (ATen UpSampleKernel.cpp,
// the same scheme as Pillow's resampling): Keys cubic with a = -0.5, support stretched by the scale when shrinking,
// weights normalized to sum 1, width first then height.

extension PlanarImage {
    /// Bicubic resize with antialiasing, matching PyTorch's
    /// `F.interpolate(x, size: (height, width), mode: "bicubic", antialias: true, align_corners: false)`.
    public func resized(height newHeight: Int, width newWidth: Int) throws -> PlanarImage {
        checkConsistent()
        guard newHeight > 0, newWidth > 0, newHeight <= Image.maximumSide, newWidth <= Image.maximumSide else {
            throw ImagingError.invalidImage("resize to \(newHeight)x\(newWidth)")
        }
        var current = self
        if newWidth != width { current = current.resampled(axis: 1, to: newWidth) }
        if newHeight != height { current = current.resampled(axis: 0, to: newHeight) }
        return current
    }

    /// Resizes so that the shorter side becomes `size`, keeping the aspect ratio as torchvision's `Resize(size)` does
    /// (the longer side becomes `Int(size * long / short)`, truncated).
    public func resized(shortSide size: Int) throws -> PlanarImage {
        guard size > 0 else { throw ImagingError.invalidImage("short side \(size)") }
        if width <= height {
            return try resized(height: Int(Double(size) * Double(height) / Double(width)), width: size)
        }
        return try resized(height: size, width: Int(Double(size) * Double(width) / Double(height)))
    }

    /// CLIP-style preprocessing geometry: shorter side to `size` with bicubic antialias, then the centred square.
    public func resizedAndCropped(to size: Int) throws -> PlanarImage {
        try resized(shortSide: size).centerCropped(height: size, width: size)
    }

    /// Keys cubic convolution kernel with a = -0.5.
    static func cubic(_ x: Double) -> Double {
        let a = -0.5
        let t = abs(x)
        if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
        if t < 2 { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
        return 0
    }

    /// For each output index: the first input index and the normalized weights over the window.
    static func weights(input: Int, output: Int) -> [(Int, [Float])] {
        let scale = Double(input) / Double(output)
        let support = scale >= 1 ? 2 * scale : 2
        let invScale = scale >= 1 ? 1 / scale : 1
        return (0..<output).map { i in
            let center = scale * (Double(i) + 0.5)
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), input)
            var w = (lo..<max(hi, lo)).map { cubic((Double($0) - center + 0.5) * invScale) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            return (lo, w.map { Float($0) })
        }
    }

    /// Resamples along one axis (0 = height, 1 = width).
    func resampled(axis: Int, to size: Int) -> PlanarImage {
        resampled(axis: axis, table: PlanarImage.weights(input: axis == 0 ? height : width, output: size))
    }

    /// Resamples along one axis (0 = height, 1 = width) with one (first index, weights) entry per output index.
    func resampled(axis: Int, table: [(Int, [Float])]) -> PlanarImage {
        let size = table.count
        let outH = axis == 0 ? size : height, outW = axis == 0 ? width : size
        var out = [Float](repeating: 0, count: channels * outH * outW)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    let sPlane = c * height * width, dPlane = c * outH * outW
                    if axis == 1 {
                        for y in 0..<height {
                            let sRow = sPlane + y * width, dRow = dPlane + y * outW
                            for (x, (lo, w)) in table.enumerated() {
                                var acc: Float = 0
                                for k in 0..<w.count { acc += w[k] * src[sRow + lo + k] }
                                dst[dRow + x] = acc
                            }
                        }
                    } else {
                        for (y, (lo, w)) in table.enumerated() {
                            let dRow = dPlane + y * outW
                            for k in 0..<w.count {
                                let wk = w[k]
                                let sRow = sPlane + (lo + k) * width
                                for x in 0..<width { dst[dRow + x] += wk * src[sRow + x] }
                            }
                        }
                    }
                }
            }
        }
        return PlanarImage(unchecked: channels, outH, outW, out)
    }

    init(unchecked channels: Int, _ height: Int, _ width: Int, _ values: [Float]) {
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }
}
