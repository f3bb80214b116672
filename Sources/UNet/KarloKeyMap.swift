import NN

/// Key maps from Kakao Brain's Karlo checkpoints (guided-diffusion module names, `state_dict` prefixes `model`,
/// `model_first_steps`, `model_last_step`) to the diffusers layout that `UNetModel` and `UnCLIPTextProjection`
/// load. Follows diffusers' `scripts/convert_kakao_brain_unclip_to_diffusers.py`:
///
/// | Karlo | diffusers |
/// |---|---|
/// | `time_embed.0` / `.2` | `time_embedding.linear_1` / `linear_2` |
/// | `input_blocks.0.0` | `conv_in` |
/// | `input_blocks.n.0` / `.1` (n counts residual blocks, then the down-sampler, level by level) | `down_blocks.i.resnets.j` / `attentions.j`, `downsamplers.0` |
/// | `middle_block.0` / `.1` / `.2` | `mid_block.resnets.0` / `attentions.0` / `resnets.1` (no attention: `.1` is `resnets.1`) |
/// | `output_blocks.n.0` / `.1`, the level's last `n` also `.1` or `.2` | `up_blocks.i.resnets.j` / `attentions.j`, `upsamplers.0` |
/// | `out.0` / `out.2` | `conv_norm_out` / `conv_out` |
/// | resblock `in_layers.0`, `in_layers.2`, `emb_layers.1`, `out_layers.0`, `out_layers.3`, `skip_connection` | `norm1`, `conv1`, `time_emb_proj`, `norm2`, `conv2`, `conv_shortcut` |
/// | attention `norm`, `proj_out` (conv1d `[C, C, 1]`) | `group_norm`, `to_out.0` |
/// | attention `qkv` `[3C, C, 1]`, rows per head `[q_h, k_h, v_h]` in head-size chunks | `to_q`, `to_k`, `to_v` |
/// | attention `encoder_kv` `[2C, D, 1]`, rows per head `[k_h, v_h]` | `add_k_proj`, `add_v_proj` |
/// | decoder `text_seq_proj.0` / `.1`, `clip_tok_proj`, `text_feat_proj`, `clip_emb`, `cf_param` | text projection `encoder_hidden_states_proj` / `text_encoder_hidden_states_norm`, `clip_extra_context_tokens_proj`, `embedding_proj`, `clip_image_embeddings_project_to_time_embeddings`, `learned_classifier_free_guidance_embeddings` |
public enum KarloKeyMap {
    /// Checkpoint prefixes of the Karlo models.
    public static let decoderPrefix = "model"
    public static let superResFirstPrefix = "model_first_steps"
    public static let superResLastPrefix = "model_last_step"

    /// The decoder's text-projection parameters, Karlo name → diffusers name.
    static let textProjectionNames: [(String, String)] = [
        ("text_seq_proj.0", "encoder_hidden_states_proj"), ("text_seq_proj.1", "text_encoder_hidden_states_norm"),
        ("clip_tok_proj", "clip_extra_context_tokens_proj"), ("text_feat_proj", "embedding_proj"),
        ("clip_emb", "clip_image_embeddings_project_to_time_embeddings"),
        ("cf_param", "learned_classifier_free_guidance_embeddings"),
    ]

    /// The map for a UNet of `config` stored under `prefix` (`model` for the decoder). Keys under `dropping`
    /// prefixes (the other super-resolution model) and the decoder's text-projection keys are dropped; any other
    /// key that does not map stays as it is, so strict loading reports it.
    public static func unet(config: UNetConfig, prefix: String = decoderPrefix, dropping: [String] = []) -> KeyMap {
        let modules = moduleTable(config: config)
        var rules: [KeyMap.Rule] = dropping.map { .drop($0) }
        rules += textProjectionNames.map { .drop(prefix + "." + $0.0) }
        rules.append(
            KeyMap.Rule(name: "karlo unet") { key, tensor in
                guard key.hasPrefix(prefix + ".") else { return nil }
                let segments = key.dropFirst(prefix.count + 1).split(separator: ".").map(String.init)
                for length in [3, 2] where segments.count > length {
                    let head = segments[..<length].joined(separator: ".")
                    guard let module = modules[head] else { continue }
                    return try map(leaf: Array(segments[length...]), of: module, tensor: tensor, original: key)
                }
                return nil
            })
        return KeyMap(rules)
    }

    /// The map for the decoder checkpoint's text projection (`UnCLIPTextProjection`): its six parameters are
    /// renamed and every other key (the UNet's) is dropped.
    public static func textProjection(prefix: String = decoderPrefix) -> KeyMap {
        KeyMap([
            KeyMap.Rule(name: "karlo text projection") { key, tensor in
                for (karlo, diffusers) in textProjectionNames {
                    let k = prefix + "." + karlo
                    if key == k { return [(diffusers, tensor)] }
                    if key.hasPrefix(k + ".") { return [(diffusers + key.dropFirst(k.count), tensor)] }
                }
                return []
            }
        ])
    }

    enum ModuleKind {
        case plain, resnet, attention(headDim: Int)
    }

