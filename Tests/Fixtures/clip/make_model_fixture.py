"""Random-weight CLIP conformance fixtures for the Swift CLIP encoders.

Run with the reference environment (torch, transformers, open_clip, safetensors):
    $HOME/.unclip-refenv/bin/python Tests/Fixtures/clip/make_model_fixture.py

For each small configuration it writes Tests/Fixtures/clip/models/<name>/:
  config.json        Hugging Face CLIPModel form (text_config, vision_config, projection_dim)
  model.safetensors  weights: Hugging Face keys (hf-*), or OpenAI/open_clip keys (openclip-*)
  io.safetensors     inputs (input_ids, pixel_values) and reference outputs:
                     text_embeds [B,E], text_pooled [B,W], text_hidden [B,T,W] (last_hidden_state),
                     image_embeds [B,E], image_pooled [B,Wv], image_hidden [B,N+1,Wv], logits_per_image [Bi,Bt],
                     and for hf-a text_hidden_masked (with attention_mask = ids != pad). openclip-* fixtures hold the embeddings and
                     logits only; openclip-rn has a ModifiedResNet image tower (`resnet_layers` in its config).
Every parameter (layer norms included) is random, so swapped or transposed tensors cannot go unnoticed.
Also writes preprocess.safetensors: a random 29x37 RGB image and torchvision's CLIP preprocessing of it at 32 px
(bicubic antialias resize of the short side on the float tensor, centre crop, CLIP mean/std).
"""

import json
import os

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if name.endswith("logit_scale"):
                p.fill_(2.3)
            elif "norm" in name or ".ln_" in name or name.startswith("ln_") or "layrnorm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * noise)
            elif "embedding" in name or name.endswith("class_embedding"):
                p.copy_(0.5 * noise)
            else:
                fan_in = p.shape[-1] if p.dim() >= 2 else 16
                if p.dim() == 4:
                    fan_in = p.shape[1] * p.shape[2] * p.shape[3]
                if name.endswith("text_projection") or name.endswith("visual.proj"):
                    fan_in = p.shape[0]  # OpenAI layout: x @ P
                p.copy_(noise / fan_in**0.5 * (0.3 if p.dim() == 1 else 1.0))


def token_batch(g, batch, context, vocab, eos, sot, pad, forbid_eos_inside=True, high_ids=False):
    ids = torch.full((batch, context), pad, dtype=torch.long)
    for b in range(batch):
        n = [3, context - 2, 7, 1][b % 4]
        hi = vocab if high_ids else eos
        body = torch.randint(1, hi, (n,), generator=g)
        body[body == eos] = 1
        body[body == sot] = 1
        ids[b, 0] = sot
        ids[b, 1 : n + 1] = body
        ids[b, n + 1] = eos
    return ids


def hf_model(name, text, vision, projection, seed, dtype, eos_rule, pad_with_eos, masked=False, high_ids=False):
    from transformers import CLIPConfig, CLIPModel

    cfg = CLIPConfig(text_config=text, vision_config=vision, projection_dim=projection)
    model = CLIPModel(cfg).eval()
    randomize(model, seed)
    state = {k: v.contiguous() for k, v in model.state_dict().items() if not k.endswith("position_ids")}
    if dtype == torch.float16:
        # Store half precision, compute with the rounded weights so Swift's widened weights are identical.
        state = {k: v.half() for k, v in state.items()}
        model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
    g = torch.Generator().manual_seed(seed + 1)
    vocab, context = text["vocab_size"], text["max_position_embeddings"]
    eos = text["eos_token_id"] if eos_rule == "first_eos" else vocab - 1
    sot = vocab - 2 if eos_rule == "argmax" else eos - 1
    pad = eos if pad_with_eos else 0
    ids = token_batch(g, 3, context, vocab, eos, sot, pad, high_ids=high_ids)
    pixels = torch.randn((2, 3, vision["image_size"], vision["image_size"]), generator=g)
    with torch.no_grad():
        t = model.text_model(input_ids=ids)
        v = model.vision_model(pixel_values=pixels)
        text_embeds = model.text_projection(t.pooler_output)
        image_embeds = model.visual_projection(v.pooler_output)
        out = model(input_ids=ids, pixel_values=pixels)
        io = {
            "input_ids": ids.to(torch.int32),
            "pixel_values": pixels,
            "text_embeds": text_embeds,
            "text_pooled": t.pooler_output,
            "text_hidden": t.last_hidden_state,
            "image_embeds": image_embeds,
            "image_pooled": v.pooler_output,
            "image_hidden": v.last_hidden_state,
            "logits_per_image": out.logits_per_image,
        }
        if masked:
            mask = (ids != pad).long()
            mask[:, 0] = 1
            for b in range(ids.shape[0]):  # keep the first EOT visible
                mask[b, (ids[b] == eos).nonzero()[0, 0]] = 1
            io["attention_mask"] = mask.to(torch.int32)
            io["text_hidden_masked"] = model.text_model(input_ids=ids, attention_mask=mask).last_hidden_state
    write(name, cfg.to_dict(), state, io)


