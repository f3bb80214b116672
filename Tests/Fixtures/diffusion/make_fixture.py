"""Makes schedulers.json: diffusers' UnCLIPScheduler, DDPMScheduler and DDIMScheduler on fixed inputs.

Run with the reference environment (diffusers + torch):
    $HOME/.unclip-refenv/bin/python Tests/Fixtures/diffusion/make_fixture.py

For every case and every step of its schedule the file holds the step's inputs (sample, model prediction, learned
variance values, noise), diffusers' float32 outputs (prev_sample, pred_original_sample) and a float64 replay of the
same formulas written here from the schedule definition (the `*64` fields). DDPM-style noise is made an explicit
input by replacing the schedulers' `randn_tensor` with a function that returns the fixed noise; DDIM takes it as
`variance_noise`. Also recorded: the timestep tables for many step counts and both schedules' alphas_cumprod, and
the hybrid loss's variational-bound term (value and autograd gradients) computed with DALLE2-pytorch's `normal_kl`
and `discretized_gaussian_log_likelihood` in float64.
"""

import json
import math
import os

import numpy as np
import torch
from diffusers import DDIMScheduler, DDPMScheduler, UnCLIPScheduler
import diffusers.schedulers.scheduling_ddpm as ddpm_module
import diffusers.schedulers.scheduling_unclip as unclip_module

T = 1000
SHAPE = (2, 2, 2)  # batch, channels, length: the learned variance doubles the channel axis
HERE = os.path.dirname(os.path.abspath(__file__))


def betas64(schedule):
    if schedule == "linear":
        return np.linspace(1e-4, 0.02, T, dtype=np.float64)
    alpha_bar = lambda s: math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
    return np.array([min(1 - alpha_bar((i + 1) / T) / alpha_bar(i / T), 0.999) for i in range(T)])


