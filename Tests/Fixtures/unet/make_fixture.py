"""Conformance fixtures for the UNet library, made by diffusers from random-weight models in small configs.

Run with the reference environment (diffusers >= 0.30, torch):

    $HOME/.unclip-refenv/bin/python Tests/Fixtures/unet/make_fixture.py

For every case it writes a model folder `Tests/Fixtures/unet/<case>/` holding `config.json` and
`diffusion_pytorch_model.safetensors` (diffusers layout, float32), plus `io.safetensors` with the inputs and the
reference outputs. The weights are PyTorch's defaults plus Gaussian noise, so that no parameter is zero (zero-init
output layers would hide bugs). Sizes are kept small (each file well under 3 MB).
"""

import json
import os

import torch
from safetensors.torch import save_file

from diffusers import UNet2DConditionModel, UNet2DModel

try:
    from diffusers.pipelines.deprecated.unclip.text_proj import UnCLIPTextProjModel
except ImportError:  # older diffusers
    from diffusers.pipelines.unclip.text_proj import UnCLIPTextProjModel

HERE = os.path.dirname(os.path.abspath(__file__))


def perturb(model, seed, scale=0.05):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale)
    return model.eval()


def save_case(name, model, io):
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    config = {k: v for k, v in dict(model.config).items() if not k.startswith("_")}
    config["_class_name"] = type(model).__name__
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True, default=list)
        f.write("\n")
    state = {k: v.detach().contiguous().float() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(folder, "diffusion_pytorch_model.safetensors"))
    save_file({k: v.detach().contiguous() for k, v in io.items()}, os.path.join(folder, "io.safetensors"))
    n = sum(v.numel() for v in state.values())
    print(f"{name}: {n} parameters, outputs " + ", ".join(f"{k} {list(v.shape)}" for k, v in io.items()))


def decoder_case(name, seed, batch, size, context, mask_drop, **config):
    torch.manual_seed(seed)
    model = perturb(UNet2DConditionModel(**config), seed)
    g = torch.Generator().manual_seed(seed + 1)
    height, width = (size, size) if isinstance(size, int) else size
    sample = torch.randn(batch, config["in_channels"], height, width, generator=g)
    timestep = torch.tensor([999, 37, 500, 1][:batch], dtype=torch.int64)
    hid = config.get("encoder_hid_dim") or config["cross_attention_dim"]
    context_states = torch.randn(batch, context, hid, generator=g)
    time_dim = config["block_out_channels"][0] * 4
    class_labels = torch.randn(batch, time_dim, generator=g)
    with torch.no_grad():
        out_nomask = model(sample, timestep, encoder_hidden_states=context_states, class_labels=class_labels).sample
    io = {
        "sample": sample,
        "timestep": timestep.float(),
        "encoder_hidden_states": context_states,
        "class_labels": class_labels,
        "output_unmasked": out_nomask,
    }
    # diffusers pads the mask by the image's token count, which does not fit the keys of only-cross attention;
    # such a config gets no masked case.
    if mask_drop is not None:
        mask = torch.ones(batch, context, dtype=torch.bool)
        for b in range(batch):
            if mask_drop[b]:
                mask[b, -mask_drop[b]:] = False
        with torch.no_grad():
            out = model(
                sample, timestep, encoder_hidden_states=context_states, class_labels=class_labels, attention_mask=mask
            ).sample
        io["attention_mask"] = mask.float()
        io["output"] = out
    save_case(name, model, io)


def super_res_case(name, seed, batch, size, **config):
    torch.manual_seed(seed)
    model = perturb(UNet2DModel(**config), seed)
    g = torch.Generator().manual_seed(seed + 1)
    sample = torch.randn(batch, config["in_channels"], size, size, generator=g)
    timestep = torch.tensor([999, 166, 0][:batch], dtype=torch.int64)
    with torch.no_grad():
        out = model(sample, timestep).sample
    save_case(name, model, {"sample": sample, "timestep": timestep.float(), "output": out})


def text_proj_case(name, seed, batch, text_len, cfg, **config):
    torch.manual_seed(seed)
    model = perturb(UnCLIPTextProjModel(**config), seed, scale=0.5)
    g = torch.Generator().manual_seed(seed + 1)
    rows = 2 * batch if cfg else batch
    image = torch.randn(batch, config["clip_embeddings_dim"], generator=g)
    prompt = torch.randn(rows, config["clip_embeddings_dim"], generator=g)
    hidden = torch.randn(rows, text_len, config["clip_embeddings_dim"], generator=g)
    with torch.no_grad():
        states, time = model(
            image_embeddings=image,
            prompt_embeds=prompt,
            text_encoder_hidden_states=hidden,
            do_classifier_free_guidance=cfg,
        )
    io = {
        "image_embeddings": image,
        "prompt_embeds": prompt,
        "text_encoder_hidden_states": hidden,
        "do_classifier_free_guidance": torch.tensor([1.0 if cfg else 0.0]),
        "encoder_hidden_states": states,
        "additive_clip_time_embeddings": time,
    }
    save_case(name, model, io)


