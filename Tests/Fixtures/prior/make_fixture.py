"""Makes the prior conformance fixtures: random-weight diffusers `PriorTransformer`s and the unCLIP prior loop.

Run with the reference environment (diffusers + torch):
    $HOME/.unclip-refenv/bin/python Tests/Fixtures/prior/make_fixture.py

For each config in CONFIGS, a folder `<name>/` holds what `PriorTransformer.save_pretrained` writes (`config.json`,
`diffusion_pytorch_model.safetensors`) and `io.safetensors`: the inputs (noisy latents, per-item timesteps, pooled
text embeddings, text hidden states, a text mask with padding) and diffusers' float32 outputs
(`predicted_image_embedding` as [B, clip], its `post_process_latents`, the output at one shared timestep, and the output with no
attention mask, which in diffusers also drops the causal mask), plus the same forward in float64 (`*.f64`) to show
how far float32 itself rounds. All parameters are random (diffusers initialises the positional and prd embeddings
and the CLIP statistics to zero, which would hide mistakes).

`karlo/` holds config `a`'s weights in Karlo's original layout (`model.` prefix, per-head interleaved `c_qkv`, ...),
made by inverting diffusers' conversion script, with `clip_mean`/`clip_std` stored as [D] as in Karlo's stats file.

`sampling.safetensors` (and `a/unconditional.safetensors`, its empty-prompt stand-in) runs the prior half of diffusers' `UnCLIPPipeline` with config `a`: `UnCLIPScheduler`
(squaredcos_cap_v2, fixed_small_log, prediction_type=sample, clip_sample_range=5), classifier-free guidance with
scale 4 over the [unconditional; conditional] batch, where the unconditional text is a fixed random stand-in for
the empty prompt's embeddings (mask: start and end token only). The initial latents and the per-step noise are
explicit inputs: the scheduler's `randn_tensor` is replaced by a function returning the recorded noise. The loop is
run twice: with diffusers' float32 scheduler tables (`samples`, `image.embed`) and with the same tables computed in
float64 (`*.f64tables`), since diffusers' float32 coefficients round visibly at t = 999 and t = 0.

`make_fixture.py --karlo-size DIR` writes the default (Karlo) configuration with random weights (4 GB) and batch-2
io to DIR instead, for the opt-in `PriorBenchmarkTests` (UNCLIP_PRIOR_KARLO=DIR), and times PyTorch's forward.

torch's float32 kernels are not bit-reproducible from run to run here (differences of an ulp or so), so rerunning
the script changes the output files in their last bits.
"""

import json
import math
import os
import sys

import torch
from diffusers import PriorTransformer, UnCLIPScheduler
import diffusers.schedulers.scheduling_unclip as unclip_module
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIGS = {
    # Two heads of 16, a short text context.
    "a": dict(num_attention_heads=2, attention_head_dim=16, num_layers=2, embedding_dim=32, num_embeddings=8),
    # Four heads of 8, the full 77-token context (81-token sequence as in Karlo).
    "b": dict(num_attention_heads=4, attention_head_dim=8, num_layers=3, embedding_dim=24, num_embeddings=77),
    # The optional pieces: input norms, a separate time-embedding width, GELU time activation, and conditioning
    # and output widths that differ from the latent width.
    "c": dict(num_attention_heads=3, attention_head_dim=8, num_layers=1, embedding_dim=16, num_embeddings=6,
              time_embed_act_fn="gelu", norm_in_type="layer", embedding_proj_norm_type="layer", time_embed_dim=40,
              embedding_proj_dim=20, clip_embed_dim=12),
    # No text tokens and no prd token (the Kandinsky-style layout): the sequence is [pooled text, time, image], the
    # one-row positional table is zero-padded in front, and the image token's output is the prediction.
    "d": dict(num_attention_heads=2, attention_head_dim=8, num_layers=1, embedding_dim=16, num_embeddings=0,
              additional_embeddings=1, encoder_hid_proj_type=None, added_emb_type=None),
}


