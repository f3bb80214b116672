import Testing

@testable import Shapes

@Suite struct VerdictTallyTests {
    /// A one-object scene's render, and its object's colour.
    func single(_ seed: UInt64) -> (pixels: [UInt8], object: SceneObject) {
        let scene = Scene(seed: seed, split: .test, options: SamplingOptions(objectCounts: 1...1))
        return (scene.render(size: 64), scene.objects[0])
    }

    @Test func ownCaptionsScoreRightAndOtherColoursWrong() {
        let checker = SceneChecker()
        var own = VerdictTally(), other = VerdictTally()
        for seed in UInt64(0)..<20 {
            let (pixels, object) = single(seed)
            own.add(checker.check(pixels: pixels, width: 64, height: 64, prompt: PromptReading("a \(object.noun)")))
            let wrong = NamedColor.allCases.first { $0 != object.color && $0 != .white && $0 != .black } ?? .red
            other.add(
                checker.check(
                    pixels: pixels, width: 64, height: 64,
                    prompt: PromptReading("a \(wrong.word) \(object.shape.word)")))
        }
        #expect(own.pictures == 20 && own.objects == 20)
        #expect(own.colour == 1 && own.shape == 1 && own.all == 1)
        #expect(own.position == nil, "no position was asked")
        #expect(other.colour ?? 1 < 0.3)
    }

    @Test func unreadablePromptsAreCountedApart() {
        var tally = VerdictTally()
        let (pixels, _) = single(1)
        tally.add(SceneChecker().check(pixels: pixels, width: 64, height: 64, prompt: PromptReading("a cat")))
        #expect(tally.pictures == 1 && tally.unreadable == 1 && tally.objects == 0)
        #expect(tally.all == nil)
        #expect(tally.report == ["unreadable\t1 of 1 prompts"])
    }
}
