import Foundation
import NN
import Testing

@testable import UNet

/// The decoder and super-resolution UNets and the text projection against diffusers on random-weight models.
@Suite struct UNetConformanceTests {
    static let tolerance: Float = 1e-4

    @Test(arguments: ["decoder_a", "decoder_b", "decoder_c", "super_res_a", "super_res_b", "super_res_c"])
    func unetMatchesDiffusers(_ name: String) throws {
        let fixture = try UNetFixture(name)
        let model = try UNetModel.load(directory: fixture.directory)
        let sample = try fixture.tensor("sample")
        let timesteps = try fixture.tensor("timestep").scalars
        let context = fixture.has("encoder_hidden_states") ? try fixture.tensor("encoder_hidden_states") : nil
        let labels = fixture.has("class_labels") ? try fixture.tensor("class_labels") : nil
        if fixture.has("output_unmasked") || !fixture.has("attention_mask") {
            let key = fixture.has("output_unmasked") ? "output_unmasked" : "output"
            let out = try model.predict(sample: sample, timesteps: timesteps, context: context, classLabels: labels)
            let err = UNetFixture.relativeError(out, try fixture.tensor(key))
            print("\(name) \(key): relative error \(err)")
            #expect(err < Self.tolerance, "\(name) \(key)")
        }
        if fixture.has("attention_mask") {
            let out = try model.predict(
                sample: sample, timesteps: timesteps, context: context,
                contextMask: try fixture.tensor("attention_mask"), classLabels: labels)
            let err = UNetFixture.relativeError(out, try fixture.tensor("output"))
            print("\(name) masked: relative error \(err)")
            #expect(err < Self.tolerance, "\(name) masked")
        }
    }

    @Test(arguments: ["text_proj_a", "text_proj_b", "text_proj_c"])
    func textProjectionMatchesDiffusers(_ name: String) throws {
        let fixture = try UNetFixture(name)
        let model = try UnCLIPTextProjection.load(directory: fixture.directory)
        let out = try model.predict(
            imageEmbedding: try fixture.tensor("image_embeddings"), textEmbedding: try fixture.tensor("prompt_embeds"),
            textHidden: try fixture.tensor("text_encoder_hidden_states"),
            classifierFreeGuidance: try fixture.tensor("do_classifier_free_guidance").scalars[0] != 0)
        let e1 = UNetFixture.relativeError(out.context, try fixture.tensor("encoder_hidden_states"))
        let e2 = UNetFixture.relativeError(out.timeEmbedding, try fixture.tensor("additive_clip_time_embeddings"))
        print("\(name): context \(e1), time \(e2)")
        #expect(e1 < Self.tolerance)
        #expect(e2 < Self.tolerance)
    }
}
