import Foundation
import NN
import Prior
import Testing

/// diffusers' `PriorTransformer` on random weights (Tests/Fixtures/prior/make_fixture.py), four configurations.
@Suite struct PriorTransformerConformanceTests {
    static let tolerance: Float = 1e-4

    /// Runs config `name`'s fixture inputs through the Swift model loaded from `folder`.
    func check(_ name: String, folder: String? = nil) throws {
        let model = try PriorTransformer(directory: fixtureDirectory + "/" + (folder ?? name))
        let io = try fixtureTensors(name + "/io.safetensors")
        let latents = try tensor(io, "latents"), embeds = try tensor(io, "proj_embedding")
        let hidden = io["encoder_hidden_states"], mask = io["attention_mask"]
        let timesteps = try tensor(io, "timesteps").scalars
        let out = try model(latents, timesteps: timesteps, textEmbedding: embeds, hiddenStates: hidden, mask: mask)
        let expected = try tensor(io, "predicted_image_embedding")
        let errors: [(String, Float)] = [
            ("predicted_image_embedding", relativeError(out, expected)),
            ("vs float64", relativeError(out, try tensor(io, "predicted_image_embedding.f64"))),
            ("post_processed", relativeError(try model.postProcess(out), try tensor(io, "post_processed"))),
            (
                "shared timestep 250",
                relativeError(
                    try model(latents, timesteps: [250], textEmbedding: embeds, hiddenStates: hidden, mask: mask),
                    try tensor(io, "predicted_image_embedding.t250"))
            ),
            (
                "no mask",
                relativeError(
                    try model(latents, timesteps: timesteps, textEmbedding: embeds, hiddenStates: hidden, mask: nil),
                    try tensor(io, "predicted_image_embedding.unmasked"))
            ),
        ]
        print("prior config \(folder ?? name): " + errors.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        for (what, error) in errors { #expect(error < Self.tolerance, "\(name) \(what): relative error \(error)") }
    }

    @Test func twoHeadsOf16ShortContext() throws { try check("a") }
    @Test func fourHeadsOf8Full77TokenContext() throws { try check("b") }
    @Test func inputNormsGELUTimeAndOtherWidths() throws { try check("c") }
    @Test func noTextTokensNoPrdToken() throws { try check("d") }

    /// Config a's weights in Karlo's original layout (interleaved c_qkv, `model.` keys, [D] statistics).
    @Test func karloLayoutLoads() throws { try check("a", folder: "karlo") }

    @Test func karloKeyMapSplitsInterleavedHeads() throws {
        // c_qkv rows for 2 heads of 2: [q0 q0 k0 k0 v0 v0 q1 q1 k1 k1 v1 v1] → q = [q0 q0 q1 q1].
        let fused = try Tensor(shape: [12, 1], scalars: [0, 1, 10, 11, 20, 21, 2, 3, 12, 13, 22, 23])
        let mapped = try PriorTransformer.karloKeyMap(headDim: 2).apply([
            ("model.transformer.resblocks.3.attn.c_qkv.weight", fused)
        ])
        #expect(mapped["transformer_blocks.3.attn1.to_q.weight"]?.scalars == [0, 1, 2, 3])
        #expect(mapped["transformer_blocks.3.attn1.to_k.weight"]?.scalars == [10, 11, 12, 13])
        #expect(mapped["transformer_blocks.3.attn1.to_v.weight"]?.scalars == [20, 21, 22, 23])
    }
}