def randomize(model, generator):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith(".weight") and p.dim() == 1:
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=generator))
            elif name == "clip_std":
                p.copy_(0.5 + torch.rand(p.shape, generator=generator))
            elif name == "clip_mean":
                p.copy_(0.3 * torch.randn(p.shape, generator=generator))
            elif p.dim() == 2 and name.endswith(".weight"):
                p.copy_(torch.randn(p.shape, generator=generator) / p.shape[1] ** 0.5)
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=generator))
            else:  # positional_embedding, prd_embedding
                p.copy_(0.5 * torch.randn(p.shape, generator=generator))


def text_mask(lengths, context):
    mask = torch.zeros(len(lengths), context, dtype=torch.bool)
    for i, n in enumerate(lengths):
        mask[i, :n] = True
    return mask


def forward(model, latents, timesteps, embeds, hidden, mask):
    with torch.no_grad():
        return model(latents, timestep=timesteps, proj_embedding=embeds, encoder_hidden_states=hidden,
                     attention_mask=mask).predicted_image_embedding


def make_config(name, config, generator):
    model = PriorTransformer(**config).eval()
    randomize(model, generator)
    folder = os.path.join(HERE, name)
    model.save_pretrained(folder, safe_serialization=True)
    c = model.config
    batch, context = 3, c.num_embeddings
    latents = torch.randn(batch, c.embedding_dim, generator=generator)
    embeds = torch.randn(batch, c.embedding_proj_dim or c.embedding_dim, generator=generator)
    text_tokens = c.encoder_hid_proj_type is not None
    hidden = torch.randn(batch, context, c.embedding_dim, generator=generator) if text_tokens else None
    mask = text_mask([context, max(2, context // 2), 2], context) if text_tokens else None
    timesteps = torch.tensor([999, 0, 417])
    out = forward(model, latents, timesteps, embeds, hidden, mask).reshape(batch, -1)
    shared = forward(model, latents, 250, embeds, hidden, mask).reshape(batch, -1)
    unmasked = forward(model, latents, timesteps, embeds, hidden, None).reshape(batch, -1)
    model64 = PriorTransformer(**config).eval().double()
    model64.load_state_dict(model.state_dict())
    out64 = forward(model64, latents.double(), timesteps, embeds.double(), hidden.double() if text_tokens else None,
                    mask).reshape(batch, -1)
    tensors = {
        "latents": latents, "timesteps": timesteps.to(torch.int32), "proj_embedding": embeds,
        "predicted_image_embedding": out, "post_processed": model.post_process_latents(out).detach(),
        "predicted_image_embedding.t250": shared, "predicted_image_embedding.unmasked": unmasked,
        "predicted_image_embedding.f64": out64.float(),
    }
    if text_tokens:
        tensors.update({"encoder_hidden_states": hidden, "attention_mask": mask})
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "io.safetensors"),
              metadata={"format": "unclip.tensor-stream/1.0", "shared_timestep": "250"})
    rel = ((out - out64).abs().max() / out64.abs().max()).item()
    print(f"{name}: float32 vs float64 max relative difference {rel:.2e}")
    return model


def to_karlo(model):
    """Diffusers keys -> Karlo's original keys (the inverse of diffusers' convert_kakao_brain_unclip_to_diffusers)."""
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    ch = model.config.attention_head_dim
    heads = model.config.num_attention_heads
    renames = {
        "time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
        "proj_in": "clip_img_proj", "embedding_proj": "text_emb_proj",
        "encoder_hidden_states_proj": "text_enc_proj", "norm_out": "final_ln",
        "proj_to_clip_embeddings": "out_proj",
    }
    out = {}
    for d, k in renames.items():
        for suffix in ("weight", "bias"):
            out[f"model.{k}.{suffix}"] = sd[f"{d}.{suffix}"]
    out["model.positional_embedding"] = sd["positional_embedding"]
    out["model.prd_emb"] = sd["prd_embedding"]
    for i in range(model.config.num_layers):
        d, k = f"transformer_blocks.{i}", f"model.transformer.resblocks.{i}"
        for suffix in ("weight", "bias"):
            q, kk, v = (sd[f"{d}.attn1.to_{x}.{suffix}"] for x in "qkv")
            # Per head h: rows [q_h; k_h; v_h], each `ch` rows.
            out[f"{k}.attn.c_qkv.{suffix}"] = torch.cat(
                [torch.cat([q[h * ch:(h + 1) * ch], kk[h * ch:(h + 1) * ch], v[h * ch:(h + 1) * ch]])
                 for h in range(heads)])
            out[f"{k}.attn.c_proj.{suffix}"] = sd[f"{d}.attn1.to_out.0.{suffix}"]
            out[f"{k}.mlp.c_fc.{suffix}"] = sd[f"{d}.ff.net.0.proj.{suffix}"]
            out[f"{k}.mlp.c_proj.{suffix}"] = sd[f"{d}.ff.net.2.{suffix}"]
            out[f"{k}.ln_1.{suffix}"] = sd[f"{d}.norm1.{suffix}"]
            out[f"{k}.ln_2.{suffix}"] = sd[f"{d}.norm3.{suffix}"]
    out["clip_mean"] = sd["clip_mean"][0]
    out["clip_std"] = sd["clip_std"][0]
    assert len(out) == len(sd) - 4 * model.config.num_layers  # per block, to_q/to_k/to_v (6 tensors) -> c_qkv (2)
    folder = os.path.join(HERE, "karlo")
    os.makedirs(folder, exist_ok=True)
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(folder, "prior.safetensors"))
    with open(os.path.join(folder, "config.json"), "w") as f:
        config = {k: v for k, v in sorted(model.config.items()) if not k.startswith("_")}
        json.dump({"_class_name": "PriorTransformer", **config}, f, indent=2)
        f.write("\n")


