import Foundation
import Imaging
import NN
import Testing

@testable import CLIP

/// Reference inputs and outputs of a fixture model (see Fixtures/clip/make_model_fixture.py).
struct ModelFixture {
    static let root = Fixtures.directory.appendingPathComponent("models")
    let name: String
    var folder: String { ModelFixture.root.appendingPathComponent(name).path }
    let io: [String: Tensor]

    init(_ name: String) throws {
        self.name = name
        let file = try WeightFile(contentsOf: ModelFixture.root.appendingPathComponent("\(name)/io.safetensors").path)
        io = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0.tensor) })
    }

    func tensor(_ key: String) throws -> Tensor {
        guard let t = io[key] else { throw CLIPError.badInput("fixture \(name) has no \(key)") }
        return t
    }
}

/// max |got − expected| / max |expected| (relative to the tensor's scale).
func relativeError(_ got: Tensor, _ expected: Tensor) -> Float {
    guard got.shape == expected.shape else { return .infinity }
    let g = got.scalars, e = expected.scalars
    var diff: Float = 0, scale: Float = 1e-12
    for i in e.indices {
        diff = max(diff, abs(g[i] - e[i]))
        scale = max(scale, abs(e[i]))
    }
    return diff / scale
}

@Suite struct ModelConformanceTests {
    static let tolerance: Float = 1e-4

    /// Hugging Face layout (hf-a: quick_gelu/argmax pooling; hf-b: gelu, F16 file, first-EOT pooling;
    /// hf-c: tanh gelu, 16-token context) and open_clip's OpenAI layout through the key map (openclip-a/b/c; b is
    /// plain GELU in BF16).
    @Test(arguments: ["hf-a", "hf-b", "hf-c", "openclip-a", "openclip-b", "openclip-c", "openclip-rn"])
    func matchesReference(name: String) throws {
        let fixture = try ModelFixture(name)
        let model = try CLIPModel(folder: fixture.folder)
        let text = try #require(model.text), image = try #require(model.image)
        let t = try text.encode(tokens: fixture.tensor("input_ids"))
        let i = try image.encode(pixels: fixture.tensor("pixel_values"))
        var errors: [String: Float] = [:]
        errors["text_embeds"] = relativeError(t.embeds.value, try fixture.tensor("text_embeds"))
        errors["image_embeds"] = relativeError(i.embeds.value, try fixture.tensor("image_embeds"))
        if fixture.io["text_hidden"] != nil {
            errors["text_hidden"] = relativeError(t.hidden.value, try fixture.tensor("text_hidden"))
            errors["text_pooled"] = relativeError(t.pooled.value, try fixture.tensor("text_pooled"))
            errors["image_hidden"] = relativeError(i.hidden.value, try fixture.tensor("image_hidden"))
            errors["image_pooled"] = relativeError(i.pooled.value, try fixture.tensor("image_pooled"))
        }
        let logits = try CLIPSimilarity.logits(
            i.embeds.value, t.embeds.value, logitScale: model.logitScale?.value[flat: 0] ?? 0)
        errors["logits_per_image"] = relativeError(logits, try fixture.tensor("logits_per_image"))
        if let mask = fixture.io["attention_mask"] {
            let masked = try text.encode(tokens: fixture.tensor("input_ids"), keyPadding: mask)
            errors["text_hidden_masked"] = relativeError(masked.hidden.value, try fixture.tensor("text_hidden_masked"))
        }
        print(
            "CLIP conformance \(name): "
                + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for (key, e) in errors { #expect(e < Self.tolerance, "\(name) \(key): relative error \(e)") }
    }

    @Test func loadsOneTowerFromATwoTowerFile() throws {
        let fixture = try ModelFixture("openclip-a")
        let textOnly = try CLIPModel(folder: fixture.folder, towers: .text)
        #expect(textOnly.image == nil && textOnly.logitScale == nil)
        let t = try #require(textOnly.text).encode(tokens: fixture.tensor("input_ids"))
        #expect(relativeError(t.embeds.value, try fixture.tensor("text_embeds")) < Self.tolerance)
        let visionOnly = try CLIPModel(folder: ModelFixture("hf-c").folder, towers: .vision)
        #expect(visionOnly.text == nil && visionOnly.parameters().allSatisfy { !$0.key.hasPrefix("text") })
    }

    @Test func wrongConfigurationNamesTheKey() throws {
        let fixture = try ModelFixture("hf-a")
        var config = try CLIPConfiguration(contentsOf: fixture.folder + "/config.json")
        config.text?.layers = 3
        config.vision?.patchSize = 16
        let model = try CLIPModel(config)
        do {
            try model.load(weightsAt: fixture.folder + "/model.safetensors")
            Issue.record("loading should fail")
        } catch let e as LoadingError {
            #expect(
                e.problems.contains {
                    if case .missing("text_model.encoder.layers.2.mlp.fc1.weight", _) = $0 {
                        return true
                    } else {
                        return false
                    }
                })
            #expect(
                e.problems.contains(
                    .shapeMismatch(
                        key: "vision_model.embeddings.patch_embedding.weight", expected: [64, 3, 16, 16],
                        found: [64, 3, 8, 8])))
            #expect(e.description.contains("model.safetensors"))
        }
    }

    @Test func badInputsAreErrors() throws {
        let model = try CLIPModel(folder: ModelFixture("hf-c").folder)
        let text = try #require(model.text), image = try #require(model.image)
        // More tokens than the 16 positions, an id outside the vocabulary, a non-integer id, a wrong image size.
        #expect(throws: CLIPError.self) { try text.encode(tokens: Tensor(repeating: 1, shape: [1, 17])) }
        #expect(throws: CLIPError.self) { try text.encode(tokens: Tensor(repeating: 300, shape: [1, 4])) }
        #expect(throws: CLIPError.self) { try text.encode(tokens: Tensor(repeating: 1.5, shape: [1, 4])) }
        #expect(throws: CLIPError.self) { try image.encode(pixels: Tensor(zeros: [1, 3, 32, 32])) }
        #expect(throws: (any Error).self) {
            try CLIPConfiguration(json: Data(#"{"text_config": {"hidden_size": 8}}"#.utf8))
        }  // no hidden_act: never guessed
    }

    /// CLIP preprocessing against torchvision's (bicubic antialias resize of the float tensor, crop, normalise).
    @Test func preprocessingMatchesTorchvision() throws {
        let file = try WeightFile(contentsOf: ModelFixture.root.appendingPathComponent("preprocess.safetensors").path)
        let input = try file.tensor("image"), expected = try file.tensor("expected")
        let image = try PlanarImage(
            channels: 3, height: input.shape[1], width: input.shape[2], values: input.scalars)
        let got = try CLIPPreprocessor(size: 32).pixels([image])
        let err = relativeError(try got.reshaped(expected.shape), expected)
        print("CLIP preprocessing: relative error \(err)")
        #expect(err < 1e-4)
    }

    @Test func similarityHelpers() throws {
        let a = try Tensor(shape: [2, 2], scalars: [3, 4, 0, 0]), b = try Tensor(shape: [1, 2], scalars: [1, 0])
        #expect(try CLIPSimilarity.normalized(a).scalars == [0.6, 0.8, 0, 0])
        #expect(try CLIPSimilarity.cosine(a, b).scalars == [0.6, 0])
        let p = try CLIPSimilarity.probabilities(CLIPSimilarity.logits(b, a, logitScale: 0))
        #expect(abs(p.scalars.reduce(0, +) - 1) < 1e-6)
    }
}
