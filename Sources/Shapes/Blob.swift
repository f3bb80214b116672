/// An 8-connected set of pixels with one label, kept as a bitmap over its bounding box.
struct Blob {
    /// The bounding box origin and size, in pixels.
    let x0: Int, y0: Int, width: Int, height: Int
    /// Row-major membership over the bounding box.
    let mask: [Bool]
    /// Number of member pixels.
    let area: Int
    /// Mass centre in pixel units (pixel centres at +0.5).
    let centroid: SIMD2<Double>
    /// Whether any member lies on the image border.
    let touchesBorder: Bool
    /// Number of members whose four neighbours are members too.
    let interiorArea: Int

    /// Labels the connected blobs of `label` in a label image with an explicit stack (no recursion).
    static func find(in labels: [UInt8], width: Int, height: Int, label: UInt8) -> [Blob] {
        var visited = [Bool](repeating: false, count: labels.count)
        var blobs: [Blob] = []
        var stack: [Int] = []
        for start in 0..<labels.count where labels[start] == label && !visited[start] {
            var members: [Int] = []
            visited[start] = true
            stack.append(start)
            while let p = stack.popLast() {
                members.append(p)
                let px = p % width
                let py = p / width
                for dy in -1...1 {
                    let ny = py + dy
                    guard ny >= 0, ny < height else { continue }
                    for dx in -1...1 {
                        let nx = px + dx
                        guard nx >= 0, nx < width else { continue }
                        let q = ny * width + nx
                        if labels[q] == label && !visited[q] {
                            visited[q] = true
                            stack.append(q)
                        }
                    }
                }
            }
            blobs.append(Blob(members: members, imageWidth: width, imageHeight: height))
        }
        return blobs
    }

    init(members: [Int], imageWidth: Int, imageHeight: Int) {
        var minX = Int.max
        var minY = Int.max
        var maxX = Int.min
        var maxY = Int.min
        var sum = SIMD2<Double>.zero
        for p in members {
            let x = p % imageWidth
            let y = p / imageWidth
            minX = min(minX, x)
            maxX = max(maxX, x)
            minY = min(minY, y)
            maxY = max(maxY, y)
            sum += SIMD2(Double(x) + 0.5, Double(y) + 0.5)
        }
        x0 = minX
        y0 = minY
        width = maxX - minX + 1
        height = maxY - minY + 1
        var mask = [Bool](repeating: false, count: width * height)
        for p in members { mask[(p / imageWidth - minY) * width + (p % imageWidth - minX)] = true }
        self.mask = mask
        var interior = 0
        for y in 1..<max(height - 1, 1) {
            for x in 1..<max(width - 1, 1) where mask[y * width + x] {
                if mask[y * width + x - 1] && mask[y * width + x + 1] && mask[(y - 1) * width + x]
                    && mask[(y + 1) * width + x]
                {
                    interior += 1
                }
            }
        }
        interiorArea = interior
        area = members.count
        centroid = sum / Double(max(members.count, 1))
        touchesBorder = minX == 0 || minY == 0 || maxX == imageWidth - 1 || maxY == imageHeight - 1
    }

    func contains(_ x: Int, _ y: Int) -> Bool {
        let lx = x - x0
        let ly = y - y0
        guard lx >= 0, ly >= 0, lx < width, ly < height else { return false }
        return mask[ly * width + lx]
    }

    /// The best intersection over union with the template placed at the blob's area and mass centre, over
    /// small nudges of scale (±5%) and position (±½ pixel).
    func bestOverlap(with template: ShapeTemplate) -> Double {
        guard template.area > 0 else { return 0 }
        let scale = (Double(area) / template.area).squareRoot()
        var best = 0.0
        for s in [1.0, 0.95, 1.05] {
            for offset in [SIMD2<Double>(0, 0), SIMD2(0.5, 0), SIMD2(-0.5, 0), SIMD2(0, 0.5), SIMD2(0, -0.5)] {
                best = max(
                    best,
                    overlap(with: template.shape, scale: scale * s, centroidShift: template.centroid, offset: offset))
            }
        }
        return best
    }

    private func overlap(with shape: ShapeKind, scale: Double, centroidShift: SIMD2<Double>, offset: SIMD2<Double>)
        -> Double
    {
        // The template's origin, in pixels, so that its mass centre lands on the blob's.
        let cx = centroid.x - centroidShift.x * scale + offset.x
        let cy = centroid.y + centroidShift.y * scale + offset.y
        let reach = scale * 1.05 + 1
        let bx0 = min(x0, Int((cx - reach).rounded(.down)))
        let bx1 = max(x0 + width - 1, Int((cx + reach).rounded(.up)))
        let by0 = min(y0, Int((cy - reach).rounded(.down)))
        let by1 = max(y0 + height - 1, Int((cy + reach).rounded(.up)))
        let inverse = Float(1 / scale)
        var intersection = 0
        var union = 0
        for y in by0...by1 {
            let ly = Float(cy - (Double(y) + 0.5)) * inverse
            for x in bx0...bx1 {
                let inside = shape.signedDistance(SIMD2(Float(Double(x) + 0.5 - cx) * inverse, ly)) < 0
                let member = contains(x, y)
                if inside && member { intersection += 1 }
                if inside || member { union += 1 }
            }
        }
        return union > 0 ? Double(intersection) / Double(union) : 0
    }
}