def openclip_model(name, seed, width=64, heads=4, layers=2, vwidth=64, vlayers=2, head_width=16, patch=8, size=32,
                   embed=32, quick_gelu=True, dtype=torch.float32):
    from open_clip.model import CLIP

    vocab = 1000
    model = CLIP(
        embed_dim=embed,
        vision_cfg=dict(layers=vlayers, width=vwidth, head_width=head_width, patch_size=patch, image_size=size),
        text_cfg=dict(context_length=77, vocab_size=vocab, width=width, heads=heads, layers=layers),
        quick_gelu=quick_gelu,
    ).eval()
    randomize(model, seed)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if dtype == torch.bfloat16:
        state = {k: v.bfloat16() for k, v in state.items()}
        model.load_state_dict({k: v.float() for k, v in state.items()})
    g = torch.Generator().manual_seed(seed + 1)
    ids = token_batch(g, 3, 77, vocab, vocab - 1, vocab - 2, 0)
    pixels = torch.randn((2, 3, size, size), generator=g)
    with torch.no_grad():
        text_embeds = model.encode_text(ids)
        image_embeds = model.encode_image(pixels)
        tn = text_embeds / text_embeds.norm(dim=-1, keepdim=True)
        im = image_embeds / image_embeds.norm(dim=-1, keepdim=True)
        io = {
            "input_ids": ids.to(torch.int32),
            "pixel_values": pixels,
            "text_embeds": text_embeds,
            "image_embeds": image_embeds,
            "logits_per_image": model.logit_scale.exp() * im @ tn.t(),
        }
    config = {
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "projection_dim": embed,
        "logit_scale_init_value": 2.6592,
        "text_config": {
            "hidden_size": width,
            "intermediate_size": 4 * width,
            "num_attention_heads": heads,
            "num_hidden_layers": layers,
            "max_position_embeddings": 77,
            "vocab_size": vocab,
            "hidden_act": "quick_gelu" if quick_gelu else "gelu",
            "layer_norm_eps": 1e-5,
            "eos_token_id": 2,
        },
        "vision_config": {
            "hidden_size": vwidth,
            "intermediate_size": 4 * vwidth,
            "num_attention_heads": vwidth // head_width,
            "num_hidden_layers": vlayers,
            "image_size": size,
            "patch_size": patch,
            "hidden_act": "quick_gelu" if quick_gelu else "gelu",
            "layer_norm_eps": 1e-5,
        },
    }
    write(name, config, state, io)


def openclip_resnet(name, seed):
    """open_clip CLIP with a ModifiedResNet image tower; batch-norm running statistics randomised too."""
    from open_clip.model import CLIP

    vocab, width, heads, layers, rn_width, size, embed = 500, 32, 2, 1, 8, 64, 32
    model = CLIP(
        embed_dim=embed,
        vision_cfg=dict(layers=(1, 2, 1, 1), width=rn_width, image_size=size),
        text_cfg=dict(context_length=77, vocab_size=vocab, width=width, heads=heads, layers=layers),
        quick_gelu=True,
    ).eval()
    randomize(model, seed)
    g = torch.Generator().manual_seed(seed + 7)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.copy_(0.1 * torch.randn(mod.running_mean.shape, generator=g))
                mod.running_var.copy_(0.5 + torch.rand(mod.running_var.shape, generator=g))
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    g = torch.Generator().manual_seed(seed + 1)
    ids = token_batch(g, 3, 77, vocab, vocab - 1, vocab - 2, 0)
    pixels = torch.randn((2, 3, size, size), generator=g)
    with torch.no_grad():
        text_embeds = model.encode_text(ids)
        image_embeds = model.encode_image(pixels)
        tn = text_embeds / text_embeds.norm(dim=-1, keepdim=True)
        im = image_embeds / image_embeds.norm(dim=-1, keepdim=True)
        io = {
            "input_ids": ids.to(torch.int32),
            "pixel_values": pixels,
            "text_embeds": text_embeds,
            "image_embeds": image_embeds,
            "logits_per_image": model.logit_scale.exp() * im @ tn.t(),
        }
    config = {
        "model_type": "clip",
        "projection_dim": embed,
        "text_config": {
            "hidden_size": width, "intermediate_size": 4 * width, "num_attention_heads": heads,
            "num_hidden_layers": layers, "max_position_embeddings": 77, "vocab_size": vocab,
            "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5, "eos_token_id": 2,
        },
        "vision_config": {
            "resnet_layers": [1, 2, 1, 1], "hidden_size": rn_width, "num_attention_heads": rn_width * 32 // 64,
            "image_size": size,
        },
    }
    write(name, config, state, io)