def make_sampling(model, generator, steps=5, guidance=4.0):
    """The prior part of diffusers' UnCLIPPipeline.__call__, with its text encoder replaced by fixed tensors."""
    c = model.config
    batch, context, dim = 2, c.num_embeddings, c.embedding_dim
    cond_embeds = torch.randn(batch, dim, generator=generator)
    cond_hidden = torch.randn(batch, context, dim, generator=generator)
    cond_mask = text_mask([context, 3], context)
    # Stand-in for the empty prompt "" encoded by CLIP: one row, repeated per prompt as the pipeline does.
    uncond_embeds = torch.randn(1, dim, generator=generator).repeat(batch, 1)
    uncond_hidden = torch.randn(1, context, dim, generator=generator).repeat(batch, 1, 1)
    uncond_mask = text_mask([2], context).repeat(batch, 1)
    prompt_embeds = torch.cat([uncond_embeds, cond_embeds])
    hidden = torch.cat([uncond_hidden, cond_hidden])
    mask = torch.cat([uncond_mask, cond_mask])

    def make_scheduler(float64_tables):
        scheduler = UnCLIPScheduler(variance_type="fixed_small_log", prediction_type="sample",
                                    num_train_timesteps=1000, clip_sample=True, clip_sample_range=5.0,
                                    beta_schedule="squaredcos_cap_v2")
        if float64_tables:
            # The same tables computed in float64 (diffusers builds them in float32, which rounds visibly in
            # the coefficients at t = 999 and t = 0); the step formulas are unchanged.
            alpha_bar = lambda s: math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
            betas = torch.tensor([min(1 - alpha_bar((i + 1) / 1000) / alpha_bar(i / 1000), 0.999)
                                  for i in range(1000)], dtype=torch.float64)
            scheduler.betas = betas
            scheduler.alphas = 1.0 - betas
            scheduler.alphas_cumprod = torch.cumprod(scheduler.alphas, dim=0)
            scheduler.one = torch.tensor(1.0, dtype=torch.float64)
        scheduler.set_timesteps(steps)
        return scheduler

    timesteps = make_scheduler(False).timesteps
    initial = torch.randn(batch, dim, generator=generator)  # init_noise_sigma is 1
    step_noise = torch.randn(steps, batch, dim, generator=generator)

    def run(scheduler):
        used = []

        def recorded_noise(shape, dtype=None, generator=None, device=None, **_):
            assert tuple(shape) == (batch, dim)
            used.append(step_noise[len(used)])
            return used[-1].to(dtype)

        original = unclip_module.randn_tensor
        unclip_module.randn_tensor = recorded_noise
        latents = initial.clone() * scheduler.init_noise_sigma
        samples = []
        try:
            for i, t in enumerate(scheduler.timesteps):
                model_input = torch.cat([latents] * 2)
                with torch.no_grad():
                    predicted = model(model_input, timestep=t, proj_embedding=prompt_embeds,
                                      encoder_hidden_states=hidden, attention_mask=mask).predicted_image_embedding
                uncond, text = predicted.chunk(2)
                predicted = uncond + guidance * (text - uncond)
                prev = None if i + 1 == len(scheduler.timesteps) else scheduler.timesteps[i + 1]
                latents = scheduler.step(predicted, timestep=t, sample=latents, prev_timestep=prev).prev_sample
                samples.append(latents.float())
        finally:
            unclip_module.randn_tensor = original
        return torch.stack(samples), model.post_process_latents(latents.float()).detach(), len(used)

    # Makes folder a a complete prior model for PriorSampler and the unclip-prior stage.
    save_file({"text.embed": uncond_embeds[:1].contiguous(), "text.hidden": uncond_hidden[:1].contiguous(),
               "text.mask": uncond_mask[:1].contiguous()}, os.path.join(HERE, "a", "unconditional.safetensors"),
              metadata={"format": "unclip.tensor-stream/1.0"})
    samples, image_embeds, draws = run(make_scheduler(False))
    samples64, image_embeds64, _ = run(make_scheduler(True))
    tensors = {
        "text.embed": cond_embeds, "text.hidden": cond_hidden, "text.mask": cond_mask,
        "uncond.embed": uncond_embeds[:1], "uncond.hidden": uncond_hidden[:1], "uncond.mask": uncond_mask[:1],
        "initial_latents": initial, "step_noise": step_noise[:draws], "timesteps": timesteps.to(torch.int32),
        "samples": samples, "image.embed": image_embeds,
        "samples.f64tables": samples64, "image.embed.f64tables": image_embeds64,
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(HERE, "sampling.safetensors"),
              metadata={"format": "unclip.tensor-stream/1.0", "config": "a", "steps": str(steps),
                        "guidance": str(guidance)})
    rel = ((image_embeds - image_embeds64).abs().max() / image_embeds64.abs().max()).item()
    print(f"sampling: timesteps {timesteps.tolist()}, {draws} noise draws; float32 vs float64 scheduler tables: "
          f"image.embed max relative difference {rel:.2e}")


