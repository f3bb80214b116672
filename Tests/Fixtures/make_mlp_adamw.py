#!/usr/bin/env python3
"""Makes Tests/Fixtures/mlp_adamw.json: a small MLP trained 20 steps with PyTorch (AdamW, global-norm clipping,
warm-up + cosine schedule as in TensorCore's WarmupCosineSchedule). The Swift test replays it from the same
initial weights and data and compares losses and final weights.

    ~/.unclip-refenv/bin/python Tests/Fixtures/make_mlp_adamw.py
"""
import json, math, os
import torch

torch.manual_seed(0)
N, D, H, C, STEPS = 16, 6, 24, 5, 20
x = torch.randn(N, D)
y = torch.randint(0, C, (N,))
l1, l2 = torch.nn.Linear(D, H), torch.nn.Linear(H, C)
params = [l1.weight, l1.bias, l2.weight, l2.bias]
init = [p.detach().clone() for p in params]
opt = torch.optim.AdamW(params, lr=3e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
peak, minimum, warmup, total = 3e-2, 3e-3, 4, 20


def lr_at(step):
    if step < warmup:
        return peak * (step + 1) / (warmup + 1)
    if step >= total:
        return minimum
    ratio = (step - warmup) / (total - warmup)
    return minimum + 0.5 * (1 + math.cos(math.pi * ratio)) * (peak - minimum)


losses, norms = [], []
for step in range(STEPS):
    for g in opt.param_groups:
        g["lr"] = lr_at(step)
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(l2(torch.nn.functional.gelu(l1(x))), y)
    loss.backward()
    norms.append(float(torch.nn.utils.clip_grad_norm_(params, 1.0)))
    opt.step()
    losses.append(float(loss.detach()))

flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
out = {
    "x": flat(x), "y": [int(v) for v in y], "shapes": [list(p.shape) for p in params],
    "init": [flat(p) for p in init], "final": [flat(p) for p in params], "losses": losses, "norms": norms,
    "config": {"N": N, "D": D, "H": H, "C": C, "steps": STEPS, "peak": peak, "minimum": minimum, "warmup": warmup,
               "total": total, "weight_decay": 0.1, "max_norm": 1.0},
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp_adamw.json"), "w") as f:
    json.dump(out, f)
print("losses", losses[0], "->", losses[-1])
