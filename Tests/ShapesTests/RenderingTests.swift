import Foundation
import Testing

@testable import Shapes

@Suite struct RenderingTests {
    @Test func layoutsAgree() {
        let scene = Scene(seed: 5, split: .train)
        let bytes = scene.render(size: 16)
        let floats = scene.renderFloats(size: 16)
        let planar = scene.renderPlanar(size: 16)
        #expect(bytes.count == 16 * 16 * 3 && floats.count == bytes.count && planar.count == bytes.count)
        for i in 0..<(16 * 16) {
            for c in 0..<3 {
                #expect(planar[c * 256 + i] == Float(bytes[i * 3 + c]) / 127.5 - 1)
                #expect(abs(Float(bytes[i * 3 + c]) - floats[i * 3 + c] * 255) <= 0.5001)
            }
        }
        #expect(scene.render(size: 0).isEmpty && scene.render(size: -3).isEmpty)
    }

    @Test func sameSceneAtAnyResolution() {
        // A 256 render box-downsampled to 64 is the 64 render up to edge filtering.
        for seed in UInt64(0)..<20 {
            let scene = Scene(seed: seed, split: .train)
            let small = scene.renderFloats(size: 64)
            let reduced = boxDownsample(scene.renderFloats(size: 256), size: 256, factor: 4)
            var total: Float = 0
            var worst: Float = 0
            for i in small.indices {
                let d = abs(small[i] - reduced[i])
                total += d
                worst = max(worst, d)
            }
            let mean = total / Float(small.count)
            #expect(mean < 0.002, "seed \(seed): mean difference \(mean)")
            #expect(worst < 0.3, "seed \(seed): worst difference \(worst)")
        }
    }

    @Test func shapesFitTheUnitDiscAndAreSolid() {
        for shape in ShapeKind.allCases {
            for k in 0..<720 {
                let angle = Float(k) * .pi / 360
                let p = SIMD2<Float>(cos(angle), sin(angle))
                #expect(shape.signedDistance(p * 1.0) >= -1e-4, "\(shape) pokes out at \(angle)")
            }
            // Each shape covers a fair part of its disc, so "small" and "large" read the same for every shape.
            let template = ShapeTemplate(measuring: shape)
            #expect(template.area > 0.3 * .pi && template.area < .pi, "\(shape) area \(template.area)")
        }
    }

    @Test func objectColoursArePainted() {
        let scene = Scene(
            background: Background(style: .plain, colors: [.white]),
            objects: [SceneObject(shape: .square, color: .blue, size: .large, position: .centre)])
        let pixels = scene.render(size: 64)
        let centre = (32 * 64 + 32) * 3
        #expect(Array(pixels[centre..<(centre + 3)]) == [30, 80, 230])
        #expect(Array(pixels[0..<3]) == [245, 245, 245])
    }
}
