"""Conformance fixtures for the UNet library, made by diffusers from random-weight models in small configs.

Run with the reference environment (diffusers >= 0.30, torch):

    $HOME/.unclip-refenv/bin/python Tests/Fixtures/unet/make_fixture.py

For every case it writes a model folder `Tests/Fixtures/unet/<case>/` holding `config.json` and
`diffusion_pytorch_model.safetensors` (diffusers layout, float32), plus `io.safetensors` with the inputs and the
reference outputs. The weights are PyTorch's defaults plus Gaussian noise, so that no parameter is zero (zero-init
output layers would hide bugs). Sizes are kept small (each file well under 3 MB).
"""

import importlib.util
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

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


def karlo_layout(unet, text_proj=None, prefix="model"):
    """The state dict of `unet` (and the decoder's `text_proj`) under Karlo's guided-diffusion names: the inverse of
    diffusers' convert_kakao_brain_unclip_to_diffusers.py (checked against that script by `check_karlo`)."""
    sd = {k: v.detach().float() for k, v in unet.state_dict().items()}
    out = {}

    def put(name, t):
        out[f"{prefix}.{name}"] = t.contiguous().clone()

    def linear_like(dst, src):
        for leaf in ("weight", "bias"):
            if f"{src}.{leaf}" in sd:
                put(f"{dst}.{leaf}", sd[f"{src}.{leaf}"])

    def resnet(dst, src):
        names = {"in_layers.0": "norm1", "in_layers.2": "conv1", "emb_layers.1": "time_emb_proj",
                 "out_layers.0": "norm2", "out_layers.3": "conv2", "skip_connection": "conv_shortcut"}
        for k, v in names.items():
            linear_like(f"{dst}.{k}", f"{src}.{v}")

    def interleave(parts, chunk):
        rows = []
        for h in range(parts[0].shape[0] // chunk):
            for p in parts:
                rows.append(p[h * chunk:(h + 1) * chunk])
        return torch.cat(rows)

    def attention(dst, src, head_dim):
        linear_like(f"{dst}.norm", f"{src}.group_norm")
        for leaf in ("weight", "bias"):
            qkv = interleave([sd[f"{src}.to_{n}.{leaf}"] for n in "qkv"], head_dim)
            kv = interleave([sd[f"{src}.add_{n}_proj.{leaf}"] for n in "kv"], head_dim)
            out_w = sd[f"{src}.to_out.0.{leaf}"]
            if leaf == "weight":
                qkv, kv, out_w = qkv[:, :, None], kv[:, :, None], out_w[:, :, None]
            put(f"{dst}.qkv.{leaf}", qkv)
            put(f"{dst}.encoder_kv.{leaf}", kv)
            put(f"{dst}.proj_out.{leaf}", out_w)

    cfg = unet.config
    heads = cfg.attention_head_dim
    linear_like("time_embed.0", "time_embedding.linear_1")
    linear_like("time_embed.2", "time_embedding.linear_2")
    linear_like("input_blocks.0.0", "conv_in")
    n = 1
    for i, block in enumerate(unet.down_blocks):
        for j in range(len(block.resnets)):
            resnet(f"input_blocks.{n}.0", f"down_blocks.{i}.resnets.{j}")
            if hasattr(block, "attentions"):
                attention(f"input_blocks.{n}.1", f"down_blocks.{i}.attentions.{j}", heads)
            n += 1
        if block.downsamplers is not None:
            resnet(f"input_blocks.{n}.0", f"down_blocks.{i}.downsamplers.0")
            n += 1
    resnet("middle_block.0", "mid_block.resnets.0")
    if getattr(unet.mid_block, "attentions", None) is not None and unet.mid_block.attentions[0] is not None:
        attention("middle_block.1", "mid_block.attentions.0", heads)
        resnet("middle_block.2", "mid_block.resnets.1")
    else:
        resnet("middle_block.1", "mid_block.resnets.1")
    n = 0
    for i, block in enumerate(unet.up_blocks):
        attends = hasattr(block, "attentions")
        for j in range(len(block.resnets)):
            resnet(f"output_blocks.{n}.0", f"up_blocks.{i}.resnets.{j}")
            if attends:
                attention(f"output_blocks.{n}.1", f"up_blocks.{i}.attentions.{j}", heads)
            if j == len(block.resnets) - 1 and block.upsamplers is not None:
                resnet(f"output_blocks.{n}.{2 if attends else 1}", f"up_blocks.{i}.upsamplers.0")
            n += 1
    linear_like("out.0", "conv_norm_out")
    linear_like("out.2", "conv_out")
    if text_proj is not None:
        tp = text_proj.state_dict()
        names = {"text_seq_proj.0": "encoder_hidden_states_proj", "text_seq_proj.1": "text_encoder_hidden_states_norm",
                 "clip_tok_proj": "clip_extra_context_tokens_proj", "text_feat_proj": "embedding_proj",
                 "clip_emb": "clip_image_embeddings_project_to_time_embeddings"}
        for k, v in names.items():
            for leaf in ("weight", "bias"):
                put(f"{k}.{leaf}", tp[f"{v}.{leaf}"])
        put("cf_param", tp["learned_classifier_free_guidance_embeddings"])
    return out


def check_karlo(karlo, unet, text_proj, kind):
    """Runs diffusers' own Karlo converter (path in $KARLO_CONVERTER, from diffusers' scripts/) over `karlo` and
    checks that it gives back exactly the diffusers weights."""
    path = os.environ.get("KARLO_CONVERTER")
    if not path:
        print("  (KARLO_CONVERTER not set: Karlo layout not cross-checked)")
        return
    from diffusers.pipelines.deprecated.unclip import text_proj as text_proj_module

    sys.modules.setdefault("diffusers.pipelines.unclip", sys.modules["diffusers.pipelines.deprecated.unclip"])
    sys.modules.setdefault("diffusers.pipelines.unclip.text_proj", text_proj_module)
    spec = importlib.util.spec_from_file_location("karlo_converter", path)
    conv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conv)
    if kind == "decoder":
        conv.DECODER_CONFIG["attention_head_dim"] = unet.config.attention_head_dim
        got = conv.decoder_original_checkpoint_to_diffusers_checkpoint(unet, karlo)
        want = unet.state_dict()
        got_tp = conv.text_proj_original_checkpoint_to_diffusers_checkpoint(karlo)
        want_tp = text_proj.state_dict()
        assert set(got_tp) == set(want_tp) and all(torch.equal(got_tp[k], want_tp[k]) for k in want_tp)
    else:
        got = conv.super_res_unet_first_steps_original_checkpoint_to_diffusers_checkpoint(unet, karlo)
        want = unet.state_dict()
    assert set(got) == set(want), set(got) ^ set(want)
    assert all(torch.equal(got[k].float(), want[k].float()) for k in want)
    print("  Karlo layout round-trips through diffusers' converter")


