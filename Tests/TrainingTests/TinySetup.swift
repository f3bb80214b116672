import CLIP
import Foundation
import NN
import Shapes

@testable import Training

/// A tiny CLIP and tokenizer for fast tests (one layer, width 32, 16-pixel images).
enum TinySetup {
    static let vocabulary: (tokenizer: CLIPTokenizer, merges: [(String, String)]) = {
        // The corpus is fixed, so training cannot fail here; a failure would show as a test error below.
        (try? ShapesVocabulary.train(corpus: ShapesVocabulary.corpus(scenes: 300, variants: 4), contextLength: 32))
            ?? (try! CLIPTokenizer(merges: [], contextLength: 32), [])
    }()

    static func model(seed: UInt64 = 1) throws -> CLIPModel {
        let t = vocabulary.tokenizer
        let config = try CLIPConfiguration.embedded(
            vocabularySize: t.vocabularySize, contextLength: t.contextLength, endTokenID: Int(t.endID), width: 32,
            layers: 1, heads: 2, projection: 16, imageSize: 16, patchSize: 8)
        let model = try CLIPModel(config)
        try model.initializeParameters(seed: seed)
        if let s = model.logitScale { try s.update(Tensor(repeating: config.logitScaleInit, shape: s.shape)) }
        return model
    }

    static func trainer(
        steps: Int, batch: Int = 8, lr: Float = 2e-3, ema: Float? = nil, scenes: Int? = nil, seed: UInt64 = 3
    ) throws -> CLIPTrainer {
        let options = try CLIPTrainingOptions(
            steps: steps, batchSize: batch, learningRate: lr, warmupSteps: 2, emaDecay: ema, seed: seed)
        return try CLIPTrainer(
            model: model(), tokenizer: vocabulary.tokenizer,
            data: ShapesBatchSource(imageSize: 16, sceneCount: scenes), options: options)
    }

    static func temporaryFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unclip-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }
}