def write(name, config, state, io):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True, default=str)
        f.write("\n")
    save_file(state, os.path.join(d, "model.safetensors"))
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(d, "io.safetensors"))
    print(name, sum(v.numel() for v in state.values()), "parameters")


def preprocess_fixture():
    import torchvision.transforms.functional as F

    g = torch.Generator().manual_seed(99)
    image = torch.randint(0, 256, (3, 29, 37), generator=g, dtype=torch.uint8)
    x = image.float() / 255
    x = F.resize(x, 32, interpolation=F.InterpolationMode.BICUBIC, antialias=True)
    x = F.center_crop(x, [32, 32])
    x = F.normalize(x, MEAN, STD)
    planar = image.float() / 127.5 - 1  # PlanarImage's [-1, 1] convention
    save_file({"image": planar, "expected": x.contiguous()}, os.path.join(OUT, "preprocess.safetensors"))


if __name__ == "__main__":
    torch.manual_seed(0)
    # hf-a: width 64, 2 layers, 4 heads, quick_gelu, patch 8 at 32 px; legacy eos_token_id 2 = argmax pooling.
    hf_model(
        "hf-a",
        dict(hidden_size=64, intermediate_size=256, num_attention_heads=4, num_hidden_layers=2,
             max_position_embeddings=77, vocab_size=1000, hidden_act="quick_gelu", eos_token_id=2),
        dict(hidden_size=64, intermediate_size=256, num_attention_heads=4, num_hidden_layers=2,
             image_size=32, patch_size=8, hidden_act="quick_gelu"),
        32, seed=1, dtype=torch.float32, eos_rule="argmax", pad_with_eos=False, masked=True)
    # hf-b: width 96, 3 layers, 6 heads, exact gelu, patch 16 at 48 px, stored as F16; eos_token_id 500 = first-EOT
    # pooling (ids above the EOT id occur, so argmax would pick the wrong token), padded with EOT as HF does.
    hf_model(
        "hf-b",
        dict(hidden_size=96, intermediate_size=384, num_attention_heads=6, num_hidden_layers=3,
             max_position_embeddings=77, vocab_size=1000, hidden_act="gelu", eos_token_id=500),
        dict(hidden_size=48, intermediate_size=192, num_attention_heads=6, num_hidden_layers=3,
             image_size=48, patch_size=16, hidden_act="gelu", layer_norm_eps=1e-6),
        40, seed=2, dtype=torch.float16, eos_rule="first_eos", pad_with_eos=True, high_ids=True)
    # hf-c: width 32, 1 layer, 2 heads, tanh gelu, 16-token context; vision patch 10 at 40 px, 3 layers.
    hf_model(
        "hf-c",
        dict(hidden_size=32, intermediate_size=80, num_attention_heads=2, num_hidden_layers=1,
             max_position_embeddings=16, vocab_size=300, hidden_act="gelu_pytorch_tanh", eos_token_id=2),
        dict(hidden_size=40, intermediate_size=100, num_attention_heads=2, num_hidden_layers=3,
             image_size=40, patch_size=10, hidden_act="quick_gelu"),
        24, seed=3, dtype=torch.float32, eos_rule="argmax", pad_with_eos=False)
    # openclip-a: open_clip CLIP (OpenAI key layout, fused in_proj, x @ P projections), quick_gelu.
    openclip_model("openclip-a", seed=4)
    # openclip-b: open_clip's plain nn.GELU (quick_gelu=False), width 96 / 3 layers / 6 heads, patch 16 at 48 px,
    # stored as BF16.
    openclip_model("openclip-b", seed=5, width=96, heads=6, layers=3, vwidth=48, vlayers=3, head_width=8, patch=16,
                   size=48, embed=40, quick_gelu=False, dtype=torch.bfloat16)
    # openclip-c: quick_gelu, width 32 / 1 layer / 2 heads, vision 40 wide in 2 heads, patch 10 at 40 px.
    openclip_model("openclip-c", seed=6, width=32, heads=2, layers=1, vwidth=40, vlayers=2, head_width=20, patch=10,
                   size=40, embed=24)
    # openclip-rn: ModifiedResNet image tower (stages 1/2/1/1, stem width 8, 64 px), OpenAI keys.
    openclip_resnet("openclip-rn", seed=7)
    preprocess_fixture()
