import Testing

@testable import Shapes

@Suite struct SplitTests {
    @Test func trainingAndTestNeverShowHeldOutPairs() {
        for split in [Split.train, .test] {
            for seed in UInt64(0)..<5000 {
                for object in Scene(seed: seed, split: split).objects {
                    #expect(!Split.isHeldOut(object.combination), "\(split) seed \(seed) shows \(object.combination)")
                }
            }
        }
    }

    @Test func heldOutScenesLeadWithAHeldOutPair() {
        var seen = Set<Combination>()
        for seed in UInt64(0)..<2000 {
            let scene = Scene(seed: seed, split: .heldout)
            #expect(Split.isHeldOut(scene.objects[0].combination))
            seen.insert(scene.objects[0].combination)
        }
        #expect(seen == Set(Split.heldOutCombinations))
    }

    @Test func everyHeldOutColourAndShapeIsStillTrained() {
        var colors = Set<NamedColor>()
        var shapes = Set<ShapeKind>()
        for pair in Split.heldOutCombinations {
            #expect(!colors.contains(pair.color) && !shapes.contains(pair.shape))
            colors.insert(pair.color)
            shapes.insert(pair.shape)
        }
    }

    @Test func testSeedsAreNotTrainingSeeds() {
        var differing = 0
        for seed in UInt64(0)..<200 {
            let a = Scene(seed: seed, split: .train)
            let b = Scene(seed: seed, split: .test)
            guard a.objects != b.objects else { continue }
            differing += 1
        }
        #expect(differing == 200)
    }
}
