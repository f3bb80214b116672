import Diffusion
import Foundation
import NN
import Testing

@testable import UNet

/// The library pieces behind the decoder-family stages: caption rows for guidance, DDIM with η, chunking,
/// model folders and the upsampler's resize.
@Suite struct DecoderStageSupportTests {
    static let pipeline = UNetFixture.root.appendingPathComponent("pipeline").path

    static func caption(_ b: Int, _ value: Float, mask: Bool = true) throws -> CaptionConditioning {
        try CaptionConditioning(
            embedding: Tensor(repeating: value, shape: [b, 16]), hidden: Tensor(repeating: value, shape: [b, 7, 16]),
            mask: mask ? Tensor(repeating: 1, shape: [b, 7]) : nil)
    }

    @Test func guidedRowsPutTheEmptyCaptionFirst() throws {
        let rows = try CaptionConditioning.decoderRows(
            conditional: Self.caption(2, 5, mask: false), unconditional: Self.caption(1, -1), batch: 2, guided: true)
        #expect(rows.embedding.shape == [4, 16] && rows.hidden.shape == [4, 7, 16] && rows.mask?.shape == [4, 7])
        #expect(rows.embedding.scalars[0] == -1 && rows.embedding.scalars[16] == -1 && rows.embedding.scalars[32] == 5)
        // No caption: the empty one on both halves (variations); no guidance: the captions alone.
        let variation = try CaptionConditioning.decoderRows(
            conditional: nil, unconditional: Self.caption(1, -1), batch: 3, guided: true)
        #expect(variation.embedding.shape == [6, 16])
        let plain = try CaptionConditioning.decoderRows(
            conditional: Self.caption(2, 5), unconditional: nil, batch: 2, guided: false)
        #expect(plain.embedding.shape == [2, 16])
        #expect(throws: UNetError.self) {
            try CaptionConditioning.decoderRows(
                conditional: Self.caption(2, 5), unconditional: nil, batch: 2, guided: true)
        }
        #expect(throws: UNetError.self) {
            try CaptionConditioning.decoderRows(
                conditional: Self.caption(3, 5), unconditional: Self.caption(1, 0), batch: 2, guided: true)
        }
        #expect(throws: UNetError.self) {
            try CaptionConditioning(
                embedding: Tensor(zeros: [2, 16]), hidden: Tensor(zeros: [2, 7, 16]), mask: Tensor(zeros: [2, 6]))
        }
    }

    @Test func decodesFromAModelFolderWithDDIMAndChunks() throws {
        let decoder = try Decoder.load(directory: Self.pipeline)
        let embed = try Tensor(shape: [3, 16], scalars: (0..<48).map { Float($0 % 7) / 3 - 1 })
        var options = DecodingOptions(steps: 3, guidance: 4, eta: 0)
        let unconditional = try Self.caption(1, 0.5)
        let a = try decoder.decode(
            imageEmbedding: embed, caption: Self.caption(3, 0.25), unconditional: unconditional, options: options,
            seed: 1)
        #expect(a.image.shape == [3, 3, 16, 16])
        // η = 0 draws no step noise: the same x_T gives the same image whatever the seed.
        let b = try decoder.decode(
            imageEmbedding: embed, caption: Self.caption(3, 0.25), unconditional: unconditional, options: options,
            seed: 99, start: a.noise)
        #expect(b.image.scalars == a.image.scalars)
        // In chunks of 2: chunk k draws from seed + k, and its x_T replays it.
        options.eta = nil
        options.batchLimit = 2
        let c = try decoder.decode(
            imageEmbedding: embed, caption: nil, unconditional: unconditional, options: options, seed: 4)
        let d = try decoder.decode(
            imageEmbedding: embed, caption: nil, unconditional: unconditional, options: options, seed: 4,
            start: c.noise)
        #expect(c.image.shape == [3, 3, 16, 16] && d.image.scalars == c.image.scalars)
        #expect(throws: UNetError.self) {
            try Decoder.load(directory: Self.pipeline + "/decoder")
        }
    }

    /// A separate image scale: text rows [empty, caption, caption], the three-block combination, and sampling
    /// that equals the single-scale sampler when both scales agree (up to rounding) and differs when they do not.
    @Test func separateImageGuidance() throws {
        let rows = try CaptionConditioning.decoderRows(
            conditional: Self.caption(2, 5), unconditional: Self.caption(1, -1), batch: 2, guided: true,
            captionTwice: true)
        #expect(rows.embedding.shape == [6, 16] && rows.mask?.shape == [6, 7])
        #expect(stride(from: 0, to: 96, by: 16).map { rows.embedding.scalars[$0] } == [-1, -1, 5, 5, 5, 5])
        // ε = u + s_t (c − u) + s_i (b − c) per element; the variance comes from the last block.
        let blocks = ModelOutput(prediction: [1, 2, 3, 5, 4, 9], varianceValues: [0, 0, 0, 0, 0.5, -0.5])
        let guided = try ClassifierFreeGuidance(scale: 2).combine(batched: blocks, imageScale: 3)
        let expected: [Float] = [8, 20]  // 1 + 2·(3 − 1) + 3·(4 − 3), 2 + 2·(5 − 2) + 3·(9 − 5)
        #expect(guided.prediction == expected)
        #expect(guided.varianceValues == [0.5, -0.5])

        let decoder = try Decoder.load(directory: Self.pipeline)
        let embed = try Tensor(shape: [2, 16], scalars: (0..<32).map { Float($0 % 5) / 2 - 1 })
        func decode(_ imageGuidance: Float?) throws -> [Float] {
            try decoder.decode(
                imageEmbedding: embed, caption: Self.caption(2, 0.25), unconditional: Self.caption(1, 0.5),
                options: DecodingOptions(steps: 3, guidance: 4, imageGuidance: imageGuidance, eta: 0), seed: 2
            ).image.scalars
        }
        let single = try decode(nil), same = try decode(4), other = try decode(1)
        let sameError = zip(single, same).map { abs($0 - $1) }.max() ?? .infinity
        let otherChange = zip(single, other).map { abs($0 - $1) }.max() ?? 0
        #expect(sameError < 1e-4)
        #expect(otherChange > 1e-3)
    }

    @Test func upsamplerClampsAndResizesItsInput() throws {
        let upsampler = try SuperResolution.load(directory: Self.pipeline)
        #expect(upsampler.last != nil)
        let low = try Tensor(shape: [1, 3, 4, 4], scalars: (0..<48).map { Float($0 % 5) - 2 })
        let clamped = try Tensor(shape: [1, 3, 4, 4], scalars: low.scalars.map { min(max($0, -1), 1) })
        let a = try upsampler.upsample(image: low, steps: 2, seed: 5)
        let b = try upsampler.upsample(image: clamped, steps: 2, seed: 5)
        #expect(a.image.shape == [1, 3, 16, 16] && a.noise.shape == [1, 3, 16, 16])
        #expect(a.image.scalars == b.image.scalars)
        let single = try SuperResolution.load(directory: try UNetFixture("super_res_a").directory)
        #expect(single.last == nil)
        #expect(throws: UNetError.self) { try upsampler.upsample(image: Tensor(zeros: [1, 4, 4, 4]), seed: 1) }
    }
}
