import CLIP
import Foundation
import NN
import Prior
import Shapes
import Testing

@testable import Training

/// The prior evaluation's arithmetic on hand-made cases, and the data set the priors train on.
@Suite struct PriorEvaluationTests {
    @Test func meanCosineOfHandMadeRows() throws {
        let predicted = try Tensor(shape: [3, 2], scalars: [1, 0, 0, 2, 3, 4])
        let truth = try Tensor(shape: [3, 2], scalars: [2, 0, 1, 1, -3, -4])
        // cos = 1, 1/√2, −1.
        let expected = (1 + 1 / 2.0.squareRoot() - 1) / 3
        #expect(abs(try PriorEvaluation.meanCosine(predicted, truth) - expected) < 1e-9)
        // The text-embedding and mean-embedding baselines are the same computation with other rows.
        let mean = try Tensor(shape: [3, 2], scalars: [1, 1, 1, 1, 1, 1])
        let expectedMean = (1 / 2.0.squareRoot() + 1 - 7 / (5 * 2.0.squareRoot())) / 3
        #expect(abs(try PriorEvaluation.meanCosine(mean, truth) - expectedMean) < 1e-9)
        // A zero row counts as cosine 0, not NaN.
        let zero = try Tensor(shape: [1, 2], scalars: [0, 0])
        #expect(try PriorEvaluation.meanCosine(zero, Tensor(shape: [1, 2], scalars: [1, 0])) == 0)
        #expect(throws: TrainingError.self) { try PriorEvaluation.meanCosine(predicted, zero) }
    }

    @Test func zeroShotAccuracySkipsUnlabelledItems() throws {
        // Classes: x axis, y axis. Items: (2, 1) → 0, (0.1, 3) → 1, (−1, 0.5) → 1, (5, 5.1) → 1.
        let classes = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        let embeddings = try Tensor(shape: [4, 2], scalars: [2, 1, 0.1, 3, -1, 0.5, 5, 5.1])
        #expect(try PriorEvaluation.accuracy(embeddings, classes: classes, truth: [0, 1, 0, nil]) == 2.0 / 3)
        #expect(try PriorEvaluation.accuracy(embeddings, classes: classes, truth: [nil, nil, nil, nil]) == 0)
        #expect(throws: TrainingError.self) {
            try PriorEvaluation.accuracy(embeddings, classes: classes, truth: [0])
        }
    }

    @Test func dataSetItemsAreDeterministicAndMixObjectCounts() throws {
        let set = try PriorDataSet(split: .test, count: 40, seed: 3)
        #expect(set.item(5) == set.item(5))
        #expect((0..<40).filter { $0 % 2 == 0 }.allSatisfy { set.item($0).scene.objects.count == 1 })
        #expect((0..<40).contains { set.item($0).scene.objects.count > 1 })
        #expect(Set((0..<40).map { set.item($0).scene.seed }).count == 40)
        let held = try PriorDataSet(split: .heldout, count: 10, seed: 3)
        #expect((0..<10).allSatisfy { Split.isHeldOut(held.item($0).scene.objects[0].combination) })
        #expect(throws: TrainingError.self) { try PriorDataSet(split: .train, count: 0) }
    }

    @Test func encodedFramesCarryThePipelineTensors() throws {
        let model = try TinySetup.model()
        var set = try PriorDataSet(split: .train, count: 5, seed: 1)
        set.chunk = 3
        let frames = try set.encode(model: model, tokenizer: TinySetup.vocabulary.tokenizer)
        #expect(frames.count == 2)
        #expect(frames[0]["text.embed"]?.shape == [3, 16])
        #expect(frames[0]["text.hidden"]?.shape == [3, 32, 32])
        #expect(frames[0]["text.mask"]?.shape == [3, 32])
        #expect(frames[1]["image.embed"]?.shape == [2, 16])
        #expect(frames[1]["text.tokens"]?.shape == [2, 32])
        // The image embedding is the CLIP's embedding of the render, as unclip-image computes it.
        let pixels = try ShapesBatchSource.pixels([set.item(3).scene], size: 16)
        let direct = try #require(model.image).encode(pixels: pixels).embeds.value.scalars
        let stored = try Tensor(#require(frames[1]["image.embed"])).scalars
        #expect(zip(direct, stored.prefix(16)).allSatisfy { abs($0 - $1) < 1e-5 })
        // The tiny CLIP's hidden width (32) differs from its embedding width (16): the prior's data accepts it,
        // the prior itself (which needs them equal) is refused by the run, not here.
        let data = try PriorTrainingData(frames: frames)
        #expect(data.count == 5 && data.hiddenWidth == 32 && data.imageWidth == 16)
    }
}
