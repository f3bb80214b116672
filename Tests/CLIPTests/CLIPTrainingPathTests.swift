import Foundation
import NN
import Testing

@testable import CLIP

/// The inference model is also the training model: a recording tape reaches every parameter.
@Suite struct CLIPTrainingPathTests {
    @Test func everyParameterGetsAGradient() throws {
        let model = try CLIPModel(folder: ModelFixture("hf-c").folder)
        let fixture = try ModelFixture("hf-c")
        let ids = try fixture.tensor("input_ids").scalars.map { Int($0) }
        let tape = Tape()
        let text = try #require(model.text), image = try #require(model.image)
        let t = try text(ids, batch: 3, length: 16, tape: tape)
        let i = try image(.constant(fixture.tensor("pixel_values")), tape: tape)
        let inference = try text.encode(tokens: fixture.tensor("input_ids"))
        #expect(t.embeds.value.scalars == inference.embeds.value.scalars)
        // Any scalar of both towers; a contrastive loss needs the same paths.
        let loss = try tape.add(
            tape.mseLoss(t.embeds, target: Tensor(zeros: t.embeds.shape)),
            tape.mseLoss(i.embeds, target: Tensor(zeros: i.embeds.shape)))
        try tape.backward(loss)
        for (key, p) in model.parameters() where key != "logit_scale" {
            let g = try #require(p.grad, "no gradient for \(key)")
            // Position rows past the longest prompt and unused vocabulary rows legitimately get zeros.
            if key.contains("embedding.weight") && key.hasPrefix("text") { continue }
            #expect(g.scalars.contains { $0 != 0 }, "zero gradient for \(key)")
        }
    }
}