def karlo_case(name, decoder_name, text_proj_name):
    """A Karlo-layout checkpoint of an existing decoder (+ its text projection) or super-res case."""
    folder = os.path.join(HERE, decoder_name)
    config = json.load(open(os.path.join(folder, "config.json")))
    cls = UNet2DConditionModel if config["_class_name"] == "UNet2DConditionModel" else UNet2DModel
    unet = cls.from_pretrained(folder).eval()
    text_proj = UnCLIPTextProjModel.from_pretrained(os.path.join(HERE, text_proj_name)) if text_proj_name else None
    prefix = "model" if text_proj_name else "model_first_steps"
    karlo = karlo_layout(unet, text_proj, prefix=prefix)
    if not text_proj_name:
        # A super-resolution checkpoint holds both models; the second prefix must be ignored by the loader.
        karlo.update({k.replace("model_first_steps", "model_last_step"): v.clone() for k, v in karlo.items()})
    check_karlo(karlo, unet, text_proj, "decoder" if text_proj_name else "super_res")
    save_file(karlo, os.path.join(HERE, name + ".safetensors"))
    print(f"{name}: {len(karlo)} Karlo tensors from {decoder_name}")


def decoder_sampling_case(name, decoder_name, text_proj_name, seed, steps, guidance, size):
    """The decoder loop of diffusers' UnCLIPPipeline (UnCLIPScheduler, learned range, CFG on eps) on the small
    decoder, with every random draw taken from TensorCore's Philox stream (Tests/Fixtures/philox.py), so the Swift
    `Decoder.sample` with the same seed must give the same image. The loop runs in float32 and again in float64: the
    first step divides by sqrt(alpha_bar_999) ~ 1e-4, so float32 rounding alone moves the result by ~1e-3, and the
    float64 image is the reference to measure both against."""
    sys.path.insert(0, os.path.dirname(HERE))
    import philox
    from diffusers import UnCLIPScheduler
    from diffusers.schedulers import scheduling_unclip

    io = load_file(os.path.join(HERE, text_proj_name, "io.safetensors"))
    mask = torch.ones(io["prompt_embeds"].shape[0], io["text_encoder_hidden_states"].shape[1], dtype=torch.bool)
    mask[-1, -2:] = False
    mask[0, 2:] = False  # the empty caption: start and end tokens only

    def run(dtype):
        unet = UNet2DConditionModel.from_pretrained(os.path.join(HERE, decoder_name)).eval().to(dtype)
        text_proj = UnCLIPTextProjModel.from_pretrained(os.path.join(HERE, text_proj_name)).eval().to(dtype)
        image, prompt, hidden = (io[k].to(dtype) for k in ("image_embeddings", "prompt_embeds",
                                                            "text_encoder_hidden_states"))
        offset = [0]

        def draw(shape, **kwargs):
            n = 1
            for d in shape:
                n *= d
            values = philox.normals(seed, n, offset[0])
            offset[0] += 2 * ((n + 1) // 2)
            return torch.tensor(values, dtype=torch.float32).to(dtype).reshape(shape)

        scheduling_unclip.randn_tensor = draw
        scheduler = UnCLIPScheduler(variance_type="learned_range", prediction_type="epsilon", num_train_timesteps=1000)
        if dtype == torch.float64:
            scheduler.betas = scheduler.betas.double()
            scheduler.alphas = 1 - scheduler.betas
            scheduler.alphas_cumprod = torch.cumprod(scheduler.alphas, dim=0)
            scheduler.one = torch.tensor(1.0, dtype=dtype)
        batch = image.shape[0]
        with torch.no_grad():
            states, time = text_proj(
                image_embeddings=image, prompt_embeds=prompt, text_encoder_hidden_states=hidden,
                do_classifier_free_guidance=True)
            decoder_mask = torch.nn.functional.pad(mask, (text_proj.clip_extra_context_tokens, 0), value=True)
            scheduler.set_timesteps(steps)
            timesteps = scheduler.timesteps
            latents = draw((batch, unet.config.in_channels, size, size))
            noise = latents.clone()
            for i, t in enumerate(timesteps):
                pred = unet(torch.cat([latents] * 2), t, encoder_hidden_states=states, class_labels=time,
                            attention_mask=decoder_mask).sample
                uncond, cond = pred.chunk(2)
                uncond, _ = uncond.split(latents.shape[1], dim=1)
                cond, variance = cond.split(latents.shape[1], dim=1)
                pred = torch.cat([uncond + guidance * (cond - uncond), variance], dim=1)
                prev = None if i + 1 == len(timesteps) else timesteps[i + 1]
                latents = scheduler.step(pred, t, latents, prev_timestep=prev).prev_sample
        return noise.float(), latents.clamp(-1, 1).float().contiguous(), timesteps

    noise, image32, timesteps = run(torch.float32)
    _, image64, _ = run(torch.float64)
    save_file({"text_mask": mask.float(), "noise": noise, "image": image32, "image_f64": image64},
              os.path.join(HERE, name + ".safetensors"))
    print(f"{name}: timesteps {timesteps.tolist()}, float32 vs float64 max {(image32 - image64).abs().max():.2e}")


def super_res_sampling_case(name, first_name, seed, steps):
    """The super-resolution loop of diffusers' UnCLIPPipeline (UnCLIPScheduler fixed_small_log, eps; the last step
    with `super_res_last`) with Philox noise. `super_res_last` is `first_name` with extra weight noise, saved as
    `<name>_last.safetensors`. Float32 and float64 runs, as in decoder_sampling_case."""
    sys.path.insert(0, os.path.dirname(HERE))
    import philox
    from diffusers import UnCLIPScheduler
    from diffusers.schedulers import scheduling_unclip

    first32 = UNet2DModel.from_pretrained(os.path.join(HERE, first_name)).eval()
    last32 = perturb(UNet2DModel.from_pretrained(os.path.join(HERE, first_name)), seed + 100, scale=0.02)
    save_file({k: v.contiguous() for k, v in last32.state_dict().items()}, os.path.join(HERE, name + "_last.safetensors"))
    g = torch.Generator().manual_seed(seed)
    channels = first32.config.out_channels
    size = first32.config.sample_size
    low = (torch.rand(1, channels, size, size, generator=g) * 2 - 1)

    def run(dtype):
        first, last = first32.to(dtype), last32.to(dtype)
        offset = [0]

        def draw(shape, **kwargs):
            n = 1
            for d in shape:
                n *= d
            values = philox.normals(seed, n, offset[0])
            offset[0] += 2 * ((n + 1) // 2)
            return torch.tensor(values, dtype=torch.float32).to(dtype).reshape(shape)

        scheduling_unclip.randn_tensor = draw
        scheduler = UnCLIPScheduler(variance_type="fixed_small_log", prediction_type="epsilon", num_train_timesteps=1000)
        if dtype == torch.float64:
            scheduler.betas = scheduler.betas.double()
            scheduler.alphas = 1 - scheduler.betas
            scheduler.alphas_cumprod = torch.cumprod(scheduler.alphas, dim=0)
            scheduler.one = torch.tensor(1.0, dtype=dtype)
        scheduler.set_timesteps(steps)
        timesteps = scheduler.timesteps
        latents = draw((1, channels, size, size))
        noise = latents.clone()
        with torch.no_grad():
            for i, t in enumerate(timesteps):
                unet = last if i == len(timesteps) - 1 else first
                pred = unet(torch.cat([latents, low.to(dtype)], dim=1), t).sample
                prev = None if i + 1 == len(timesteps) else timesteps[i + 1]
                latents = scheduler.step(pred, t, latents, prev_timestep=prev).prev_sample
        return noise.float(), latents.clamp(-1, 1).float().contiguous()

    noise, image32 = run(torch.float32)
    _, image64 = run(torch.float64)
    save_file({"low_resolution": low, "noise": noise, "image": image32, "image_f64": image64},
              os.path.join(HERE, name + ".safetensors"))
    print(f"{name}: float32 vs float64 max {(image32 - image64).abs().max():.2e}")


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
        clip_extra_context_tokens=4, clip_embeddings_dim=16, time_embed_dim=64, cross_attention_dim=16,
    )
    text_proj_case(
        "text_proj_b", seed=22, batch=3, text_len=5, cfg=False,
        clip_extra_context_tokens=3, clip_embeddings_dim=12, time_embed_dim=64, cross_attention_dim=24,
    )
    text_proj_case(
        "text_proj_c", seed=23, batch=1, text_len=9, cfg=True,
        clip_extra_context_tokens=2, clip_embeddings_dim=20, time_embed_dim=40, cross_attention_dim=16,
    )

    # Karlo-layout checkpoints: decoder_a + text_proj_a (same widths: time 64, context 16), super_res_b.
    karlo_case("karlo_decoder_a", "decoder_a", "text_proj_a")
    karlo_case("karlo_super_res_b", "super_res_b", None)

    # The decoder sampling loop with Philox noise.
    decoder_sampling_case("decoder_sampling_a", "decoder_a", "text_proj_a", seed=7, steps=4, guidance=8.0, size=16)
    super_res_sampling_case("super_res_sampling_a", "super_res_a", seed=11, steps=3)


if __name__ == "__main__":
    main()
