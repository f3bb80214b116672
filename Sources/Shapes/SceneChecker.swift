/// A programmatic judge of pictures: finds blobs of palette colours in 8-bit RGB pixels and names their shape
/// and position, without any learned model.
///
/// 1. Images larger than `workingSize` are box-downsampled by an integer factor first.
/// 2. Every pixel is named by its nearest palette colour, if within `maximumColorDistance`.
/// 3. The pixels of the asked colour are split into 8-connected blobs. Background is dropped: blobs that touch
///    the image border (scene objects never touch it) and blobs of a colour on at least 4% of the border
///    (the background seen through a ring's hole). So is noise: blobs under `minimumArea`, and blobs without a solid interior
///    (the one-pixel halo of mixed colour around an antialiased edge).
/// 4. A blob's shape is the template with the best intersection over union: each shape is rendered with the
///    blob's area and mass centre (then nudged by ±5% in scale and ±½ pixel), thresholded at half coverage.
/// 5. Its position is the region of its mass centre (`Position.init(classifying:)`).
public struct SceneChecker: Sendable {
    /// Pixels farther than this (RGB units) from every palette colour are unnamed.
    public var maximumColorDistance: Float = 100
    /// Blobs smaller than this fraction of the image are ignored.
    public var minimumArea: Double = 0.004
    /// Images whose larger side exceeds this are box-downsampled before checking.
    public var workingSize: Int = 128

    /// Creates a checker with the default thresholds.
    public init() {}

    /// Checks whether the image shows the target: the blob of the target's colour that best fits the target
    /// shape (the largest blob when none has it). Malformed input (a pixel count other than
    /// `width * height * 3`) gives a result with no detection.
    public func check(pixels: [UInt8], width: Int, height: Int, target: CheckTarget) -> CheckResult {
        let found = detections(pixels: pixels, width: width, height: height, colors: [target.color])
        let matching = found.filter { detection in target.shape.map { $0 == detection.shape } ?? true }
        let chosen = (matching.isEmpty ? found : matching).max { $0.area < $1.area }
        return CheckResult(target: target, detection: chosen)
    }

    /// Every blob of the given colours (all palette colours by default), largest first within each colour.
    public func detections(
        pixels: [UInt8], width: Int, height: Int, colors: [NamedColor] = NamedColor.allCases
    ) -> [Detection] {
        guard width > 0, height > 0, pixels.count == width * height * 3 else { return [] }
        let (rgb, w, h) = downsampled(pixels, width: width, height: height)
        let names = nameColors(rgb, count: w * h)
        let border = borderCounts(names, width: w, height: h)
        let borderLimit = max(2, (2 * (w + h)) / 25)
        var result: [Detection] = []
        for color in colors {
            guard let index = NamedColor.allCases.firstIndex(of: color), border[index] < borderLimit else { continue }
            let blobs = Blob.find(in: names, width: w, height: h, label: UInt8(index))
            let smallest = max(4, Int((minimumArea * Double(w * h)).rounded(.up)))
            for blob in blobs where !blob.touchesBorder && blob.area >= smallest && blob.interiorArea >= 3 {
                result.append(describe(blob, color: color, width: w, height: h))
            }
        }
        return result
    }

    /// Whether the picture's border shows the asked background (scene objects never touch the border, so it is all
    /// background). Plain: the colour names at least half of the border's pixels. Gradient (vertical): its first
    /// colour names at least half of the top row and its second half of the bottom row. Stripes: each colour names at
    /// least a quarter of the border. Malformed input is never right.
    public func check(pixels: [UInt8], width: Int, height: Int, background: Background) -> Bool {
        guard width > 0, height > 0, pixels.count == width * height * 3 else { return false }
        let (rgb, w, h) = downsampled(pixels, width: width, height: height)
        let names = nameColors(rgb, count: w * h)
        let border = borderCounts(names, width: w, height: h)
        let borderPixels = w * h - max(0, w - 2) * max(0, h - 2)
        func index(_ color: NamedColor) -> Int { NamedColor.allCases.firstIndex(of: color) ?? 0 }
        func borderShare(_ color: NamedColor) -> Double { Double(border[index(color)]) / Double(borderPixels) }
        func rowShare(_ color: NamedColor, row y: Int) -> Double {
            Double(names[(y * w)..<((y + 1) * w)].filter { Int($0) == index(color) }.count) / Double(w)
        }
        switch background.style {
        case .plain: return borderShare(background.primary) >= 0.5
        case .gradient:
            return rowShare(background.primary, row: 0) >= 0.5 && rowShare(background.secondary, row: h - 1) >= 0.5
        case .striped: return borderShare(background.primary) >= 0.25 && borderShare(background.secondary) >= 0.25
        }
    }

    /// Box-averages by the smallest integer factor that brings the larger side to `workingSize` or below.
    private func downsampled(_ pixels: [UInt8], width: Int, height: Int) -> ([Float], Int, Int) {
        let factor = max(1, (max(width, height) + workingSize - 1) / max(workingSize, 1))
        let w = max(1, width / factor)
        let h = max(1, height / factor)
        var out = [Float](repeating: 0, count: w * h * 3)
        let scale = 1 / Float(factor * factor)
        for y in 0..<h {
            for x in 0..<w {
                var sum = SIMD3<Float>.zero
                for dy in 0..<factor {
                    let row = (y * factor + dy) * width
                    for dx in 0..<factor {
                        let i = (row + x * factor + dx) * 3
                        sum += SIMD3(Float(pixels[i]), Float(pixels[i + 1]), Float(pixels[i + 2]))
                    }
                }
                let o = (y * w + x) * 3
                out[o] = sum.x * scale
                out[o + 1] = sum.y * scale
                out[o + 2] = sum.z * scale
            }
        }
        return (out, w, h)
    }

    /// How many border pixels each palette colour has.
    private func borderCounts(_ names: [UInt8], width: Int, height: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: NamedColor.allCases.count)
        for y in 0..<height {
            for x in 0..<width where y == 0 || x == 0 || y == height - 1 || x == width - 1 {
                let name = Int(names[y * width + x])
                if name < counts.count { counts[name] += 1 }
            }
        }
        return counts
    }

    /// The palette index of each pixel, or 255 for unnamed pixels.
    private func nameColors(_ rgb: [Float], count: Int) -> [UInt8] {
        var names = [UInt8](repeating: 255, count: count)
        for i in 0..<count {
            let value = SIMD3(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2])
            let (color, distance) = NamedColor.nearest(to: value)
            if distance <= maximumColorDistance, let index = NamedColor.allCases.firstIndex(of: color) {
                names[i] = UInt8(index)
            }
        }
        return names
    }

    private func describe(_ blob: Blob, color: NamedColor, width: Int, height: Int) -> Detection {
        let scores = ShapeTemplate.all.map { blob.bestOverlap(with: $0) }
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        let center = SIMD2(blob.centroid.x / Double(width), blob.centroid.y / Double(height))
        return Detection(
            color: color, shape: ShapeKind.allCases[best], shapeScore: scores[best], shapeScores: scores,
            position: Position(classifying: center), center: center, area: Double(blob.area) / Double(width * height))
    }
}