def make_karlo_size(folder):
    """The default (Karlo, 1.02 B parameters) config with random weights and batch-2 io, outside the repository."""
    import time
    torch.set_num_threads(2)
    generator = torch.Generator().manual_seed(7)
    model = PriorTransformer().eval()
    randomize(model, generator)
    model.save_pretrained(folder, safe_serialization=True)
    c = model.config
    latents = torch.randn(2, c.embedding_dim, generator=generator)
    embeds = torch.randn(2, c.embedding_dim, generator=generator)
    hidden = torch.randn(2, c.num_embeddings, c.embedding_dim, generator=generator)
    mask = text_mask([9, 2], c.num_embeddings)
    times = []
    for _ in range(4):
        start = time.perf_counter()
        out = forward(model, latents, torch.tensor([500, 500]), embeds, hidden, mask)
        times.append(time.perf_counter() - start)
    save_file({"latents": latents, "timesteps": torch.tensor([500, 500], dtype=torch.int32), "proj_embedding": embeds,
               "encoder_hidden_states": hidden, "attention_mask": mask, "predicted_image_embedding": out},
              os.path.join(folder, "io.safetensors"))
    print(f"karlo size: PyTorch forward (batch 2, 2 threads): {', '.join(f'{t:.3f}' for t in times)} s")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--karlo-size":
        make_karlo_size(sys.argv[2])
        return
    torch.set_num_threads(1)  # bit-for-bit the same files on every run
    generator = torch.Generator().manual_seed(20260)
    models = {name: make_config(name, config, generator) for name, config in CONFIGS.items()}
    to_karlo(models["a"])
    make_sampling(models["a"], generator)


if __name__ == "__main__":
    main()
