import Foundation
import Testing

@testable import Imaging

/// Timings on a 1024×1024 RGB image (Imaging is compiled optimized even in debug builds). The bounds are loose
/// so that a busy CI machine passes; the printed numbers are the measurement.
@Suite struct PerformanceTests {
    static func photoLike() throws -> Image {
        let w = 1024, h = 1024
        var rng = SplitMix(seed: 3)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let i = (y * w + x) * 3
                let n = Int(rng.next() % 9)
                pixels[i] = UInt8(truncatingIfNeeded: (x + y) / 8 + n)
                pixels[i + 1] = UInt8(truncatingIfNeeded: x / 4 + n)
                pixels[i + 2] = UInt8(truncatingIfNeeded: 128 + Int(40 * sin(Double(y) / 50)) + n)
            }
        }
        return try Image(width: w, height: h, channels: 3, pixels: pixels)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test func pngEncodeAndDecode1024() throws {
        let image = try Self.photoLike()
        var encoded: [UInt8] = []
        let encode = Self.seconds { encoded = PNG.encode(image) }
        var decoded: Image?
        let decode = try Self.seconds { decoded = try PNG.decode(encoded) }
        #expect(decoded == image)
        let planar = PlanarImage(image)
        var small: PlanarImage?
        let resize = try Self.seconds { small = try planar.resizedAndCropped(to: 224) }
        #expect(small?.width == 224)
        print(
            "1024x1024 RGB: PNG encode \(String(format: "%.3f", encode)) s (\(encoded.count) bytes, "
                + "\(String(format: "%.1f", Double(encoded.count) / Double(image.pixels.count) * 100))%), decode "
                + "\(String(format: "%.3f", decode)) s; resize+crop to 224: \(String(format: "%.3f", resize)) s")
        #expect(encode < 3 && decode < 2)
    }
}
