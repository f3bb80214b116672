import Foundation
import NN
import Testing

@testable import UNet

/// Inpainting on the small random-weight decoder (decoder_a + text_proj_a): RePaint keeps the unmasked pixels
/// and regenerates the masked ones; a GLIDE-style decoder (in_channels 7) gets its extra channels.
@Suite struct InpaintingTests {
    static func decoder(_ unet: UNetModel? = nil) throws -> Decoder {
        let unet = try unet ?? UNetModel.load(directory: try UNetFixture("decoder_a").directory)
        let proj = try UnCLIPTextProjection.load(directory: try UNetFixture("text_proj_a").directory)
        return try Decoder(unet: unet, textProjection: proj)
    }

    /// Conditioning for 2 items without guidance, and a 16×16 test image.
    static func inputs() throws -> (embed: Tensor, text: Tensor, hidden: Tensor, image: Tensor) {
        let fixture = try UNetFixture("text_proj_a")
        let text = try fixture.tensor("prompt_embeds").split(sizes: [2, 2], axis: 0)[1]
        let hidden = try fixture.tensor("text_encoder_hidden_states").split(sizes: [2, 2], axis: 0)[1]
        let image = try Tensor(
            shape: [2, 3, 16, 16], scalars: (0..<(2 * 3 * 256)).map { Float(($0 * 37) % 200) / 100 - 1 })
        return (try fixture.tensor("image_embeddings"), text, hidden, image)
    }

    @Test func repaintKeepsTheUnmaskedRegionAndRegeneratesTheMasked() throws {
        let inpainting = Inpainting(decoder: try Self.decoder())
        #expect(inpainting.mode == .repaint)
        let (embed, text, hidden, image) = try Self.inputs()
        let mask = try InpaintingMask(x: 4, y: 2, width: 8, height: 6).tensor(batch: 2, imageHeight: 16, imageWidth: 16)
        for resample in [1, 2] {
            let out = try inpainting.sample(
                image: image, mask: mask, imageEmbedding: embed, textEmbedding: text, textHidden: hidden,
                textMask: nil, steps: 3, guidance: 1, resample: resample, seed: 3)
            #expect(out.image.shape == [2, 3, 16, 16])
            let (x, input, m) = (out.image.scalars, image.scalars, mask.scalars)
            var changed = 0
            for i in 0..<x.count {
                let pixel = (i / 768) * 256 + i % 256
                if m[pixel] == 0 {
                    #expect(x[i] == input[i], "kept pixel \(i)")
                } else if abs(x[i] - input[i]) > 1e-3 {
                    changed += 1
                }
            }
            #expect(changed > 2 * 3 * 48 / 2, "most of the masked region is regenerated")
            // Same seed, same result; the recorded x_T replays it.
            let again = try inpainting.sample(
                image: image, mask: mask, imageEmbedding: embed, textEmbedding: text, textHidden: hidden,
                textMask: nil, steps: 3, guidance: 1, resample: resample, seed: 3, noise: out.noise)
            #expect(again.image.scalars == x)
        }
    }

    @Test func glideStyleDecoderSeesTheMaskedImageAndMask() throws {
        var json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: try UNetFixture("decoder_a").directory + "/config.json")))
            as? [String: Any] ?? [:]
        json["in_channels"] = 7
        let unet = try UNetModel(config: try UNetConfig(json: try JSONSerialization.data(withJSONObject: json)))
        let decoder = try Self.decoder(unet)
        #expect(decoder.takesInpaintingChannels && decoder.imageChannels == 3)
        let inpainting = Inpainting(decoder: decoder)
        #expect(inpainting.mode == .conditioned)
        let (embed, text, hidden, image) = try Self.inputs()
        let mask = try InpaintingMask(x: 0, y: 0, width: 8, height: 16).tensor(
            batch: 2, imageHeight: 16, imageWidth: 16)
        let out = try inpainting.sample(
            image: image, mask: mask, imageEmbedding: embed, textEmbedding: text, textHidden: hidden, textMask: nil,
            steps: 2, guidance: 1, seed: 1)
        #expect(out.image.shape == [2, 3, 16, 16] && out.noise.shape == [2, 3, 16, 16])
        #expect(out.image.scalars.allSatisfy { $0.isFinite })
        // Without a mask it cannot decode.
        #expect(throws: UNetError.self) {
            try decoder.sample(
                imageEmbedding: embed, textEmbedding: text, textHidden: hidden, mask: nil, steps: 2, guidance: 1,
                seed: 1)
        }
    }

    @Test func badMasksAndImagesAreErrors() throws {
        let inpainting = Inpainting(decoder: try Self.decoder())
        let (embed, text, hidden, image) = try Self.inputs()
        func run(image: Tensor, mask: Tensor) throws {
            _ = try inpainting.sample(
                image: image, mask: mask, imageEmbedding: embed, textEmbedding: text, textHidden: hidden,
                textMask: nil, steps: 2, guidance: 1, seed: 1)
        }
        #expect(throws: UNetError.invalidInput(name: "mask", shape: [2, 1, 8, 8], expected: "[2, 1, 16, 16]")) {
            try run(image: image, mask: try Tensor(zeros: [2, 1, 8, 8]))
        }
        #expect(throws: UNetError.invalidValue(name: "mask", reason: "values must lie in [0, 1] (1 = regenerate)")) {
            try run(image: image, mask: try Tensor(repeating: 2, shape: [2, 1, 16, 16]))
        }
        #expect(throws: UNetError.self) {
            try run(image: try Tensor(zeros: [2, 3, 15, 15]), mask: try Tensor(zeros: [2, 1, 15, 15]))
        }
        #expect(throws: UNetError.self) {
            try run(image: try Tensor(zeros: [2, 4, 16, 16]), mask: try Tensor(zeros: [2, 1, 16, 16]))
        }
    }

    @Test func rectanglesParseAndMustFit() throws {
        #expect(InpaintingMask(parsing: "1,2,3,4") == InpaintingMask(x: 1, y: 2, width: 3, height: 4))
        for bad in ["", "1,2,3", "1,2,3,4,5", "a,b,c,d", "-1,0,2,2", "0,0,0,2", "0,0,2,"] {
            #expect(InpaintingMask(parsing: bad) == nil, "\(bad)")
        }
        let mask = try InpaintingMask(x: 1, y: 2, width: 2, height: 1).tensor(batch: 1, imageHeight: 4, imageWidth: 4)
        #expect(mask.scalars == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
        #expect(throws: UNetError.self) {
            try InpaintingMask(x: 3, y: 0, width: 2, height: 1).tensor(batch: 1, imageHeight: 4, imageWidth: 4)
        }
    }
}
