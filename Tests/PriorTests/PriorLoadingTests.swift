import Foundation
import NN
import Prior
import Testing

/// Model folders, strict loading and input validation: every failure is a typed error naming what is wrong.
@Suite struct PriorLoadingTests {
    func temporaryCopy(of name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "prior-test-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: fixtureDirectory + "/" + name, toPath: dir)
        return dir
    }

    @Test func configurationDefaultsAreKarlos() throws {
        let c = try PriorConfiguration(json: [:])
        #expect(c == PriorConfiguration())
        #expect(c.innerDim == 2048 && c.layers == 20 && c.positionCount == 81 && c.embeddingDim == 768)
        #expect(try PriorConfiguration(json: c.json) == c)
    }

    @Test func badConfigValuesNameTheKey() throws {
        for (key, value) in [
            ("num_attention_heads", 0 as Any), ("attention_head_dim", "64"), ("norm_in_type", "batch"),
            ("time_embed_act_fn", "tanh"), ("num_layers", 2.5),
        ] {
            #expect {
                try PriorConfiguration(json: [key: value])
            } throws: { error in
                guard case PriorError.badConfig(_, let k, _) = error else { return false }
                return k == key
            }
        }
    }

    @Test func missingAndMisshapenKeysAreNamed() throws {
        let model = try PriorTransformer(PriorConfiguration(contentsOf: fixtureDirectory + "/a/config.json"))
        var tensors = try WeightFile(contentsOf: fixtureDirectory + "/a/diffusion_pytorch_model.safetensors").tensors
        tensors.removeAll { $0.name == "norm_out.bias" }
        if let i = tensors.firstIndex(where: { $0.name == "proj_in.weight" }) {
            tensors[i].tensor = try Tensor(zeros: [3, 3])
        }
        tensors.append(("extra.weight", try Tensor(zeros: [1])))
        #expect {
            try model.load(tensors)
        } throws: { error in
            let text = "\(error)"
            return text.contains("norm_out.bias") && text.contains("proj_in.weight") && text.contains("extra.weight")
        }
    }

    @Test func folderProblemsAreTypedErrors() throws {
        #expect(throws: PriorError.self) { try PriorTransformer(directory: "/nonexistent/prior") }
        let dir = try temporaryCopy(of: "a")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("{\"num_layers\": -1}".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        #expect(throws: PriorError.self) { try PriorTransformer(directory: dir) }
        try Data("not json".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        #expect(throws: PriorError.self) { try PriorTransformer(directory: dir) }
        try FileManager.default.copyItem(
            atPath: fixtureDirectory + "/a/config.json", toPath: dir + "/config2.json")
        try FileManager.default.removeItem(atPath: dir + "/config.json")
        try FileManager.default.moveItem(atPath: dir + "/config2.json", toPath: dir + "/config.json")
        // A truncated weight file.
        let weights = dir + "/diffusion_pytorch_model.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: weights))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: weights))
        #expect(throws: PriorError.self) { try PriorTransformer(directory: dir) }
    }

    @Test func wrongInputShapesAreNamed() throws {
        let model = try randomPrior()
        let x = try Tensor(zeros: [2, 12]), e = try Tensor(zeros: [2, 12]), h = try Tensor(zeros: [2, 5, 12])
        let m = try Tensor(repeating: 1, shape: [2, 5])
        #expect(try model(x, timesteps: [3], textEmbedding: e, hiddenStates: h, mask: m).shape == [2, 12])
        let cases: [(String, () throws -> Tensor)] = [
            (
                "latents",
                { try model(Tensor(zeros: [2, 11]), timesteps: [3], textEmbedding: e, hiddenStates: h, mask: m) }
            ),
            (
                "text.embed",
                { try model(x, timesteps: [3], textEmbedding: Tensor(zeros: [3, 12]), hiddenStates: h, mask: m) }
            ),
            ("text.hidden", { try model(x, timesteps: [3], textEmbedding: e, hiddenStates: nil, mask: nil) }),
            (
                "text.mask",
                { try model(x, timesteps: [3], textEmbedding: e, hiddenStates: h, mask: Tensor(zeros: [2, 4])) }
            ),
            ("timesteps", { try model(x, timesteps: [1, 2, 3], textEmbedding: e, hiddenStates: h, mask: m) }),
            (
                "positional_embedding",
                { try model(x, timesteps: [3], textEmbedding: e, hiddenStates: Tensor(zeros: [2, 7, 12]), mask: nil) }
            ),
        ]
        for (name, body) in cases {
            #expect {
                _ = try body()
            } throws: { error in
                guard case PriorError.badInput(let n, _, _) = error else { return false }
                return n == name
            }
        }
    }
}
