import Foundation
import NN
import Testing

@testable import UNet

/// `SuperResolution.sample` against the super-resolution loop of diffusers' UnCLIPPipeline with the same Philox
/// noise (`make_fixture.py`, `super_res_sampling_a`: first model `super_res_a`, a perturbed copy as the last).
@Suite struct SuperResolutionTests {
    @Test func samplingMatchesDiffusersPipelineLoop() throws {
        let directory = try UNetFixture("super_res_a").directory
        let first = try UNetModel.load(directory: directory)
        let last = try UNetModel(config: first.config)
        try last.load(contentsOf: UNetFixture.root.appendingPathComponent("super_res_sampling_a_last.safetensors").path)
        let reference = try WeightFile(
            contentsOf: UNetFixture.root.appendingPathComponent("super_res_sampling_a.safetensors").path)
        let upsampler = try SuperResolution(first: first, last: last)
        let out = try upsampler.sample(lowResolution: try reference.tensor("low_resolution"), steps: 3, seed: 11)
        #expect(out.noise.scalars == (try reference.tensor("noise")).scalars)
        let exact = try reference.tensor("image_f64")
        let ours = UNetFixture.relativeError(out.image, exact)
        let torch = UNetFixture.relativeError(try reference.tensor("image"), exact)
        print("super_res_sampling_a vs float64: ours \(ours), PyTorch float32 \(torch)")
        #expect(ours < 1e-4)
        // Without the last-step model the result differs: the switch is real.
        let single = try SuperResolution(first: first).sample(
            lowResolution: try reference.tensor("low_resolution"), steps: 3, seed: 11)
        #expect(UNetFixture.relativeError(single.image, exact) > 1e-3)
    }

    @Test func rejectsAConditionalUNet() throws {
        let decoder = try UNetModel.load(directory: try UNetFixture("decoder_a").directory)
        #expect(throws: UNetError.self) { try SuperResolution(first: decoder) }
    }
}

/// A chain folder holds one upsampler per input size; the stage picks it by the image's height.
@Suite struct SuperResolutionChainTests {
    @Test func chainFolderPicksTheModelByInputSize() throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("chain-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: root) }
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        let a = try UNetFixture("super_res_a").directory
        try fm.copyItem(atPath: a, toPath: root + "/16-64")
        #expect(try SuperResolution.modelDirectory(root, inputSize: 16) == root + "/16-64")
        #expect(try SuperResolution.modelDirectory(a, inputSize: 16) == a)
        #expect(try SuperResolution.modelDirectory(a, inputSize: 999) == a)
        _ = try SuperResolution.load(directory: root, inputSize: 16)
        do {
            _ = try SuperResolution.load(directory: root, inputSize: 32)
            Issue.record("a missing chain member must be an error")
        } catch let e as UNetError {
            #expect("\(e)".contains("32-pixel") && "\(e)".contains("16-64"))
        }
        #expect(throws: UNetError.self) { try SuperResolution.load(directory: root + "/none", inputSize: 16) }
        // The prediction type comes from scheduler_config.json (ε without one).
        #expect(try SuperResolution.load(directory: root, inputSize: 16).predictionType == .epsilon)
        try SuperResolution.schedulerConfigJSON(predictionType: .velocity).write(
            to: URL(fileURLWithPath: root + "/16-64/scheduler_config.json"))
        #expect(try SuperResolution.load(directory: root, inputSize: 16).predictionType == .velocity)
        try Data(#"{"prediction_type": "flow"}"#.utf8).write(
            to: URL(fileURLWithPath: root + "/16-64/scheduler_config.json"))
        #expect(throws: UNetError.self) { try SuperResolution.load(directory: root, inputSize: 16) }
    }
}
