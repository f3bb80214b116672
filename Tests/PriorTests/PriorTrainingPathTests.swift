import Foundation
import NN
import Prior
import Testing

/// The forward pass through a recording tape: gradients reach every parameter the prediction depends on and agree
/// with central finite differences.
@Suite struct PriorTrainingPathTests {
    struct Batch {
        var latents: Tensor, text: Tensor, hidden: Tensor, mask: Tensor, target: Tensor
    }

    func batch(_ c: PriorConfiguration) throws -> Batch {
        var rng = PhiloxRandom(seed: 11)
        var mask = try Tensor(repeating: 1, shape: [2, c.textLength])
        mask.withUnsafeMutableBufferPointer { p in p[2 * c.textLength - 1] = 0 }
        return Batch(
            latents: try rng.normal(shape: [2, c.embeddingDim]),
            text: try rng.normal(shape: [2, c.resolvedEmbeddingProjDim]),
            hidden: try rng.normal(shape: [2, c.textLength, c.embeddingDim]), mask: mask,
            target: try rng.normal(shape: [2, c.resolvedClipEmbedDim]))
    }

    func loss(_ model: PriorTransformer, _ b: Batch, tape: Tape) throws -> Variable {
        let prediction = try model.forward(
            .constant(b.latents), timesteps: [10, 700], textEmbedding: .constant(b.text),
            hiddenStates: .constant(b.hidden), mask: b.mask, tape: tape)
        return try tape.mseLoss(prediction, target: b.target)
    }

    @Test(arguments: [false, true])
    func gradientsMatchFiniteDifferences(optionalNorms: Bool) throws {
        let model = try randomPrior(
            { c in
                c.layers = 1
                c.headDim = 4
                c.embeddingDim = 6
                c.textLength = 3
                c.normIn = optionalNorms
                c.embeddingProjNorm = optionalNorms
            }, seed: 5)
        let b = try batch(model.configuration)
        let tape = Tape()
        try tape.backward(loss(model, b, tape: tape))
        let unused: Set<String> = ["clip_mean", "clip_std"]
        for (key, p) in model.parameters() where !unused.contains(key) {
            #expect(p.grad != nil, "no gradient reached \(key)")
        }
        let probes = [
            "positional_embedding", "prd_embedding", "time_embedding.linear_1.weight", "proj_in.weight",
            "encoder_hidden_states_proj.weight", "transformer_blocks.0.attn1.to_k.weight",
            "transformer_blocks.0.ff.net.0.proj.bias", "norm_out.weight",
        ]
        let params = model.parameterDictionary()
        for key in probes {
            guard let p = params[key], let grad = p.grad else {
                Issue.record("missing \(key)")
                continue
            }
            for index in [0, p.value.count / 2, p.value.count - 1] {
                let original = p.value[flat: index], h: Float = 1e-3
                p.withMutableValue { $0[index] = original + h }
                let up = try loss(model, b, tape: Tape(recording: false)).value[flat: 0]
                p.withMutableValue { $0[index] = original - h }
                let down = try loss(model, b, tape: Tape(recording: false)).value[flat: 0]
                p.withMutableValue { $0[index] = original }
                let numeric = (up - down) / (2 * h), analytic = grad[flat: index]
                #expect(
                    abs(numeric - analytic) <= 2e-3 + 2e-2 * abs(numeric),
                    "\(key)[\(index)]: finite difference \(numeric), gradient \(analytic)")
            }
        }
    }
}
