/// The reconstruction filter of a resize: the "random kernel" of a BSR-style degradation picks one of these.
/// Shrinking stretches every filter by the scale (antialias), as PyTorch's `antialias=True` and Pillow do.
public enum ResizeFilter: String, CaseIterable, Sendable {
    /// Box filter: area averaging when shrinking, nearest neighbour when enlarging.
    case box
    /// Triangle filter (bilinear interpolation).
    case bilinear
    /// Keys cubic with a = −0.5 (the same weights as `resized(height:width:)`).
    case bicubic

    /// Half-width of the filter at scale 1, in input pixels.
    var support: Double {
        switch self {
        case .box: return 0.5
        case .bilinear: return 1
        case .bicubic: return 2
        }
    }

    /// The filter's value at distance `x` (in filter units).
    func value(_ x: Double) -> Double {
        let t = abs(x)
        switch self {
        case .box: return t < 0.5 || x == -0.5 ? 1 : 0
        case .bilinear: return t < 1 ? 1 - t : 0
        case .bicubic: return PlanarImage.cubic(x)
        }
    }
}

extension PlanarImage {
    /// Resizes with `filter`, antialiased when shrinking (the filter's support is stretched by the scale and the
    /// weights normalised to sum 1; Pillow's scheme). `.bicubic` gives the same result as `resized(height:width:)`.
    public func resized(height newHeight: Int, width newWidth: Int, filter: ResizeFilter) throws -> PlanarImage {
        checkConsistent()
        guard newHeight > 0, newWidth > 0, newHeight <= Image.maximumSide, newWidth <= Image.maximumSide else {
            throw ImagingError.invalidImage("resize to \(newHeight)x\(newWidth)")
        }
        var current = self
        if newWidth != width {
            current = current.resampled(axis: 1, table: Self.weights(input: width, output: newWidth, filter: filter))
        }
        if newHeight != height {
            current = current.resampled(
                axis: 0, table: Self.weights(input: height, output: newHeight, filter: filter))
        }
        return current
    }

    /// For each output index: the first input index and the normalised weights of `filter` over its window.
    static func weights(input: Int, output: Int, filter: ResizeFilter) -> [(Int, [Float])] {
        let scale = Double(input) / Double(output)
        let stretch = max(scale, 1)
        let support = filter.support * stretch
        return (0..<output).map { i in
            let center = scale * (Double(i) + 0.5)
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), input)
            var w = (lo..<max(hi, lo)).map { filter.value((Double($0) - center + 0.5) / stretch) }
            var total = w.reduce(0, +)
            if total == 0 {
                // A box narrower than the pixel grid (enlarging): fall back to the nearest input pixel.
                w = (lo..<max(hi, lo)).map { Int(center) == $0 ? 1 : 0 }
                total = w.reduce(0, +)
            }
            if total != 0 { w = w.map { $0 / total } }
            return (lo, w.map { Float($0) })
        }
    }
}
