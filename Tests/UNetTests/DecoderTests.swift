import Foundation
import NN
import Testing

@testable import UNet

/// The decoder sampling loop on the small random-weight decoder (decoder_a + text_proj_a share their widths).
@Suite struct DecoderTests {
    func decoder() throws -> Decoder {
        let unet = try UNetModel.load(directory: try UNetFixture("decoder_a").directory)
        let proj = try UnCLIPTextProjection.load(directory: try UNetFixture("text_proj_a").directory)
        return try Decoder(unet: unet, textProjection: proj)
    }

    @Test func guidedSamplingIsSeededAndReplayable() throws {
        let decoder = try decoder()
        let fixture = try UNetFixture("text_proj_a")
        let image = try fixture.tensor("image_embeddings")  // [2, 16]
        let text = try fixture.tensor("prompt_embeds")  // [4, 16]
        let hidden = try fixture.tensor("text_encoder_hidden_states")  // [4, 7, 16]
        var mask = try Tensor(repeating: 1, shape: [4, 7])
        mask[flat: 6] = 0
        var steps: [Int] = []
        let a = try decoder.sample(
            imageEmbedding: image, textEmbedding: text, textHidden: hidden, mask: mask, size: 16, steps: 3,
            guidance: 8, seed: 7, progress: { i, _ in steps.append(i) })
        #expect(steps == [0, 1, 2])
        #expect(a.image.shape == [2, 3, 16, 16])
        #expect(a.image.scalars.allSatisfy { $0.isFinite })
        let b = try decoder.sample(
            imageEmbedding: image, textEmbedding: text, textHidden: hidden, mask: mask, size: 16, steps: 3,
            guidance: 8, seed: 7, noise: a.noise)
        #expect(b.image.scalars == a.image.scalars)
        let c = try decoder.sample(
            imageEmbedding: image, textEmbedding: text, textHidden: hidden, mask: mask, size: 16, steps: 3,
            guidance: 8, seed: 8)
        #expect(c.image.scalars != a.image.scalars)
    }

    @Test func unguidedSamplingTakesOneRowPerImage() throws {
        let decoder = try decoder()
        let fixture = try UNetFixture("text_proj_a")
        let rows = try fixture.tensor("prompt_embeds").split(sizes: [2, 2], axis: 0)[1]
        let hidden = try fixture.tensor("text_encoder_hidden_states").split(sizes: [2, 2], axis: 0)[1]
        let out = try decoder.sample(
            imageEmbedding: try fixture.tensor("image_embeddings"), textEmbedding: rows, textHidden: hidden, mask: nil,
            size: 8, steps: 2, guidance: 1, seed: 1)
        #expect(out.image.shape == [2, 3, 8, 8])
        #expect(throws: UNetError.self) {
            try decoder.sample(
                imageEmbedding: try fixture.tensor("image_embeddings"), textEmbedding: rows, textHidden: hidden,
                mask: nil, size: 8, steps: 2, guidance: 8, seed: 1)
        }
    }
}

/// `Decoder.sample` against the decoder loop of diffusers' UnCLIPPipeline run with the same Philox noise
/// (`make_fixture.py`, `decoder_sampling_a`): guidance 8, 4 steps, a masked caption and the empty caption.
@Suite struct DecoderConformanceTests {
    @Test func samplingMatchesDiffusersPipelineLoop() throws {
        let unet = try UNetModel.load(directory: try UNetFixture("decoder_a").directory)
        let proj = try UnCLIPTextProjection.load(directory: try UNetFixture("text_proj_a").directory)
        let decoder = try Decoder(unet: unet, textProjection: proj)
        let inputs = try UNetFixture("text_proj_a")
        let reference = try WeightFile(
            contentsOf: UNetFixture.root.appendingPathComponent("decoder_sampling_a.safetensors").path)
        let out = try decoder.sample(
            imageEmbedding: try inputs.tensor("image_embeddings"), textEmbedding: try inputs.tensor("prompt_embeds"),
            textHidden: try inputs.tensor("text_encoder_hidden_states"), mask: try reference.tensor("text_mask"),
            steps: 4, guidance: 8, seed: 7)
        #expect(out.noise.scalars == (try reference.tensor("noise")).scalars)
        // The first step divides ε by √ᾱ₉₉₉ ≈ 1e-4, so PyTorch's float32 scheduler alone moves the image by ~3e-3;
        // the Diffusion samplers compute their coefficients in double, so ours is held to the float64 run.
        let exact = try reference.tensor("image_f64")
        let ours = UNetFixture.relativeError(out.image, exact)
        let torch = UNetFixture.relativeError(try reference.tensor("image"), exact)
        print("decoder_sampling_a vs float64: ours \(ours), PyTorch float32 \(torch)")
        #expect(ours < 1e-4)
        #expect(ours <= torch)
    }
}
