import Testing

@testable import Shapes

@Suite struct CheckerTests {
    /// Scores the checker on the subject of `count` scenes rendered at `size`.
    static func accuracy(size: Int, count: Int, options: SamplingOptions, split: Split = .test)
        -> (color: Double, shape: Double, position: Double, all: Double)
    {
        let checker = SceneChecker()
        var color = 0
        var shape = 0
        var position = 0
        var all = 0
        var confusions: [String: Int] = [:]
        for seed in UInt64(0)..<UInt64(count) {
            let scene = Scene(seed: seed, split: split, options: options)
            let result = checker.check(
                pixels: scene.render(size: size), width: size, height: size, target: CheckTarget(scene.objects[0]))
            if result.colorCorrect { color += 1 }
            if result.shapeCorrect {
                shape += 1
            } else if let d = result.detection {
                confusions["\(scene.objects[0].shape)->\(d.shape)", default: 0] += 1
            }
            if result.positionCorrect { position += 1 }
            if result.allCorrect { all += 1 }
        }
        if !confusions.isEmpty { print("checker confusions at \(size):", confusions.sorted { $0.value > $1.value }) }
        let n = Double(count)
        return (Double(color) / n, Double(shape) / n, Double(position) / n, Double(all) / n)
    }

    @Test(arguments: [64, 256])
    func rightOnCleanSingleObjectRenders(size: Int) {
        let result = CheckerTests.accuracy(size: size, count: 500, options: SamplingOptions(objectCounts: 1...1))
        print("checker single-object \(size):", result)
        #expect(result.color >= 0.99 && result.position >= 0.99)
        #expect(result.all >= 0.95)
    }

    @Test func rightAt1024ThroughDownsampling() {
        let result = CheckerTests.accuracy(size: 1024, count: 40, options: SamplingOptions(objectCounts: 1...2))
        #expect(result.all >= 0.95)
    }

    @Test func rightOnCleanMultiObjectRenders() {
        let result = CheckerTests.accuracy(size: 64, count: 300, options: SamplingOptions(objectCounts: 2...3))
        print("checker multi-object 64:", result)
        #expect(result.all >= 0.9)
    }

    @Test func absentColoursAreNotFound() {
        let checker = SceneChecker()
        var falsePositives = 0
        for seed in UInt64(0)..<200 {
            let scene = Scene(seed: seed, split: .test)
            let present = Set(scene.objects.map(\.color))
            let pixels = scene.render(size: 64)
            for color in NamedColor.allCases where !present.contains(color) {
                if checker.check(pixels: pixels, width: 64, height: 64, target: CheckTarget(color: color)).colorCorrect
                {
                    falsePositives += 1
                }
            }
        }
        #expect(falsePositives <= 2, "\(falsePositives) false detections")
    }

    @Test func toleratesNoiseAndBlur() {
        // Generated pictures are not clean: a 3×3 box blur plus uniform noise of ±25 per channel.
        let checker = SceneChecker()
        var rng = SplitMix64(seed: 1)
        var correct = 0
        let count = 200
        for seed in UInt64(0)..<UInt64(count) {
            let scene = Scene(seed: seed, split: .test, options: SamplingOptions(objectCounts: 1...1))
            let clean = scene.render(size: 64)
            var noisy = clean
            for y in 0..<64 {
                for x in 0..<64 {
                    for c in 0..<3 {
                        var sum = 0
                        var n = 0
                        for dy in -1...1 {
                            for dx in -1...1 where (0..<64).contains(y + dy) && (0..<64).contains(x + dx) {
                                sum += Int(clean[((y + dy) * 64 + x + dx) * 3 + c])
                                n += 1
                            }
                        }
                        noisy[(y * 64 + x) * 3 + c] = UInt8(min(max(sum / n + rng.int(below: 51) - 25, 0), 255))
                    }
                }
            }
            if checker.check(pixels: noisy, width: 64, height: 64, target: CheckTarget(scene.objects[0])).allCorrect {
                correct += 1
            }
        }
        print("checker on blurred noisy renders: \(correct)/\(count)")
        #expect(Double(correct) / Double(count) >= 0.9)
    }

    @Test func malformedInputGivesNoDetection() {
        let checker = SceneChecker()
        #expect(
            checker.check(pixels: [1, 2, 3], width: 64, height: 64, target: CheckTarget(color: .red)).detection == nil)
        #expect(checker.detections(pixels: [], width: 0, height: 0).isEmpty)
    }
}
