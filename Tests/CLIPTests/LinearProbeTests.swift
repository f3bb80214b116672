import Foundation
import Imaging
import TensorStream
import Testing

@testable import CLIP

/// The linear probe: L-BFGS logistic regression, its gradient, separable data, saving, and fixture-model features.
@Suite struct LinearProbeTests {
    /// A deterministic generator (SplitMix64) for synthetic features.
    struct Numbers {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    /// `perClass` points around each of `k` random centres in `d` dimensions, with noise `spread`.
    func clusters(k: Int, d: Int, perClass: Int, spread: Double, seed: UInt64) throws -> (FeatureRows, [Int]) {
        var rng = Numbers(state: seed)
        let centres = (0..<k).map { _ in (0..<d).map { _ in rng.next() } }
        var rows: [[Double]] = []
        var labels: [Int] = []
        for i in 0..<(k * perClass) {
            let c = i % k
            rows.append(centres[c].map { $0 + spread * rng.next() })
            labels.append(c)
        }
        return (try FeatureRows(rows: rows), labels)
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        let (x, y) = try clusters(k: 3, d: 4, perClass: 3, spread: 0.5, seed: 1)
        let trainer = LogisticRegression(l2: 0.3)
        var rng = Numbers(state: 9)
        let theta = (0..<15).map { _ in rng.next() }
        let (_, gradient) = trainer.objective(theta, features: x, labels: y, classCount: 3)
        let h = 1e-6
        for i in theta.indices {
            var plus = theta, minus = theta
            plus[i] += h
            minus[i] -= h
            let numeric =
                (trainer.objective(plus, features: x, labels: y, classCount: 3).0
                    - trainer.objective(minus, features: x, labels: y, classCount: 3).0) / (2 * h)
            #expect(abs(numeric - gradient[i]) < 1e-7, "component \(i)")
        }
    }

    @Test func separableClustersAreLearnedExactlyAndDeterministically() throws {
        let (x, y) = try clusters(k: 4, d: 16, perClass: 25, spread: 0.3, seed: 42)
        let trainer = LogisticRegression(l2: 1e-4)
        let fit = try trainer.fit(features: x, labels: y, classCount: 4)
        #expect(fit.converged, "loss \(fit.loss) after \(fit.iterations)")
        let probe = try LinearProbe(
            classNames: ["a", "b", "c", "d"], weights: FeatureRows(count: 4, width: 16, values: fit.weights),
            bias: fit.bias, l2: 1e-4)
        // The probe normalises its input; this fit was on raw features, so compare through the raw logits.
        var correct = 0
        for i in 0..<x.count {
            let logits = (0..<4).map { k in x.dot(i, probe.weights, k) + fit.bias[k] }
            if logits.firstIndex(of: logits.max() ?? 0) == y[i] { correct += 1 }
        }
        #expect(correct == x.count)
        let again = try trainer.fit(features: x, labels: y, classCount: 4)
        #expect(again.weights == fit.weights && again.bias == fit.bias)
        // Held-out points from the same clusters.
        let (test, testLabels) = try clusters(k: 4, d: 16, perClass: 25, spread: 0.3, seed: 42)
        #expect(test == x && testLabels == y)  // same seed, same data: the generator is pinned
    }

    @Test func probeFitsExamplesSavesAndLoads() throws {
        let (x, y) = try clusters(k: 3, d: 8, perClass: 10, spread: 0.2, seed: 5)
        var examples = ProbeExamples()
        let names = ["zebra", "apple", "moon"]  // sorted by the probe: apple, moon, zebra
        var frame = Frame()
        frame["labels"] = try .int32(shape: [x.count], y.map(Int32.init))
        frame.setMetadataList(names, for: "labels")
        try examples.add(frame, embeddings: x)
        #expect(examples.classNames == ["apple", "moon", "zebra"])
        let (probe, fit) = try LinearProbe.fit(examples, trainer: LogisticRegression(l2: 1e-4))
        #expect(fit.converged)
        let result = try probe.classify(x)
        #expect(result.labels.map { result.classNames[$0] } == y.map { names[$0] })
        let loaded = try LinearProbe(frame: probe.frame(), source: "probe")
        #expect(loaded.classNames == probe.classNames)
        #expect(try loaded.classify(x).labels == result.labels)
        #expect(throws: CLIPError.self) { try LinearProbe(frame: Frame(), source: "empty") }
    }

    @Test func examplesTakeClassesFromFileFolders() throws {
        var frame = Frame()
        frame.setMetadataList(["train/cat/1.png", "train/dog/2.png", "/abs/cat/3.png"], for: "files")
        #expect(try ProbeExamples.classNames(of: frame, count: 3) == ["cat", "dog", "cat"])
        frame.setMetadataList(["1.png", "dog/2.png", "cat/3.png"], for: "files")
        #expect(throws: CLIPError.self) { try ProbeExamples.classNames(of: frame, count: 3) }
        #expect(throws: CLIPError.self) { try ProbeExamples.classNames(of: Frame(), count: 1) }
        var bad = Frame()
        bad["labels"] = try .int32(shape: [1], [3])
        bad.setMetadataList(["a"], for: "labels")
        #expect(throws: CLIPError.self) { try ProbeExamples.classNames(of: bad, count: 1) }
    }

    /// Features of corpus images from the random-weight fixture model hf-a: colour images vs grey ones.
    @Test func probeSeparatesFixtureModelFeatures() throws {
        let images = Fixtures.directory.deletingLastPathComponent().appendingPathComponent("images/png")
        let model = try CLIPModel(
            folder: Fixtures.directory.appendingPathComponent("models/hf-a").path, towers: .vision)
        let frames = CLIPImageFrames(encoder: try #require(model.image))
        let files = try FileManager.default.contentsOfDirectory(atPath: images.path).sorted()
        let colour = files.filter { $0.hasPrefix("rgb8_") }.prefix(6)
        let grey = files.filter { $0.hasPrefix("grey8_") }.prefix(6)
        var examples = ProbeExamples()
        var all: [FeatureRows] = []
        for (name, group) in [("colour", colour), ("grey", grey)] {
            for file in group {
                let image = PlanarImage(
                    try ImageDecoder.decode(Array(Data(contentsOf: images.appendingPathComponent(file))), source: file))
                var frame = Frame()
                frame["image"] = try .float32(shape: [1, 3, image.height, image.width], image.values)
                try frames.addEmbeddings(to: &frame)
                frame.setMetadataList(["\(name)/\(file)"], for: "files")
                let features = try FeatureRows(frame.tensor("image.embed"), name: "image.embed")
                try examples.add(frame, embeddings: features)
                all.append(features)
            }
        }
        #expect(examples.count == 12)
        let (probe, fit) = try LinearProbe.fit(examples, trainer: LogisticRegression(l2: 1e-5))
        let predicted = try probe.classify(examples.features()).labels
        #expect(predicted == examples.labelIndices, "loss \(fit.loss)")
    }
}
