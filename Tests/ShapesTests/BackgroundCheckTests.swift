import Testing

@testable import Shapes

/// The checker's judgement of backgrounds: what a prompt names, and whether a picture's border shows it.
@Suite struct BackgroundCheckTests {
    @Test func readsTheBackgroundAPromptNames() {
        #expect(
            PromptReading("a red circle on a blue background").background == Background(style: .plain, colors: [.blue]))
        #expect(
            PromptReading("a small yellow star on a grey to black gradient background").background
                == Background(style: .gradient, colors: [.grey, .black]))
        #expect(
            PromptReading("a purple triangle at the top on a gradient background from brown to black").background
                == Background(style: .gradient, colors: [.brown, .black]))
        #expect(
            PromptReading("a ring on a background of blue and white stripes").background
                == Background(style: .striped, colors: [.blue, .white]))
        #expect(PromptReading("a dog on a gray background").background == Background(style: .plain, colors: [.grey]))
        // Nothing to judge: no background, or one without its colours.
        #expect(PromptReading("a red star above a blue ring").background == nil)
        #expect(PromptReading("a red star on a gradient background").background == nil)
        #expect(PromptReading("a red star on a striped background").background == nil)
    }

    @Test func everyGeneratedCaptionNamesItsScenesBackground() {
        var named = 0
        for seed in UInt64(0)..<1000 {
            let scene = Scene(seed: seed, split: .test)
            let caption = scene.caption
            guard caption.contains("background") || caption.contains("stripes") else {
                #expect(PromptReading(caption).background == nil, "\(caption)")
                continue
            }
            named += 1
            #expect(PromptReading(caption).background == scene.background, "\(caption)")
        }
        #expect(named > 200, "\(named) of 1000 captions name their background")
    }

    @Test(arguments: [64, 256])
    func rendersShowTheirOwnBackgroundAndNotAnother(size: Int) {
        let checker = SceneChecker()
        var right = 0
        var wrongAccepted = 0
        let count = 300
        for seed in UInt64(0)..<UInt64(count) {
            let scene = Scene(seed: seed, split: .test)
            let pixels = scene.render(size: size)
            if checker.check(pixels: pixels, width: size, height: size, background: scene.background) { right += 1 }
            // The same style with the first colour swapped for one the scene does not show.
            let other = NamedColor.allCases.first { !scene.background.colors.contains($0) } ?? .red
            var wrong = scene.background
            wrong.colors[0] = other
            if checker.check(pixels: pixels, width: size, height: size, background: wrong) { wrongAccepted += 1 }
        }
        print("background check at \(size): own \(right)/\(count), another colour \(wrongAccepted)/\(count)")
        #expect(right >= count * 98 / 100)
        #expect(wrongAccepted == 0)
    }

    @Test func aGradientUpsideDownIsWrong() {
        let checker = SceneChecker()
        let scene = Scene(
            background: Background(style: .gradient, colors: [.yellow, .purple]),
            objects: [SceneObject(shape: .star, color: .red, size: .small, position: .centre)])
        let pixels = scene.render(size: 64)
        #expect(checker.check(pixels: pixels, width: 64, height: 64, background: scene.background))
        #expect(
            !checker.check(
                pixels: pixels, width: 64, height: 64,
                background: Background(style: .gradient, colors: [.purple, .yellow])))
        #expect(
            !checker.check(
                pixels: pixels, width: 64, height: 64, background: Background(style: .plain, colors: [.purple])))
    }

    @Test func theVerdictAndTallyKeepTheBackgroundApartFromAll() {
        let checker = SceneChecker()
        let scene = Scene(
            background: Background(style: .plain, colors: [.grey]),
            objects: [SceneObject(shape: .circle, color: .red, size: .large, position: .centre)])
        let pixels = scene.render(size: 64)
        let verdict = checker.check(
            pixels: pixels, width: 64, height: 64, prompt: PromptReading("a red circle on a blue background"))
        #expect(verdict.allCorrect && verdict.background == false)
        #expect(
            checker.check(pixels: pixels, width: 64, height: 64, prompt: PromptReading("a red circle")).background
                == nil)
        var tally = VerdictTally()
        tally.add(verdict)
        tally.add(
            checker.check(
                pixels: pixels, width: 64, height: 64, prompt: PromptReading("a red circle on a grey background")))
        #expect(tally.all == 1 && tally.background == 0.5)
        #expect(tally.report.last == "background\t0.500\t1/2")
    }

    @Test func malformedInputIsNeverRight() {
        #expect(
            !SceneChecker().check(
                pixels: [1, 2, 3], width: 64, height: 64, background: Background(style: .plain, colors: [.red])))
    }
}
