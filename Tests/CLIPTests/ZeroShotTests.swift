import Foundation
import TensorStream
import Testing

@testable import CLIP

/// Zero-shot classification: template sets, the ensemble math, probabilities and the frame/table outputs.
@Suite struct ZeroShotTests {
    @Test func builtInTemplateSetsAreOpenAIs() {
        #expect(PromptTemplates.cifar.templates.count == 18)
        #expect(PromptTemplates.imagenet.templates.count == 80)
        for set in [PromptTemplates.cifar, .imagenet] {
            #expect(set.templates.allSatisfy { $0.contains("{}") })
            #expect(Set(set.templates).count == set.templates.count)
        }
        #expect(PromptTemplates.cifar.templates.first == "a photo of a {}.")
        #expect(PromptTemplates.imagenet.templates.last == "a tattoo of the {}.")
        #expect(PromptTemplates.cifar.prompts(for: "red car")[1] == "a blurry photo of a red car.")
        #expect(PromptTemplates.builtIn("imagenet") == .imagenet && PromptTemplates.builtIn("x") == nil)
    }

    @Test func templateFilesAreOneTemplatePerLine() throws {
        let set = try PromptTemplates(name: "t.txt", fileText: "# mine\na {}\r\n\nthe {} again\n")
        #expect(set.templates == ["a {}", "the {} again"])
        #expect(try ClassNames.parse(fileText: "cat\r\ndog\r\n", name: "f") == ["cat", "dog"])
        #expect(throws: CLIPError.badInput("t.txt line 2: template 'a photo' has no '{}' for the class name")) {
            try PromptTemplates(name: "t.txt", fileText: "a {}\na photo\n")
        }
        #expect(throws: CLIPError.self) { try PromptTemplates(name: "t.txt", fileText: "\n# only comments\n") }
    }

    @Test func classNamesAreValidated() throws {
        #expect(try ClassNames.parse(list: "cat, dog ,red car") == ["cat", "dog", "red car"])
        #expect(throws: CLIPError.self) { try ClassNames.parse(list: "cat,,dog") }
        #expect(throws: CLIPError.badInput("class name 'cat' is given twice")) { try ClassNames.parse(list: "cat,cat") }
        #expect(try ClassNames.parse(fileText: "cat\n\n# no\ndog\n", name: "f") == ["cat", "dog"])
        #expect(throws: CLIPError.self) { try ClassNames.parse(fileText: "\n", name: "f") }
    }

    @Test func ensembleIsTheRenormalisedMeanOfNormalisedEmbeddings() throws {
        // (3, 4) → (0.6, 0.8); (2, 0) → (1, 0); mean (0.8, 0.4); norm √0.8.
        let e = ZeroShotClassifier.ensemble(try FeatureRows(rows: [[3, 4], [2, 0]]))
        let n = 0.8.squareRoot()
        #expect(abs(e[0] - 0.8 / n) < 1e-12 && abs(e[1] - 0.4 / n) < 1e-12)
    }

    @Test func classifierMatchesAHandComputation() throws {
        let templates = PromptTemplates(name: "t", templates: ["a {}", "the {}"])
        let vectors: [String: [Double]] = [
            "a cat": [3, 4], "the cat": [2, 0], "a dog": [0, 1], "the dog": [0, 3],
        ]
        var asked: [[String]] = []
        let classifier = try ZeroShotClassifier(classNames: ["cat", "dog"], templates: templates, scale: 10) {
            asked.append($0)
            return try FeatureRows(rows: $0.map { vectors[$0] ?? [] })
        }
        #expect(asked == [["a cat", "the cat"], ["a dog", "the dog"]])
        let n = 0.8.squareRoot()
        let cat = [0.8 / n, 0.4 / n], dog = [0.0, 1.0]
        let image = [1.0, 1.0], unit = image.map { $0 / 2.0.squareRoot() }
        let logits = try classifier.logits(FeatureRows(rows: [image]))
        let expected = [cat, dog].map { c in 10 * zip(c, unit).map(*).reduce(0, +) }
        #expect(abs(logits[0] - expected[0]) < 1e-12 && abs(logits[1] - expected[1]) < 1e-12)
        let result = try classifier.classify(FeatureRows(rows: [image, [0, 2], [5, 0]]))
        let p0 = exp(expected[0]) / (exp(expected[0]) + exp(expected[1]))
        #expect(abs(result.row(0)[0] - p0) < 1e-12)
        #expect(result.labels == [0, 1, 0])
        for i in 0..<3 { #expect(abs(result.row(i).reduce(0, +) - 1) < 1e-12) }
    }

    @Test func probabilitiesSumToOneEvenForHugeLogits() throws {
        let r = try Classification(logits: [1000, 999, -1000, 0, 0, 0], classNames: ["a", "b", "c"])
        #expect(r.labels == [0, 0])
        for i in 0..<2 { #expect(abs(r.row(i).reduce(0, +) - 1) < 1e-12) }
        #expect(abs(r.row(1)[2] - 1.0 / 3) < 1e-12)
        #expect(r.top(2, of: 0).map(\.name) == ["a", "b"])
    }

    @Test func resultsGoIntoTheFrameAndTheTable() throws {
        let r = try Classification(logits: [2, 0, 0, 3], classNames: ["cat", "dog"])
        var frame = Frame()
        try r.store(in: &frame)
        #expect(try frame.tensor("scores").shape == [2, 2] && frame.tensor("scores").dtype == .f32)
        #expect(try frame.tensor("labels").int32s() == [0, 1])
        #expect(try frame.metadataList("labels") == ["cat", "dog"])
        let text = ClassificationTable.render(r, names: ["x.png", "long.png"], top: 1)
        let p = 100 * exp(2.0) / (exp(2.0) + 1)
        #expect(
            text
                == "x.png      cat \(String(format: "%.2f", p))%\nlong.png   dog \(String(format: "%.2f", 100 * exp(3.0) / (exp(3.0) + 1)))%\n"
        )
    }

    @Test func frameSlicingRefusesMismatchedBatches() throws {
        var frame = Frame()
        frame["a"] = try .float32(shape: [2, 1], [1, 2])
        frame.setMetadataList(["p"], for: "prompt")
        #expect(throws: CLIPError.self) { try frame.selectingItems([1], batch: 2) }
        frame.metadata["prompt"] = nil
        #expect(try frame.selectingItems([1, 1, 0], batch: 2)["a"]?.floats() == [2, 2, 1])
        #expect(throws: CLIPError.self) { try frame.selectingItems([2], batch: 2) }
    }
}
