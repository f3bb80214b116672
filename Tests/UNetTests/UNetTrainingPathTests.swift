import Foundation
import NN
import Testing

@testable import UNet

/// The inference model is also the training model: a recording tape gives the same output (up to rounding), reaches every
/// parameter of the decoder UNet and its text projection, and a few AdamW steps lower an ε-prediction loss.
@Suite struct UNetTrainingPathTests {
    @Test func decoderAndTextProjectionTrain() throws {
        let unet = try UNetModel.load(directory: try UNetFixture("decoder_a").directory)
        let proj = try UnCLIPTextProjection.load(directory: try UNetFixture("text_proj_a").directory)
        let f = try UNetFixture("text_proj_a")
        let sample = try UNetFixture("decoder_a").tensor("sample")  // [2, 3, 16, 16]
        var rng = PhiloxRandom(seed: 3)
        let target = try rng.normal(shape: [2, 6, 16, 16])
        let mask = try proj.contextMask(textMask: try Tensor(repeating: 1, shape: [2, 7]))
        let rows = { (t: Tensor) throws -> Tensor in try t.split(sizes: [2, 2], axis: 0)[1] }

        func loss(_ tape: Tape) throws -> (Variable, Variable) {
            let cond = try proj(
                imageEmbedding: .constant(f.tensor("image_embeddings")),
                textEmbedding: .constant(rows(f.tensor("prompt_embeds"))),
                textHidden: .constant(rows(f.tensor("text_encoder_hidden_states"))), classifierFreeGuidance: false,
                tape: tape)
            let out = try unet(
                .constant(sample), timesteps: [999, 10], context: cond.context, contextMask: mask,
                classLabels: cond.timeEmbedding, tape: tape)
            return (try tape.mseLoss(out, target: target), out)
        }

        let tape = Tape()
        let (l0, out) = try loss(tape)
        let (_, inference) = try loss(Tape(recording: false))
        // The same numbers up to rounding: inference fuses each group norm with the time modulation and activation.
        let difference = zip(out.value.scalars, inference.value.scalars).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
        #expect(difference < 1e-5)
        try tape.backward(l0)
        // Under a single guidance-free pass the null image embedding is unused, so it alone gets no gradient.
        let params = unet.parameters() + proj.parameters().filter { !$0.key.hasPrefix("learned_classifier") }
        for (key, p) in params {
            let g = try #require(p.grad, "no gradient for \(key)")
            #expect(g.scalars.contains { $0 != 0 }, "zero gradient for \(key)")
        }
        let optimizer = AdamW(parameters: params.map(\.value), learningRate: 1e-3)
        var last = l0.value.scalars[0]
        for _ in 0..<3 {
            optimizer.update()
            for (_, p) in params { p.zeroGrad() }
            let t = Tape()
            let (l, _) = try loss(t)
            try t.backward(l)
            last = l.value.scalars[0]
        }
        #expect(last < l0.value.scalars[0])
    }
}
