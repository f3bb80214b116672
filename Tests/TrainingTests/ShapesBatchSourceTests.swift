import Shapes
import TensorCore
import Testing

@testable import Training

@Suite struct ShapesBatchSourceTests {
    @Test func shapeGroupsDifferOnlyInTheFirstShape() throws {
        let source = try ShapesBatchSource(
            imageSize: 16, options: SamplingOptions(objectCounts: 1...3), shapeGroup: 4)
        var random = PhiloxRandom(seed: 3)
        let (scenes, captions) = source.scenes(size: 16, random: &random)
        #expect(scenes.count == 16 && captions.count == 16)
        for group in stride(from: 0, to: 16, by: 4) {
            let members = scenes[group..<group + 4]
            let leader = scenes[group]
            #expect(Set(members.map { $0.objects[0].shape }).count == 4, "group \(group): shapes not distinct")
            for (offset, scene) in zip(0..., members) {
                var reshaped = scene
                reshaped.objects[0].shape = leader.objects[0].shape
                #expect(reshaped == leader, "member \(offset) of group \(group) differs beyond its shape")
                #expect(!scene.objects.contains { Split.isHeldOut($0.combination) })
                let shapeWord = scene.objects[0].shape.word
                #expect(captions[group + offset].contains(shapeWord), "\(captions[group + offset]) lacks \(shapeWord)")
            }
        }
        // Consecutive groups are different scenes.
        #expect(scenes[0].seed != scenes[4].seed)
    }

    @Test func groupOfOneKeepsTheIndependentStream() throws {
        let plain = try ShapesBatchSource(imageSize: 16)
        let grouped = try ShapesBatchSource(imageSize: 16, shapeGroup: 1)
        var a = PhiloxRandom(seed: 9), b = PhiloxRandom(seed: 9)
        #expect(plain.scenes(size: 8, random: &a).captions == grouped.scenes(size: 8, random: &b).captions)
    }

    @Test func everyColourFillsTheLargestGroup() {
        for color in NamedColor.allCases {
            for shape in ShapeKind.allCases where !Split.isHeldOut(Combination(color: color, shape: shape)) {
                let object = SceneObject(shape: shape, color: color, size: .large, position: .centre)
                let scene = Scene(background: Background(style: .plain, colors: [.white]), objects: [object])
                let others = ShapesBatchSource.otherShapes(for: scene, split: .train)
                #expect(others.count >= ShapesBatchSource.largestShapeGroup - 1, "\(color) \(shape)")
                #expect(!others.contains(shape))
            }
        }
    }

    @Test func compositionVariantsSwapPlacesSwapColoursAndRepeat() {
        let a = SceneObject(shape: .circle, color: .red, size: .small, position: .top)
        let b = SceneObject(shape: .square, color: .blue, size: .large, position: .bottom)
        let background = Background(style: .plain, colors: [.white])
        let variants = ShapesBatchSource.compositionVariants(of: Scene(background: background, objects: [a, b]))
        #expect(variants.count == 3)
        guard variants.count == 3 else { return }
        let moved = variants[0].objects, recoloured = variants[1].objects, repeated = variants[2].objects
        #expect(moved[0].shape == .circle && moved[0].position == .bottom && moved[0].y == b.y)
        #expect(moved[1].shape == .square && moved[1].position == .top && moved[1].y == a.y)
        #expect(recoloured.map(\.color) == [.blue, .red] && recoloured.map(\.shape) == [.circle, .square])
        #expect(repeated.count == 3 && repeated[2].combination == a.combination)
        #expect(![Position.top, .bottom].contains(repeated[2].position))
        #expect(Scene(background: background, objects: Array(repeated.prefix(2))).hasRoom(for: repeated[2]))
        // A swap of colours that would make a held-out pair (purple heart) is left out; one object has none.
        let heart = SceneObject(shape: .heart, color: .red, size: .small, position: .left)
        let purple = SceneObject(shape: .ring, color: .purple, size: .small, position: .right)
        let held = ShapesBatchSource.compositionVariants(of: Scene(background: background, objects: [heart, purple]))
        #expect(held.count == 2 && !held.contains { $0.objects.contains { Split.isHeldOut($0.combination) } })
        #expect(ShapesBatchSource.compositionVariants(of: Scene(background: background, objects: [a])).isEmpty)
    }

    @Test func compositionGroupsFollowTheirScenesWithCaptionsThatTellThemApart() throws {
        let source = try ShapesBatchSource(
            imageSize: 16, options: SamplingOptions(objectCounts: 1...3), shapeGroup: 3, compositionGroups: true)
        var random = PhiloxRandom(seed: 5)
        let (scenes, captions) = source.scenes(size: 64, random: &random)
        #expect(scenes.count == 64 && captions.count == 64)
        var i = 0, compositionGroups = 0, shapeGroups = 0
        while i < scenes.count {
            let twoObjects = scenes[i].objects.count == 2
            let variants =
                twoObjects
                ? ShapesBatchSource.compositionVariants(of: scenes[i])
                : ShapesBatchSource.shapeVariants(of: scenes[i], count: 2, split: .train)
            let end = min(scenes.count, i + 1 + variants.count)
            #expect(Array(scenes[i + 1..<end]) == Array(variants.prefix(end - i - 1)), "group at \(i)")
            if twoObjects { compositionGroups += 1 } else { shapeGroups += 1 }
            #expect(Set(captions[i..<end]).count == end - i, "group at \(i): \(captions[i..<end])")
            #expect(!scenes[i..<end].contains { $0.objects.contains { Split.isHeldOut($0.combination) } })
            i = end
        }
        #expect(compositionGroups >= 3 && shapeGroups >= 3)
    }

    @Test func badShapeGroupsThrow() {
        #expect(throws: TrainingError.self) { try ShapesBatchSource(shapeGroup: 0) }
        #expect(throws: TrainingError.self) { try ShapesBatchSource(shapeGroup: 9) }
        #expect(throws: TrainingError.self) { try ShapesBatchSource(split: .heldout, shapeGroup: 2) }
        #expect(throws: TrainingError.self) { try ShapesBatchSource(split: .heldout, compositionGroups: true) }
        #expect(throws: TrainingError.self) { try ShapesBatchSource(degradedFraction: 1.5) }
    }

    @Test func degradedFractionCorruptsAboutThatShareOfThePicturesAndNothingElse() throws {
        let clean = try ShapesBatchSource(imageSize: 16)
        let degraded = try ShapesBatchSource(imageSize: 16, degradedFraction: 0.5)
        var a = PhiloxRandom(seed: 5), b = PhiloxRandom(seed: 5)
        let (cleanPixels, cleanCaptions) = try clean.batch(size: 64, random: &a)
        let (pixels, captions) = try degraded.batch(size: 64, random: &b)
        #expect(captions == cleanCaptions)
        #expect(a.nextWords(count: 1) == b.nextWords(count: 1), "the corruption drew from the batch stream")
        let plane = 3 * 16 * 16
        let x = cleanPixels.scalars, y = pixels.scalars
        let changed = (0..<64).filter { i in (i * plane..<(i + 1) * plane).contains { abs(x[$0] - y[$0]) > 1e-4 } }
        #expect((20...44).contains(changed.count), "\(changed.count) of 64 pictures corrupted")
        // The same batch again is the same corruption.
        var c = PhiloxRandom(seed: 5)
        #expect(try degraded.batch(size: 64, random: &c).pixels.scalars == y)
    }
}
