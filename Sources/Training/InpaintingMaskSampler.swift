import Foundation
import NN

/// Random inpainting masks for training the GLIDE-style inpainting decoder: 1 = regenerate, 0 = keep. Half the
/// masks are one or two axis-aligned boxes, half are free-form strokes (a thick random walk, as in the free-form
/// masks of LaMa / DeepFill v2), so the model sees both the `--rect` masks of `unclip-inpaint` and painted ones.
public struct InpaintingMaskSampler: Sendable, Equatable {
    /// Image side in pixels.
    public var size: Int

    public init(size: Int) { self.size = size }

    /// The kind of a drawn mask.
    public enum Kind: Sendable, Equatable { case boxes, strokes }

    /// One mask `[size · size]` and its kind, drawing a fixed number of words (64) from `random`.
    public func draw(random: inout PhiloxRandom) -> (mask: [Float], kind: Kind) {
        let words = random.nextWords(count: 64)
        var next = 0
        func uniform() -> Double {
            defer { next += 1 }
            return (Double(words[next]) + 0.5) / 4_294_967_296
        }
        func integer(_ range: ClosedRange<Int>) -> Int {
            min(range.upperBound, range.lowerBound + Int(uniform() * Double(range.count)))
        }
        var mask = [Float](repeating: 0, count: size * size)
        let s = size
        if uniform() < 0.5 {
            let boxes = uniform() < 0.7 ? 1 : 2
            for _ in 0..<boxes {
                let w = integer(max(1, s / 8)...max(1, s * 5 / 8)), h = integer(max(1, s / 8)...max(1, s * 5 / 8))
                let x = integer(0...(s - w)), y = integer(0...(s - h))
                for row in y..<(y + h) { for col in x..<(x + w) { mask[row * s + col] = 1 } }
            }
            return (mask, .boxes)
        }
        // Strokes: 1–3 random walks of 4–8 segments with a round brush.
        let strokes = integer(1...3)
        for _ in 0..<strokes {
            var px = uniform() * Double(s), py = uniform() * Double(s)
            let radius = Double(integer(max(1, s / 32)...max(1, s / 10)))
            let segments = integer(4...8)
            var angle = uniform() * 2 * Double.pi
            for _ in 0..<segments {
                angle += (uniform() - 0.5) * 2.0
                let length = Double(s) * (0.05 + 0.15 * uniform())
                let qx = min(max(px + length * cos(angle), 0), Double(s - 1))
                let qy = min(max(py + length * sin(angle), 0), Double(s - 1))
                paintSegment(&mask, from: (px, py), to: (qx, qy), radius: radius)
                (px, py) = (qx, qy)
            }
        }
        return (mask, .strokes)
    }

    /// Sets every pixel within `radius` of the segment.
    func paintSegment(_ mask: inout [Float], from a: (Double, Double), to b: (Double, Double), radius: Double) {
        let s = size
        let (dx, dy) = (b.0 - a.0, b.1 - a.1)
        let length2 = max(dx * dx + dy * dy, 1e-12)
        let lo = (x: max(0, Int(min(a.0, b.0) - radius)), y: max(0, Int(min(a.1, b.1) - radius)))
        let hi = (x: min(s - 1, Int(max(a.0, b.0) + radius) + 1), y: min(s - 1, Int(max(a.1, b.1) + radius) + 1))
        guard lo.x <= hi.x, lo.y <= hi.y else { return }
        for y in lo.y...hi.y {
            for x in lo.x...hi.x {
                let (cx, cy) = (Double(x) + 0.5, Double(y) + 0.5)
                let t = min(max(((cx - a.0) * dx + (cy - a.1) * dy) / length2, 0), 1)
                let (ex, ey) = (cx - a.0 - t * dx, cy - a.1 - t * dy)
                if ex * ex + ey * ey <= radius * radius { mask[y * s + x] = 1 }
            }
        }
    }
}