def f32(a):
    # The shortest decimal that reads back as the same float32 (keeps the file small).
    return [float(str(v)) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def f64(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def make_scheduler(case):
    kind = case["scheduler"]
    clip = case["clip"] is not None
    rng = case["clip"] if clip else 1.0
    if kind == "unclip":
        s = UnCLIPScheduler(num_train_timesteps=T, variance_type=case["variance_type"], clip_sample=clip,
                            clip_sample_range=rng, prediction_type=case["prediction_type"])
    elif kind == "ddpm":
        s = DDPMScheduler(num_train_timesteps=T, beta_schedule=case["beta_schedule"],
                          variance_type=case["variance_type"], clip_sample=clip, clip_sample_range=rng,
                          prediction_type=case["prediction_type"], timestep_spacing=case["spacing"])
    else:
        s = DDIMScheduler(num_train_timesteps=T, beta_schedule=case["beta_schedule"], clip_sample=clip,
                          clip_sample_range=rng, prediction_type=case["prediction_type"],
                          timestep_spacing=case["spacing"], set_alpha_to_one=case.get("set_alpha_to_one", True))
    s.set_timesteps(case["steps"])
    return s


def previous_timesteps(case, s):
    ts = [int(t) for t in s.timesteps]
    if case["scheduler"] == "ddim":
        return [t - T // case["steps"] for t in ts]  # DDIMScheduler.step's rule
    return ts[1:] + [-1]


def replay(case, t, prev, x, p, v, z):
    """float64 replay of the step formulas (written from the schedule definition, not diffusers' code)."""
    b = betas64(case["beta_schedule"])
    ac = np.cumprod(1 - b)
    kind, ptype, vtype = case["scheduler"], case["prediction_type"], case.get("variance_type")
    final = 1.0 if case.get("set_alpha_to_one", True) else ac[0]
    a_t = ac[t]
    a_p = ac[prev] if prev >= 0 else final
    beta = b[t] if (kind == "unclip" and prev == t - 1) else 1 - a_t / a_p
    if ptype == "epsilon":
        x0, eps = (x - np.sqrt(1 - a_t) * p) / np.sqrt(a_t), p
    elif ptype == "sample":
        x0, eps = p, (x - np.sqrt(a_t) * p) / np.sqrt(1 - a_t)
    else:
        x0, eps = np.sqrt(a_t) * x - np.sqrt(1 - a_t) * p, np.sqrt(a_t) * p + np.sqrt(1 - a_t) * x
    if case["clip"] is not None:
        x0 = np.clip(x0, -case["clip"], case["clip"])
    post = (1 - a_p) / (1 - a_t) * beta
    if kind == "ddim":
        if case.get("use_clipped_model_output"):
            eps = (x - np.sqrt(a_t) * x0) / np.sqrt(1 - a_t)
        sigma = case["eta"] * np.sqrt(post)
        out = np.sqrt(a_p) * x0 + np.sqrt(1 - a_p - sigma ** 2) * eps
        if case["eta"] > 0:
            out = out + sigma * z
        return out, x0
    mean = np.sqrt(a_p) * beta / (1 - a_t) * x0 + np.sqrt(1 - beta) * (1 - a_p) / (1 - a_t) * x
    if t == 0:
        return mean, x0
    clamped = max(post, 1e-20)
    if vtype in ("fixed_small", "fixed_small_log"):
        sigma = np.sqrt(clamped if (kind == "ddpm" or vtype == "fixed_small_log") else post)
    elif vtype == "fixed_large":
        sigma = np.sqrt(beta)
    else:
        lo = np.log(clamped if kind == "ddpm" else post)
        f = (v + 1) / 2
        sigma = np.exp(0.5 * (f * np.log(beta) + (1 - f) * lo))
    return mean + sigma * z, x0


def run_case(case, rng):
    s = make_scheduler(case)
    ts = [int(t) for t in s.timesteps]
    prevs = previous_timesteps(case, s)
    learned = case.get("variance_type") == "learned_range"
    steps = []
    for t, prev in zip(ts, prevs):
        x = rng.standard_normal(SHAPE).astype(np.float32)
        scale = {"epsilon": 1.0, "sample": 1.5 if case["clip"] != 5.0 else 4.0, "v_prediction": 1.0}
        p = (rng.standard_normal(SHAPE) * scale[case["prediction_type"]]).astype(np.float32)
        v = rng.uniform(-1, 1, SHAPE).astype(np.float32)
        z = rng.standard_normal(SHAPE).astype(np.float32)
        model_output = torch.from_numpy(np.concatenate([p, v], axis=1) if learned else p)
        noise = torch.from_numpy(z)
        fixed = lambda *args, **kwargs: noise.clone()
        unclip_module.randn_tensor = fixed
        ddpm_module.randn_tensor = fixed
        sample = torch.from_numpy(x)
        if case["scheduler"] == "unclip":
            out = s.step(model_output, t, sample, prev_timestep=None if prev == -1 else prev)
        elif case["scheduler"] == "ddpm":
            out = s.step(model_output, t, sample)
        else:
            out = s.step(model_output, t, sample, eta=case["eta"],
                         use_clipped_model_output=case.get("use_clipped_model_output", False),
                         variance_noise=noise if case["eta"] > 0 else None)
        prev64, x0_64 = replay(case, t, prev, x.astype(np.float64), p.astype(np.float64),
                               v.astype(np.float64), z.astype(np.float64))
        step = {"t": t, "prev": prev, "sample": f32(x), "prediction": f32(p), "noise": f32(z),
                "prev_sample": f32(out.prev_sample), "pred_original_sample": f32(out.pred_original_sample),
                "prev_sample64": f64(prev64), "pred_original_sample64": f64(x0_64)}
        if learned:
            step["variance_values"] = f32(v)
        steps.append(step)
    return dict(case, timesteps=ts, steps_list=steps)


CASES = []
for n in (25, 7):
    CASES += [
        dict(name=f"unclip-decoder-{n}", scheduler="unclip", beta_schedule="squaredcos_cap_v2", steps=n,
             variance_type="learned_range", prediction_type="epsilon", clip=1.0),
        dict(name=f"unclip-prior-{n}", scheduler="unclip", beta_schedule="squaredcos_cap_v2", steps=n,
             variance_type="fixed_small_log", prediction_type="sample", clip=5.0),
    ]
CASES += [
    dict(name="unclip-superres-7", scheduler="unclip", beta_schedule="squaredcos_cap_v2", steps=7,
         variance_type="fixed_small_log", prediction_type="epsilon", clip=1.0),
    dict(name="unclip-eps-noclip-25", scheduler="unclip", beta_schedule="squaredcos_cap_v2", steps=25,
         variance_type="fixed_small_log", prediction_type="epsilon", clip=None),
    dict(name="unclip-learned-noclip-7", scheduler="unclip", beta_schedule="squaredcos_cap_v2", steps=7,
         variance_type="learned_range", prediction_type="epsilon", clip=None),
    dict(name="unclip-learned-sample-25", scheduler="unclip", beta_schedule="squaredcos_cap_v2", steps=25,
         variance_type="learned_range", prediction_type="sample", clip=1.0),
]
DDPM = [
    ("linear", 25, "leading", "fixed_small", "epsilon", 1.0),
    ("linear", 7, "trailing", "fixed_large", "v_prediction", None),
    ("squaredcos_cap_v2", 25, "linspace", "fixed_small_log", "sample", 1.0),
    ("squaredcos_cap_v2", 7, "leading", "learned_range", "epsilon", None),
    ("linear", 25, "trailing", "learned_range", "v_prediction", 1.0),
    ("squaredcos_cap_v2", 7, "leading", "fixed_large", "epsilon", 1.0),
    ("linear", 7, "linspace", "fixed_small", "sample", None),
    ("squaredcos_cap_v2", 25, "trailing", "fixed_small_log", "v_prediction", None),
    ("linear", 7, "leading", "fixed_small_log", "epsilon", 1.0),
]
for sch, n, sp, vt, pt, clip in DDPM:
    CASES.append(dict(name=f"ddpm-{sch}-{n}-{sp}-{vt}-{pt}-{'clip' if clip else 'noclip'}", scheduler="ddpm",
                      beta_schedule=sch, steps=n, spacing=sp, variance_type=vt, prediction_type=pt, clip=clip))
DDIM = [
    ("linear", 25, "leading", 0.0, "epsilon", 1.0, {}),
    ("linear", 7, "trailing", 1.0, "v_prediction", None, {}),
    ("squaredcos_cap_v2", 25, "leading", 1.0, "epsilon", 1.0, {}),
    ("squaredcos_cap_v2", 7, "linspace", 0.0, "sample", None, {}),
    ("squaredcos_cap_v2", 25, "trailing", 0.0, "v_prediction", 1.0, {}),
    ("linear", 7, "leading", 0.5, "epsilon", None, {"set_alpha_to_one": False}),
    ("squaredcos_cap_v2", 7, "leading", 1.0, "epsilon", 1.0, {"use_clipped_model_output": True}),
    ("linear", 25, "linspace", 1.0, "sample", 1.0, {}),
]
for sch, n, sp, eta, pt, clip, extra in DDIM:
    name = f"ddim-{sch}-{n}-{sp}-eta{eta}-{pt}-{'clip' if clip else 'noclip'}" + "".join(f"-{k}" for k in extra)
    CASES.append(dict(name=name, scheduler="ddim", beta_schedule=sch, steps=n, spacing=sp, eta=eta,
                      prediction_type=pt, clip=clip, **extra))


def timestep_tables():
    tables = []
    counts = (1, 2, 3, 6, 7, 10, 13, 25, 27, 50, 64, 100, 250, 333, 999, 1000)
    for n in counts:
        if n >= 2:
            s = UnCLIPScheduler(num_train_timesteps=T)
            s.set_timesteps(n)
            ts = [int(t) for t in s.timesteps]
            tables.append(dict(kind="karlo", steps=n, timesteps=ts, previous=ts[1:] + [-1]))
        for spacing in ("leading", "trailing", "linspace"):
            for offset in ((0, 1) if spacing == "leading" else (0,)):
                if offset and n == 1:
                    continue
                d = DDPMScheduler(num_train_timesteps=T, timestep_spacing=spacing, steps_offset=offset)
                d.set_timesteps(n)
                ts = [int(t) for t in d.timesteps]
                prev = [int(d.previous_timestep(t)) for t in ts]
                tables.append(dict(kind="ddpm", spacing=spacing, offset=offset, steps=n, timesteps=ts, previous=prev))
                i = DDIMScheduler(num_train_timesteps=T, timestep_spacing=spacing, steps_offset=offset)
                i.set_timesteps(n)
                ts = [int(t) for t in i.timesteps]
                tables.append(dict(kind="ddim", spacing=spacing, offset=offset, steps=n, timesteps=ts,
                                   previous=[t - T // n for t in ts]))
    return tables


def vb_cases(rng):
    """L_vb of a learned-range model, with DALLE2-pytorch's helpers (float64; its float64 log floor of 1e-3 is
    replaced by the float32 floor 1e-12 that improved-diffusion uses)."""
    import dalle2_pytorch.dalle2_pytorch as d2p
    d2p.log = lambda t, eps=1e-12: torch.log(t.clamp(min=1e-12))
    b = betas64("squaredcos_cap_v2")
    ac = np.cumprod(1 - b)
    ac_prev = np.append(1.0, ac[:-1])
    post_var = b * (1 - ac_prev) / (1 - ac)
    post_log_clipped = np.log(np.append(post_var[1], post_var[1:]))
    coef_x0 = b * np.sqrt(ac_prev) / (1 - ac)
    coef_xt = (1 - ac_prev) * np.sqrt(1 - b) / (1 - ac)
    cases = []
    for ptype in ("epsilon", "sample", "v_prediction"):
        for t in (0, 1, 250, 999):
            x0 = np.concatenate([[-1.0, 1.0], rng.uniform(-0.95, 0.95, 6)])
            eps = rng.standard_normal(8)
            a = ac[t]
            xt = np.sqrt(a) * x0 + np.sqrt(1 - a) * eps
            target = {"epsilon": eps, "sample": x0, "v_prediction": np.sqrt(a) * eps - np.sqrt(1 - a) * x0}[ptype]
            pred = (target + rng.normal(0, 0.003, 8)).astype(np.float32).astype(np.float64)
            v = rng.uniform(-1, 1, 8).astype(np.float32).astype(np.float64)
            x0, xt = x0.astype(np.float32).astype(np.float64), xt.astype(np.float32).astype(np.float64)
            P = torch.tensor(pred, requires_grad=True)
            V = torch.tensor(v, requires_grad=True)
            X0, XT = torch.tensor(x0), torch.tensor(xt)
            if ptype == "epsilon":
                x0_hat = (XT - math.sqrt(1 - a) * P) / math.sqrt(a)
            elif ptype == "sample":
                x0_hat = P
            else:
                x0_hat = math.sqrt(a) * XT - math.sqrt(1 - a) * P
            model_mean = coef_x0[t] * x0_hat + coef_xt[t] * XT
            true_mean = coef_x0[t] * X0 + coef_xt[t] * XT
            frac = (V + 1) / 2
            model_log_var = frac * math.log(b[t]) + (1 - frac) * post_log_clipped[t]
            if t == 0:
                terms = -d2p.discretized_gaussian_log_likelihood(X0, means=model_mean,
                                                                 log_scales=0.5 * model_log_var)
            else:
                terms = d2p.normal_kl(true_mean, torch.full_like(X0, post_log_clipped[t]), model_mean, model_log_var)
            loss = terms.mean() / math.log(2)
            loss.backward()
            cases.append(dict(prediction_type=ptype, t=t, original=f64(x0), noisy=f64(xt), prediction=f64(pred),
                              variance_values=f64(v), value=float(loss.detach()), prediction_gradient=f64(P.grad),
                              variance_gradient=f64(V.grad)))
    return cases


def main():
    rng = np.random.default_rng(20240501)
    schedules = {}
    for sch in ("linear", "squaredcos_cap_v2"):
        d = DDPMScheduler(num_train_timesteps=T, beta_schedule=sch)
        schedules[sch] = dict(alphas_cumprod=f32(d.alphas_cumprod), betas=f32(d.betas),
                              alphas_cumprod64=f64(np.cumprod(1 - betas64(sch))))
    doc = dict(shape=list(SHAPE), train_timesteps=T, schedules=schedules, timestep_tables=timestep_tables(),
               cases=[run_case(c, rng) for c in CASES], variational_bound=vb_cases(rng))
    path = os.path.join(HERE, "schedulers.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {path}: {len(doc['cases'])} cases, {len(doc['timestep_tables'])} timestep tables")


if __name__ == "__main__":
    main()
