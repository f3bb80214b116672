import Foundation
import Testing

@testable import Imaging

/// The upsampler corruptions: shape-preserving, deterministic by seed, and doing what their names say.
@Suite struct DegradationTests {
    /// A 3-channel test picture with edges: a bright square on a ramp.
    static func picture(_ h: Int = 24, _ w: Int = 20) throws -> PlanarImage {
        var v = [Float](repeating: 0, count: 3 * h * w)
        for c in 0..<3 {
            for y in 0..<h {
                for x in 0..<w {
                    let inside = (6..<16).contains(y) && (5..<13).contains(x)
                    v[(c * h + y) * w + x] = inside ? 0.8 - 0.3 * Float(c) : Float(x) / Float(w) - 0.5
                }
            }
        }
        return try PlanarImage(channels: 3, height: h, width: w, values: v)
    }

    @Test func everyDegradationKeepsTheShapeAndRepeatsBySeed() throws {
        let image = try Self.picture()
        for seed: UInt64 in [0, 1, 7, 12345, .max] {
            for d in [Degradation.gaussianBlur(seed: seed), Degradation.bsr(seed: seed)] {
                let a = try d.apply(to: image), b = try d.apply(to: image)
                #expect(a.channels == 3 && a.height == image.height && a.width == image.width)
                #expect(a.values == b.values)
                #expect(a.values.allSatisfy { $0.isFinite })
            }
            #expect(Degradation.bsr(seed: seed) == Degradation.bsr(seed: seed))
        }
        // Different seeds draw different chains (at least one of a handful differs from the first).
        let chains = (0..<8).map { Degradation.bsr(seed: UInt64($0)) }
        #expect(chains.contains { $0 != chains[0] })
        #expect(Degradation.gaussianBlur(seed: 1) != Degradation.gaussianBlur(seed: 2))
    }

    @Test func bsrDrawsEveryKindOfStep() {
        var kinds = Set<String>()
        for seed in 0..<64 {
            for step in Degradation.bsr(seed: UInt64(seed)).steps {
                switch step {
                case .blur: kinds.insert("blur")
                case .resize: kinds.insert("resize")
                case .noise: kinds.insert("noise")
                case .jpeg: kinds.insert("jpeg")
                }
            }
        }
        #expect(kinds == ["blur", "resize", "noise", "jpeg"])
    }

    @Test func blurKeepsConstantsAndMeansAndSoftensEdges() throws {
        let flat = try PlanarImage(channels: 3, height: 9, width: 11, values: .init(repeating: 0.25, count: 297))
        let b = try flat.blurred(sigmaX: 1.3, sigmaY: 0.4, angle: 0.7)
        #expect(b.values.allSatisfy { abs($0 - 0.25) < 1e-6 })
        let image = try Self.picture()
        let soft = try image.blurred(sigmaX: 1, sigmaY: 1)
        // Energy of horizontal differences: a blur spreads each edge, which lowers it.
        func roughness(_ p: PlanarImage) -> Float {
            var s: Float = 0
            for i in 1..<p.values.count where i % p.width != 0 {
                s += (p.values[i] - p.values[i - 1]) * (p.values[i] - p.values[i - 1])
            }
            return s
        }
        #expect(roughness(soft) < 0.8 * roughness(image))
        #expect(try image.blurred(sigmaX: 0, sigmaY: 0) == image)
        #expect(throws: ImagingError.self) { try image.blurred(sigmaX: -1, sigmaY: 1) }
        // An anisotropic blur along x leaves a horizontal ramp's columns' vertical structure sharper than across.
        let alongX = try image.blurred(sigmaX: 2, sigmaY: 0.01, angle: 0)
        let alongY = try image.blurred(sigmaX: 2, sigmaY: 0.01, angle: Double.pi / 2)
        #expect(alongX != alongY)
    }

    @Test func noiseHasTheAskedSpread() throws {
        let zero = try PlanarImage(channels: 3, height: 64, width: 64, values: .init(repeating: 0, count: 3 * 4096))
        let n = try zero.addingNoise(sigma: 0.1, seed: 3)
        let mean = n.values.reduce(0, +) / Float(n.values.count)
        let sd = (n.values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n.values.count)).squareRoot()
        #expect(abs(mean) < 0.005)
        #expect(abs(sd - 0.1) < 0.005)
        #expect(try zero.addingNoise(sigma: 0.1, seed: 3) == n)
        #expect(try zero.addingNoise(sigma: 0.1, seed: 4) != n)
    }

    @Test func jpegQuantisationLosesMoreAtLowQuality() throws {
        let image = try Self.picture(21, 19)  // not a multiple of 8: edge blocks replicate
        func error(_ q: Int) throws -> Float {
            let out = try image.jpegQuantized(quality: q)
            #expect(out.height == 21 && out.width == 19)
            return zip(out.values, image.values).map { abs($0 - $1) }.max() ?? 0
        }
        let best = try error(100), good = try error(90), poor = try error(20)
        #expect(best < 0.03)  // quality 100 quantises by 1 level: a few 8-bit levels of rounding
        #expect(good <= poor)
        #expect(poor > 0.05)
        #expect(throws: ImagingError.self) { try image.jpegQuantized(quality: 0) }
    }

    @Test func filteredResizeMatchesBicubicAndAveragesBoxes() throws {
        let image = try Self.picture()
        for (h, w) in [(12, 10), (48, 40), (7, 33)] {
            #expect(try image.resized(height: h, width: w, filter: .bicubic) == image.resized(height: h, width: w))
            for f in ResizeFilter.allCases {
                let r = try image.resized(height: h, width: w, filter: f)
                #expect(r.height == h && r.width == w && r.values.allSatisfy { $0.isFinite })
            }
        }
        // A 2× box shrink is the mean of each 2×2 block.
        let box = try image.resized(height: 12, width: 10, filter: .box)
        let v = image.values
        let want = (v[0] + v[1] + v[20] + v[21]) / 4
        #expect(abs(box.values[0] - want) < 1e-6)
    }

    @Test func cropTakesTheWindow() throws {
        let image = try Self.picture()
        let c = try image.cropped(top: 3, left: 4, height: 5, width: 6)
        #expect(c.values[0] == image.values[3 * 20 + 4])
        #expect(c.values[2 * 30 + 4 * 6 + 5] == image.values[(2 * 24 + 7) * 20 + 9])
        #expect(throws: ImagingError.self) { try image.cropped(top: 20, left: 0, height: 5, width: 5) }
    }
}
