import Testing

@testable import Shapes

@Suite struct PromptReadingTests {
    @Test func readsTargetsPositionsAndRelations() {
        let reading = PromptReading("A small red star above a blue ring, on a white background.")
        #expect(reading.targets == [CheckTarget(color: .red, shape: .star), CheckTarget(color: .blue, shape: .ring)])
        #expect(reading.sizes == [.small, nil])
        #expect(reading.claims == [PromptReading.Claim(subject: 0, relation: .above, reference: 1)])
        let placed = PromptReading("a gray circle in the center and an orange cross on the left")
        #expect(placed.targets.map(\.position) == [.centre, .left])
        #expect(placed.targets.map(\.color) == [.grey, .orange])
        #expect(PromptReading("a dog on a red background").targets.isEmpty)
    }

    @Test func agreesWithEveryGeneratedCaption() {
        for seed in UInt64(0)..<1000 {
            let scene = Scene(seed: seed, split: .heldout)
            let reading = PromptReading(scene.caption)
            #expect(!reading.targets.isEmpty)
            for target in reading.targets {
                let object = scene.objects.first { $0.color == target.color && $0.shape == target.shape }
                #expect(object != nil, "\(scene.caption)")
                if let position = target.position { #expect(object?.position == position, "\(scene.caption)") }
            }
            for claim in reading.claims {
                let a = scene.objects.first {
                    $0.combination
                        == Combination(
                            color: reading.targets[claim.subject].color, shape: reading.targets[claim.subject].shape!)
                }
                let b = scene.objects.first {
                    $0.combination
                        == Combination(
                            color: reading.targets[claim.reference].color,
                            shape: reading.targets[claim.reference].shape!)
                }
                if let a, let b {
                    #expect(claim.relation.holds(a.position, b.position))
                    #expect(claim.relation.holds(SIMD2(a.x, a.y), SIMD2(b.x, b.y)))
                }
            }
        }
    }

    @Test func checkerJudgesWholePrompts() {
        let checker = SceneChecker()
        var right = 0
        for seed in UInt64(0)..<200 {
            let scene = Scene(seed: seed, split: .test)
            let verdict = checker.check(
                pixels: scene.render(size: 64), width: 64, height: 64, prompt: PromptReading(scene.caption))
            if verdict.allCorrect { right += 1 }
        }
        print("checker on whole captions: \(right)/200")
        #expect(right >= 190, "\(right)/200 captions judged true of their own scenes")
        // A false relation is caught.
        let scene = Scene(
            background: Background(style: .plain, colors: [.white]),
            objects: [
                SceneObject(shape: .star, color: .red, size: .large, position: .top),
                SceneObject(shape: .ring, color: .blue, size: .large, position: .bottom),
            ])
        let pixels = scene.render(size: 64)
        #expect(
            checker.check(pixels: pixels, width: 64, height: 64, prompt: PromptReading("a red star above a blue ring"))
                .allCorrect)
        #expect(
            !checker.check(pixels: pixels, width: 64, height: 64, prompt: PromptReading("a red star below a blue ring"))
                .allCorrect)
        #expect(!checker.check(pixels: pixels, width: 64, height: 64, prompt: PromptReading("a green star")).allCorrect)
    }
}
