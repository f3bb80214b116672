import Foundation
import NN
import Testing

@testable import UNet

/// Karlo-layout checkpoints (made by `make_fixture.py` and checked there against diffusers' own converter) load
/// through `KarloKeyMap` and give the same outputs as the diffusers-layout fixtures.
@Suite struct KarloKeyMapTests {
    func karloFile(_ name: String) -> String { UNetFixture.root.appendingPathComponent(name).path }

    @Test func decoderLoadsFromKarloKeys() throws {
        let fixture = try UNetFixture("decoder_a")
        let config = try UNetConfig(contentsOf: fixture.directory + "/config.json")
        let model = try UNetModel(config: config)
        try model.load(contentsOf: karloFile("karlo_decoder_a.safetensors"), keyMap: KarloKeyMap.unet(config: config))
        let out = try model.predict(
            sample: try fixture.tensor("sample"), timesteps: try fixture.tensor("timestep").scalars,
            context: try fixture.tensor("encoder_hidden_states"), contextMask: try fixture.tensor("attention_mask"),
            classLabels: try fixture.tensor("class_labels"))
        #expect(UNetFixture.relativeError(out, try fixture.tensor("output")) < UNetConformanceTests.tolerance)
    }

    @Test func textProjectionLoadsFromKarloDecoderKeys() throws {
        let fixture = try UNetFixture("text_proj_a")
        let model = try UnCLIPTextProjection(
            config: try TextProjectionConfig(contentsOf: fixture.directory + "/config.json"))
        try model.load(contentsOf: karloFile("karlo_decoder_a.safetensors"), keyMap: KarloKeyMap.textProjection())
        let out = try model.predict(
            imageEmbedding: try fixture.tensor("image_embeddings"), textEmbedding: try fixture.tensor("prompt_embeds"),
            textHidden: try fixture.tensor("text_encoder_hidden_states"), classifierFreeGuidance: true)
        #expect(UNetFixture.relativeError(out.context, try fixture.tensor("encoder_hidden_states")) < 1e-5)
        #expect(
            UNetFixture.relativeError(out.timeEmbedding, try fixture.tensor("additive_clip_time_embeddings")) < 1e-5)
    }

    @Test func superResolutionLoadsFromKarloKeys() throws {
        let fixture = try UNetFixture("super_res_b")
        let config = try UNetConfig(contentsOf: fixture.directory + "/config.json")
        for (prefix, other) in [
            (KarloKeyMap.superResFirstPrefix, KarloKeyMap.superResLastPrefix),
            (KarloKeyMap.superResLastPrefix, KarloKeyMap.superResFirstPrefix),
        ] {
            let model = try UNetModel(config: config)
            try model.load(
                contentsOf: karloFile("karlo_super_res_b.safetensors"),
                keyMap: KarloKeyMap.unet(config: config, prefix: prefix, dropping: [other]))
            let out = try model.predict(
                sample: try fixture.tensor("sample"), timesteps: try fixture.tensor("timestep").scalars)
            #expect(UNetFixture.relativeError(out, try fixture.tensor("output")) < UNetConformanceTests.tolerance)
        }
    }

    @Test func karloDecoderWithoutItsMapFailsNamingKeys() throws {
        let fixture = try UNetFixture("decoder_a")
        let model = try UNetModel(config: try UNetConfig(contentsOf: fixture.directory + "/config.json"))
        #expect {
            try model.load(contentsOf: karloFile("karlo_decoder_a.safetensors"))
        } throws: { error in
            guard let e = error as? LoadingError else { return false }
            return e.problems.contains(.missing(key: "conv_in.weight", expected: [16, 3, 3, 3]))
                && e.problems.contains(where: {
                    if case .unused(let k, _) = $0 { return k == "model.input_blocks.0.0.weight" }; return false
                })
        }
    }
}
