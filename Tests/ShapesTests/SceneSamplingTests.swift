import Foundation
import Testing

@testable import Shapes

@Suite struct SceneSamplingTests {
    @Test func sameSeedGivesSameScene() {
        for seed in UInt64(0)..<50 {
            let a = Scene(seed: seed, split: .train)
            let b = Scene(seed: seed, split: .train)
            #expect(a == b)
            #expect(a.caption == b.caption)
            #expect(a.render(size: 64) == b.render(size: 64))
        }
    }

    @Test func rendersMatchGoldenHashes() {
        // Pinned renders: a change here changes the data set, so it must be deliberate.
        let hashes = (UInt64(0)..<4).map { fnv1a(Scene(seed: $0, split: .train).render(size: 64)) }
        let captions = (UInt64(0)..<4).map { Scene(seed: $0, split: .train).caption }
        #expect(hashes == SceneSamplingTests.goldenHashes)
        #expect(captions == SceneSamplingTests.goldenCaptions)
    }

    static let goldenHashes: [UInt64] = [
        0x694d_a59d_5aba_1a8c, 0x86d3_2d94_9e33_fec3, 0x4da0_65de_39cc_18d4, 0xb60c_1527_ec8f_5fe6,
    ]
    static let goldenCaptions = [
        "a large black hexagon on a white background", "a picture of a small cyan heart",
        "a picture of a large pink ring and a cyan circle", "purple star on a gradient background from brown to white",
    ]

    @Test func objectsAreSeparatedInsideTheFrameAndContrasting() {
        for seed in UInt64(0)..<3000 {
            for split in Split.allCases {
                let scene = Scene(seed: seed, split: split)
                #expect((1...3).contains(scene.objects.count))
                let colors = scene.objects.map(\.color)
                #expect(Set(colors).count == colors.count, "colours repeat in \(scene)")
                for (i, a) in scene.objects.enumerated() {
                    #expect(scene.background.contrasts(with: a.color))
                    #expect(
                        a.x - a.radius > 0.01 && a.x + a.radius < 0.99 && a.y - a.radius > 0.01 && a.y + a.radius < 0.99
                    )
                    for b in scene.objects[(i + 1)...] { #expect(SceneSampler.separated(a, b)) }
                }
            }
        }
    }

    @Test func vocabularyIsCovered() {
        var shapes = Set<ShapeKind>()
        var colors = Set<NamedColor>()
        var styles = Set<Background.Style>()
        var counts = Set<Int>()
        var positions = Set<Position>()
        var sizes = Set<ObjectSize>()
        for seed in UInt64(0)..<2000 {
            let scene = Scene(seed: seed, split: .train)
            shapes.formUnion(scene.objects.map(\.shape))
            colors.formUnion(scene.objects.map(\.color))
            positions.formUnion(scene.objects.map(\.position))
            sizes.formUnion(scene.objects.map(\.size))
            styles.insert(scene.background.style)
            counts.insert(scene.objects.count)
        }
        #expect(shapes.count == ShapeKind.allCases.count)
        #expect(colors.count == NamedColor.allCases.count)
        #expect(styles.count == 3 && counts == [1, 2, 3] && positions.count == 5 && sizes.count == 2)
    }

    @Test func optionsRestrictTheScenes() {
        let options = SamplingOptions(objectCounts: 1...1, backgroundStyles: [.plain])
        for seed in UInt64(0)..<500 {
            let scene = Scene(seed: seed, split: .train, options: options)
            #expect(scene.objects.count == 1 && scene.background.style == .plain)
        }
    }

    @Test func attributesRoundTripThroughJSON() throws {
        let scene = Scene(seed: 9, split: .heldout)
        let data = try JSONEncoder().encode(scene)
        #expect(try JSONDecoder().decode(Scene.self, from: data) == scene)
    }
}
