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

    @Test func badShapeGroupsThrow() {
        #expect(throws: TrainingError.self) { try ShapesBatchSource(shapeGroup: 0) }
        #expect(throws: TrainingError.self) { try ShapesBatchSource(shapeGroup: 9) }
        #expect(throws: TrainingError.self) { try ShapesBatchSource(split: .heldout, shapeGroup: 2) }
    }
}
