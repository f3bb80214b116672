/// Rendering: analytic antialiased coverage from signed distances, at any square resolution.
///
/// Each pixel is covered by a shape in proportion to `clamp(0.5 - d, 0, 1)`, where d is the signed distance
/// from the pixel centre to the outline in pixels: a one-pixel box-filtered edge. Geometry lives in normalized
/// coordinates, so a 256×256 render box-downsampled to 64×64 matches the 64×64 render up to edge filtering.
/// Colours are blended in sRGB values (no linearization), like the painters the captions imitate.
extension Scene {
    /// Renders the scene as 8-bit RGB, row-major and interleaved (`size * size * 3` bytes).
    /// Returns an empty array when `size` is not positive.
    public func render(size: Int) -> [UInt8] {
        let floats = renderFloats(size: size)
        return floats.map { UInt8(min(max($0 * 255 + 0.5, 0), 255)) }
    }

    /// Renders the scene as RGB floats in `[0, 1]`, row-major and interleaved (`size * size * 3` values).
    /// Returns an empty array when `size` is not positive.
    public func renderFloats(size: Int) -> [Float] {
        guard size > 0 else { return [] }
        var pixels = [Float](repeating: 0, count: size * size * 3)
        pixels.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            paintBackground(base, size: size)
            for object in objects { paint(object, into: base, size: size) }
        }
        return pixels
    }

    /// Renders the scene planar (channels first, `[3, size, size]`) in `[-1, 1]`, the layout of the `image`
    /// tensor on the wire. Values are the 8-bit render mapped by `p / 127.5 - 1` (the wire convention), so a
    /// tensor and a PNG of the same scene hold exactly the same picture.
    public func renderPlanar(size: Int) -> [Float] {
        let bytes = render(size: size)
        guard !bytes.isEmpty else { return [] }
        let plane = size * size
        var planar = [Float](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for c in 0..<3 { planar[c &* plane &+ i] = Float(bytes[i &* 3 &+ c]) / 127.5 - 1 }
        }
        return planar
    }

    private func paintBackground(_ pixels: UnsafeMutablePointer<Float>, size: Int) {
        let a = background.primary.unitRGB
        let b = background.secondary.unitRGB
        let n = Float(size)
        switch background.style {
        case .plain:
            for i in 0..<(size &* size) { store(a, pixels, i) }
        case .gradient:
            for y in 0..<size {
                // A linear ramp averages to its value at the pixel centre.
                let t = (Float(y) + 0.5) / n
                let c = a + (b - a) * t
                for x in 0..<size { store(c, pixels, y &* size &+ x) }
            }
        case .striped:
            let period = Float(Background.stripePeriod)
            for y in 0..<size {
                for x in 0..<size {
                    // Distance along the diagonal (normalized), then the signed distance to the nearest
                    // edge of a second-colour stripe, in pixels.
                    let u = ((Float(x) + 0.5) + (Float(y) + 0.5)) / n * 0.70710678 / period
                    // Phase relative to the middle of a second-colour stripe, wrapped to [-0.5, 0.5].
                    let g = u - 0.75
                    let phase = g - g.rounded()
                    let inside = period * (0.25 - abs(phase)) * n
                    let alpha = Scene.diagonalCoverage(inside)
                    store(a + (b - a) * alpha, pixels, y &* size &+ x)
                }
            }
        }
    }

    private func paint(_ object: SceneObject, into pixels: UnsafeMutablePointer<Float>, size: Int) {
        let n = Double(size)
        let radius = Float(object.radius * n)
        guard radius > 0 else { return }
        let cx = Float(object.x * n)
        let cy = Float(object.y * n)
        let inverse = 1 / radius
        // Only the bounding box of the object's disc (plus the antialiased edge) is visited.
        let x0 = max(0, Int((cx - radius - 2).rounded(.down)))
        let x1 = min(size - 1, Int((cx + radius + 2).rounded(.up)))
        let y0 = max(0, Int((cy - radius - 2).rounded(.down)))
        let y1 = min(size - 1, Int((cy + radius + 2).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let color = object.color.unitRGB
        let shape = object.shape
        for y in y0...y1 {
            let ly = (cy - (Float(y) + 0.5)) * inverse
            for x in x0...x1 {
                let local = SIMD2<Float>((Float(x) + 0.5 - cx) * inverse, ly)
                let alpha = min(max(0.5 - shape.signedDistance(local) * radius, 0), 1)
                guard alpha > 0 else { continue }
                let i = (y &* size &+ x) &* 3
                for c in 0..<3 { pixels[i &+ c] += (color[c] - pixels[i &+ c]) * alpha }
            }
        }
    }

    /// The exact fraction of a unit pixel covered by a 45-degree half-plane whose edge lies `distance` pixels
    /// from the pixel centre (positive inside): x + y over the pixel has a triangular distribution on [-1, 1].
    @inline(__always)
    static func diagonalCoverage(_ distance: Float) -> Float {
        let k = min(max(distance * 1.41421356, -1), 1)
        return k < 0 ? (k + 1) * (k + 1) / 2 : 1 - (1 - k) * (1 - k) / 2
    }

    @inline(__always)
    private func store(_ c: SIMD3<Float>, _ pixels: UnsafeMutablePointer<Float>, _ index: Int) {
        let i = index &* 3
        pixels[i] = c.x
        pixels[i &+ 1] = c.y
        pixels[i &+ 2] = c.z
    }
}