    /// Karlo module path (`input_blocks.4.1`) → (diffusers module path, kind), derived from the config.
    static func moduleTable(config: UNetConfig) -> [String: (String, ModuleKind)] {
        var table: [String: (String, ModuleKind)] = [
            "time_embed.0": ("time_embedding.linear_1", .plain), "time_embed.2": ("time_embedding.linear_2", .plain),
            "input_blocks.0.0": ("conv_in", .plain), "out.0": ("conv_norm_out", .plain), "out.2": ("conv_out", .plain),
        ]
        let levels = config.levels
        var n = 1
        for i in 0..<levels {
            let attends = config.downBlockTypes[i] == .simpleCrossAttention
            for j in 0..<config.layersPerBlock[i] {
                table["input_blocks.\(n).0"] = ("down_blocks.\(i).resnets.\(j)", .resnet)
                if attends {
                    table["input_blocks.\(n).1"] = (
                        "down_blocks.\(i).attentions.\(j)", .attention(headDim: config.attentionHeadDim[i])
                    )
                }
                n += 1
            }
            if i < levels - 1 {
                table["input_blocks.\(n).0"] = ("down_blocks.\(i).downsamplers.0", .resnet)
                n += 1
            }
        }
        switch config.midBlockType {
        case .simpleCrossAttention?:
            table["middle_block.0"] = ("mid_block.resnets.0", .resnet)
            table["middle_block.1"] = (
                "mid_block.attentions.0", .attention(headDim: config.attentionHeadDim[levels - 1])
            )
            table["middle_block.2"] = ("mid_block.resnets.1", .resnet)
        case .resnet?:
            table["middle_block.0"] = ("mid_block.resnets.0", .resnet)
            table["middle_block.1"] = ("mid_block.resnets.1", .resnet)
        case nil:
            break
        }
        n = 0
        let reversedLayers = Array(config.layersPerBlock.reversed())
        for i in 0..<levels {
            let attends = config.upBlockTypes[i] == .simpleCrossAttention
            let count = reversedLayers[i] + 1
            for j in 0..<count {
                table["output_blocks.\(n).0"] = ("up_blocks.\(i).resnets.\(j)", .resnet)
                if attends {
                    table["output_blocks.\(n).1"] = (
                        "up_blocks.\(i).attentions.\(j)", .attention(headDim: config.attentionHeadDim[i])
                    )
                }
                if j == count - 1, i < levels - 1 {
                    table["output_blocks.\(n).\(attends ? 2 : 1)"] = ("up_blocks.\(i).upsamplers.0", .resnet)
                }
                n += 1
            }
        }
        return table
    }

    static let resnetLeaves: [String: String] = [
        "in_layers.0": "norm1", "in_layers.2": "conv1", "emb_layers.1": "time_emb_proj", "out_layers.0": "norm2",
        "out_layers.3": "conv2", "skip_connection": "conv_shortcut",
    ]

    /// Maps `leaf` (the key's segments after the module path) of a module; nil leaves the key unmapped.
    static func map(leaf: [String], of module: (String, ModuleKind), tensor: Tensor, original: String) throws
        -> [(String, Tensor)]?
    {
        let (target, kind) = module
        guard let last = leaf.last else { return nil }
        switch kind {
        case .plain:
            return [(target + "." + leaf.joined(separator: "."), tensor)]
        case .resnet:
            let head = leaf.dropLast().joined(separator: ".")
            guard let name = resnetLeaves[head] else { return nil }
            return [("\(target).\(name).\(last)", tensor)]
        case .attention(let headDim):
            guard leaf.count == 2 else { return nil }
            let t = try squeezed(tensor, key: original)
            switch leaf[0] {
            case "norm": return [("\(target).group_norm.\(last)", tensor)]
            case "proj_out": return [("\(target).to_out.0.\(last)", t)]
            case "qkv":
                return try interleaved(
                    t, into: ["to_q", "to_k", "to_v"], chunk: headDim, target: target, last: last, key: original)
            case "encoder_kv":
                return try interleaved(
                    t, into: ["add_k_proj", "add_v_proj"], chunk: headDim, target: target, last: last, key: original)
            default: return nil
            }
        }
    }

    /// A conv1d weight `[O, I, 1]` as a Linear weight `[O, I]`; other tensors unchanged.
    static func squeezed(_ t: Tensor, key: String) throws -> Tensor {
        guard t.rank == 3 else { return t }
        guard t.shape[2] == 1 else {
            throw ModelFileError.badTensor(key: key, shape: t.shape, reason: "expected a 1-wide conv1d kernel")
        }
        return try t.reshaped([t.shape[0], t.shape[1]])
    }

    /// Splits rows that cycle through `names` in `chunk`-row blocks (per-head interleaving).
    static func interleaved(
        _ t: Tensor, into names: [String], chunk: Int, target: String, last: String, key: String
    ) throws -> [(String, Tensor)] {
        let parts = names.map { "\(target).\($0).\(last)" }
        let rule = KeyMap.Rule.splitInterleaved("x", into: parts, chunk: chunk)
        guard let out = try rule.rewrite("x", t), out.count == names.count else {
            throw ModelFileError.badTensor(
                key: key, shape: t.shape, reason: "cannot split into \(names.joined(separator: "/"))")
        }
        return out
    }
}
