import Foundation
import Testing

@testable import Imaging

@Suite struct ResizeTests {
    /// Cases made by `make_corpus.py` with torch's F.interpolate(bicubic, antialias=True, align_corners=False).
    @Test func bicubicAntialiasMatchesTorch() throws {
        let cases = Corpus.manifest.resize
        #expect(cases.count >= 8)
        var worst: Float = 0
        for c in cases {
            let input = try PlanarImage(channels: c.in[0], height: c.in[1], width: c.in[2], values: try Corpus.floats(c.input))
            let want = try Corpus.floats(c.output)
            let got = try input.resized(height: c.out[1], width: c.out[2])
            #expect(got.values.count == want.count, "\(c.name)")
            var d: Float = 0
            for i in want.indices where i < got.values.count { d = max(d, abs(got.values[i] - want[i])) }
            #expect(d < 1e-4, "\(c.name): max difference \(d)")
            worst = max(worst, d)
        }
        print("resize vs torch: max abs difference \(worst)")
    }

    @Test func centerCropFollowsTorchvision() throws {
        let values = (0..<(1 * 5 * 8)).map(Float.init)
        let image = try PlanarImage(channels: 1, height: 5, width: 8, values: values)
        let crop = try image.centerCropped(height: 2, width: 3)
        // top = round(1.5) = 2, left = round(2.5) = 2 (half to even, as Python's round).
        #expect(crop.values == [18, 19, 20, 26, 27, 28])
        #expect(throws: ImagingError.self) { try image.centerCropped(height: 6, width: 1) }
    }

    @Test func shortSideResizeKeepsAspect() throws {
        let image = try PlanarImage(channels: 3, height: 30, width: 45, values: [Float](repeating: 0.25, count: 3 * 30 * 45))
        let r = try image.resized(shortSide: 20)
        #expect(r.height == 20 && r.width == 30)
        #expect(r.values.allSatisfy { abs($0 - 0.25) < 1e-6 })
        let sq = try image.resizedAndCropped(to: 16)
        #expect(sq.height == 16 && sq.width == 16)
    }

    @Test func floatRoundTripIsExactForEveryByte() throws {
        let pixels = (0..<768).map { UInt8($0 % 256) }
        let image = try Image(width: 16, height: 16, channels: 3, pixels: pixels)
        let planar = PlanarImage(image)
        #expect(planar.values.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(try planar.image() == image)
    }
}