KARLO_DECODER = dict(
    in_channels=3,
    out_channels=6,
    class_embed_type="identity",
    resnet_time_scale_shift="scale_shift",
    mid_block_type="UNetMidBlock2DSimpleCrossAttn",
)


def main():
    # Two levels, Karlo block types (level 0 without attention), scale-shift, learned-range output.
    decoder_case(
        "decoder_a",
        seed=1,
        batch=2,
        size=16,
        context=4 + 7,
        mask_drop=[0, 3],
        **KARLO_DECODER,
        sample_size=16,
        block_out_channels=(16, 32),
        layers_per_block=1,
        down_block_types=("ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"),
        up_block_types=("SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"),
        attention_head_dim=8,
        norm_num_groups=8,
        cross_attention_dim=16,
    )
    # Three levels, two layers per block, encoder_hid_proj, cos-second sinusoid with shift 1.
    decoder_case(
        "decoder_b",
        seed=2,
        batch=3,
        size=16,
        context=4 + 5,
        mask_drop=[2, 0, 5],
        **KARLO_DECODER,
        sample_size=16,
        block_out_channels=(16, 24, 32),
        layers_per_block=2,
        down_block_types=("ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D", "SimpleCrossAttnDownBlock2D"),
        up_block_types=("SimpleCrossAttnUpBlock2D", "SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"),
        attention_head_dim=8,
        norm_num_groups=8,
        cross_attention_dim=24,
        encoder_hid_dim=20,
        flip_sin_to_cos=False,
        freq_shift=1,
    )
    # Four levels like Karlo, 32 groups, additive time embedding, only-cross attention, group-normed context,
    # mid-block output scale, a non-square input.
    config_c = dict(KARLO_DECODER)
    config_c.update(resnet_time_scale_shift="default", out_channels=3)
    decoder_case(
        "decoder_c",
        seed=3,
        batch=1,
        size=(16, 24),
        context=6,
        mask_drop=None,
        **config_c,
        sample_size=16,
        block_out_channels=(32, 32, 32, 32),
        layers_per_block=1,
        down_block_types=(
            "ResnetDownsampleBlock2D",
            "SimpleCrossAttnDownBlock2D",
            "SimpleCrossAttnDownBlock2D",
            "SimpleCrossAttnDownBlock2D",
        ),
        up_block_types=(
            "SimpleCrossAttnUpBlock2D",
            "SimpleCrossAttnUpBlock2D",
            "SimpleCrossAttnUpBlock2D",
            "ResnetUpsampleBlock2D",
        ),
        attention_head_dim=32,
        norm_num_groups=32,
        cross_attention_dim=32,
        only_cross_attention=True,
        mid_block_only_cross_attention=False,
        cross_attention_norm="group_norm",
        mid_block_scale_factor=1.5,
    )

    # Karlo super-resolution: UNet2DModel, residual up/down blocks, no attention, 6 input channels.
    sr = dict(in_channels=6, out_channels=3, add_attention=False)
    super_res_case(
        "super_res_a",
        seed=11,
        batch=1,
        size=16,
        **sr,
        sample_size=16,
        block_out_channels=(16, 32),
        layers_per_block=1,
        down_block_types=("ResnetDownsampleBlock2D",) * 2,
        up_block_types=("ResnetUpsampleBlock2D",) * 2,
        norm_num_groups=8,
    )
    super_res_case(
        "super_res_b",
        seed=12,
        batch=2,
        size=16,
        **sr,
        sample_size=16,
        block_out_channels=(16, 16, 24),
        layers_per_block=2,
        down_block_types=("ResnetDownsampleBlock2D",) * 3,
        up_block_types=("ResnetUpsampleBlock2D",) * 3,
        norm_num_groups=8,
    )
    super_res_case(
        "super_res_c",
        seed=13,
        batch=1,
        size=24,
        **sr,
        sample_size=24,
        block_out_channels=(32, 32, 32),
        layers_per_block=1,
        down_block_types=("ResnetDownsampleBlock2D",) * 3,
        up_block_types=("ResnetUpsampleBlock2D",) * 3,
        norm_num_groups=32,
        resnet_time_scale_shift="scale_shift",
        flip_sin_to_cos=False,
        freq_shift=1,
    )

    text_proj_case(
        "text_proj_a", seed=21, batch=2, text_len=7, cfg=True,
        clip_extra_context_tokens=4, clip_embeddings_dim=16, time_embed_dim=128, cross_attention_dim=32,
    )
    text_proj_case(
        "text_proj_b", seed=22, batch=3, text_len=5, cfg=False,
        clip_extra_context_tokens=3, clip_embeddings_dim=12, time_embed_dim=64, cross_attention_dim=24,
    )
    text_proj_case(
        "text_proj_c", seed=23, batch=1, text_len=9, cfg=True,
        clip_extra_context_tokens=2, clip_embeddings_dim=20, time_embed_dim=40, cross_attention_dim=16,
    )


if __name__ == "__main__":
    main()
