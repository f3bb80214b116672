import Testing

@testable import NN

@Suite struct KeyMapTests {
    func t(_ shape: [Int]) throws -> Tensor {
        try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map(Float.init))
    }

    @Test func renamesMatchWholeSegments() throws {
        let map = KeyMap([
            .renamePrefix("visual.transformer.resblocks", to: "vision_model.encoder.layers"),
            .renamePrefix("transformer.resblocks", to: "text_model.encoder.layers"),
            .rename("ln_1", to: "layer_norm1"),
            .rename("*.mlp.c_fc", to: "*.mlp.fc1"),
            .drop("position_ids"),
        ])
        let out = try map.apply([
            ("transformer.resblocks.0.ln_1.weight", try t([2])),
            ("transformer.resblocks.0.ln_10.weight", try t([2])),
            ("visual.transformer.resblocks.1.mlp.c_fc.bias", try t([2])),
            ("position_ids", try t([2])),
        ])
        #expect(
            Set(out.keys) == [
                "text_model.encoder.layers.0.layer_norm1.weight", "text_model.encoder.layers.0.ln_10.weight",
                "vision_model.encoder.layers.1.mlp.fc1.bias",
            ])
    }

    @Test func splitsFusedProjections() throws {
        let map = KeyMap([
            .split(
                "attn.in_proj_weight",
                into: ["self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"]),
            .split(
                "attn.in_proj_bias", into: ["self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"]),
        ])
        let out = try map.apply([("r.0.attn.in_proj_weight", try t([6, 2])), ("r.0.attn.in_proj_bias", try t([6]))])
        #expect(out["r.0.self_attn.k_proj.weight"]?.scalars == [4, 5, 6, 7])
        #expect(out["r.0.self_attn.v_proj.bias"]?.scalars == [4, 5])
        #expect(throws: ModelFileError.self) {
            try map.apply([("r.0.attn.in_proj_weight", try t([7, 2]))])
        }
    }

    @Test func splitsPerHeadInterleavedRows() throws {
        // Two heads of size 1: rows [q0, k0, v0, q1, k1, v1].
        let map = KeyMap([
            .splitInterleaved("c_qkv.weight", into: ["to_q.weight", "to_k.weight", "to_v.weight"], chunk: 1)
        ])
        let out = try map.apply([("attn.c_qkv.weight", try t([6, 1]))])
        #expect(out["attn.to_q.weight"]?.scalars == [0, 3])
        #expect(out["attn.to_k.weight"]?.scalars == [1, 4])
        #expect(out["attn.to_v.weight"]?.scalars == [2, 5])
    }

    @Test func transposesMatricesAndDetectsCollisions() throws {
        let map = KeyMap([.transpose("text_projection", to: "text_projection.weight")])
        let out = try map.apply([("text_projection", try t([2, 3]))])
        #expect(out["text_projection.weight"]?.shape == [3, 2])
        #expect(out["text_projection.weight"]?.scalars == [0, 3, 1, 4, 2, 5])
        #expect(throws: ModelFileError.self) {
            try KeyMap([.rename("a", to: "b")]).apply([("a.w", try t([1])), ("b.w", try t([1]))])
        }
    }
}
