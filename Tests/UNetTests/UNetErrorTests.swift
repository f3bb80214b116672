import Foundation
import NN
import Testing

@testable import UNet

/// Bad configs, checkpoints and inputs are typed errors that name the key or tensor; nothing traps.
@Suite struct UNetErrorTests {
    func config(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let url = URL(fileURLWithPath: try UNetFixture("decoder_a").directory + "/config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&json)
        return try JSONSerialization.data(withJSONObject: json)
    }

    @Test func unsupportedOrMalformedConfigsNameTheKey() throws {
        #expect(throws: UNetError.unsupportedConfig(key: "down_block_types", value: "CrossAttnDownBlock2D")) {
            try UNetConfig(
                json: try self.config { $0["down_block_types"] = ["ResnetDownsampleBlock2D", "CrossAttnDownBlock2D"] })
        }
        #expect(
            throws: UNetError.invalidConfig(
                key: "up_block_types", reason: "expected 2 entries (one per block_out_channels)")
        ) {
            try UNetConfig(json: try self.config { $0["up_block_types"] = ["ResnetUpsampleBlock2D"] })
        }
        #expect(throws: UNetError.invalidConfig(key: "layers_per_block", reason: "expected an integer")) {
            try UNetConfig(json: try self.config { $0["layers_per_block"] = "two" })
        }
        #expect(throws: UNetError.invalidConfig(key: "norm_num_groups", reason: "5 does not divide 16 channels")) {
            try UNetConfig(json: try self.config { $0["norm_num_groups"] = 5 })
        }
        #expect(throws: UNetError.unsupportedConfig(key: "addition_embed_type", value: "text")) {
            try UNetConfig(json: try self.config { $0["addition_embed_type"] = "text" })
        }
        #expect(throws: UNetError.invalidConfig(key: "layers_per_block", reason: "[100000, 100000] outside 1...64")) {
            try UNetConfig(json: try self.config { $0["layers_per_block"] = 100000 })
        }
        #expect(throws: UNetError.invalidConfig(key: "in_channels", reason: "[0] outside 1...4096")) {
            try UNetConfig(json: try self.config { $0["in_channels"] = 0 })
        }
        #expect(throws: UNetError.self) { try UNetConfig(json: Data("[1, 2]".utf8)) }
        #expect(throws: UNetError.self) { try UNetConfig(json: Data("{".utf8)) }
    }

    @Test func wrongInputsNameTheTensor() throws {
        let fixture = try UNetFixture("decoder_a")
        let model = try UNetModel.load(directory: fixture.directory)
        let sample = try fixture.tensor("sample"), context = try fixture.tensor("encoder_hidden_states")
        let labels = try fixture.tensor("class_labels")
        let t: [Float] = [10, 20]
        #expect(
            throws: UNetError.invalidInput(
                name: "sample", shape: [2, 4, 16, 16], expected: "[B, 3, H, W] with H and W positive multiples of 2")
        ) {
            try model.predict(
                sample: try Tensor(zeros: [2, 4, 16, 16]), timesteps: t, context: context, classLabels: labels)
        }
        #expect(throws: UNetError.self) {
            try model.predict(
                sample: try Tensor(zeros: [2, 3, 15, 16]), timesteps: t, context: context, classLabels: labels)
        }
        #expect(
            throws: UNetError.missingInput(name: "encoder_hidden_states", reason: "this UNet attends to context tokens")
        ) {
            try model.predict(sample: sample, timesteps: t, classLabels: labels)
        }
        #expect(throws: UNetError.missingInput(name: "class_labels", reason: "class_embed_type is \"identity\"")) {
            try model.predict(sample: sample, timesteps: t, context: context)
        }
        #expect(throws: UNetError.invalidInput(name: "attention_mask", shape: [2, 3], expected: "[2, 11]")) {
            try model.predict(
                sample: sample, timesteps: t, context: context, contextMask: try Tensor(zeros: [2, 3]),
                classLabels: labels)
        }
        #expect(throws: UNetError.self) {
            try model.predict(sample: sample, timesteps: [1, 2, 3], context: context, classLabels: labels)
        }
        #expect(throws: UNetError.self) {
            try model.predict(sample: sample, timesteps: [.nan], context: context, classLabels: labels)
        }
    }

    @Test func mismatchedCheckpointNamesKeysAndShapes() throws {
        let model = try UNetModel.load(directory: try UNetFixture("decoder_a").directory)
        let other = try UNetFixture("decoder_b").directory + "/" + UNetModel.weightsFileName
        #expect {
            try model.load(contentsOf: other)
        } throws: { error in
            guard let e = error as? LoadingError else { return false }
            return e.problems.contains(
                .shapeMismatch(
                    key: "down_blocks.1.resnets.0.conv1.weight", expected: [32, 16, 3, 3], found: [24, 16, 3, 3]))
        }
        let truncated = FileManager.default.temporaryDirectory.appendingPathComponent(
            "unet-truncated-\(getpid()).safetensors")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: other))
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        defer { try? FileManager.default.removeItem(at: truncated) }
        #expect(throws: ModelFileError.self) { try model.load(contentsOf: truncated.path) }
    }
}
