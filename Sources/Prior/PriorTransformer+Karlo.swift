import NN

extension PriorTransformer {
    /// Karlo's original prior keys → diffusers' keys, the one place this rename lives.
    ///
    /// | Karlo (`model.` prefix)                          | diffusers                                        |
    /// |--------------------------------------------------|--------------------------------------------------|
    /// | `time_embed.0`, `time_embed.2`                   | `time_embedding.linear_1`, `time_embedding.linear_2` |
    /// | `clip_img_proj`                                  | `proj_in`                                        |
    /// | `text_emb_proj`                                  | `embedding_proj`                                 |
    /// | `text_enc_proj`                                  | `encoder_hidden_states_proj`                     |
    /// | `positional_embedding`                           | `positional_embedding`                           |
    /// | `prd_emb`                                        | `prd_embedding`                                  |
    /// | `transformer.resblocks.i.attn.c_qkv` [3C, C]     | `transformer_blocks.i.attn1.to_q`/`to_k`/`to_v`   |
    /// | `transformer.resblocks.i.attn.c_proj`            | `transformer_blocks.i.attn1.to_out.0`            |
    /// | `transformer.resblocks.i.mlp.c_fc`, `mlp.c_proj` | `transformer_blocks.i.ff.net.0.proj`, `ff.net.2` |
    /// | `transformer.resblocks.i.ln_1`, `ln_2`           | `transformer_blocks.i.norm1`, `norm3`            |
    /// | `final_ln`                                       | `norm_out`                                       |
    /// | `out_proj`                                       | `proj_to_clip_embeddings`                        |
    /// | `clip_mean`, `clip_std` [D] (no prefix)          | `clip_mean`, `clip_std` [1, D]                   |
    ///
    /// `c_qkv` rows are interleaved per head: head h owns rows [3h·d, 3(h+1)·d) as [q_h; k_h; v_h], d = head dim
    /// (Karlo's attention views the fused output as [heads, 3d] and splits the last axis). Karlo keeps the CLIP
    /// statistics in a separate file (`ViT-L-14_stats.th`); store them in the checkpoint under `clip_mean` and
    /// `clip_std`, as [D] or [1, D].
    // Follows diffusers' scripts/convert_kakao_brain_unclip_to_diffusers.py (prior part).
    public static func karloKeyMap(headDim: Int) -> KeyMap {
        let prefixRenames: [(String, String)] = [
            ("model.time_embed.0", "time_embedding.linear_1"), ("model.time_embed.2", "time_embedding.linear_2"),
            ("model.clip_img_proj", "proj_in"), ("model.text_emb_proj", "embedding_proj"),
            ("model.text_enc_proj", "encoder_hidden_states_proj"),
            ("model.positional_embedding", "positional_embedding"), ("model.prd_emb", "prd_embedding"),
            ("model.final_ln", "norm_out"), ("model.out_proj", "proj_to_clip_embeddings"),
            ("model.transformer.resblocks", "transformer_blocks"),
        ]
        let blockRenames: [(String, String)] = [
            ("attn.c_proj", "attn1.to_out.0"), ("mlp.c_fc", "ff.net.0.proj"), ("mlp.c_proj", "ff.net.2"),
            ("ln_1", "norm1"), ("ln_2", "norm3"),
        ]
        var rules: [KeyMap.Rule] = [
            .splitInterleaved("attn.c_qkv", into: ["attn1.to_q", "attn1.to_k", "attn1.to_v"], chunk: headDim)
        ]
        rules += blockRenames.map { KeyMap.Rule.rename($0.0, to: $0.1) }
        rules += prefixRenames.map { KeyMap.Rule.renamePrefix($0.0, to: $0.1) }
        rules += ["clip_mean", "clip_std"].map { name in
            KeyMap.Rule.reshape(name) { shape in shape.count == 1 ? [1] + shape : shape }
        }
        return KeyMap(rules)
    }
}
