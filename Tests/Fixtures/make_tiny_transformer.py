#!/usr/bin/env python3
"""Makes Tests/Fixtures/tiny_transformer.json: a one-block causal transformer (nanoGPT layout: token + position
embeddings, pre-LN attention with a fused qkv projection, GELU MLP, final LN, LM head) trained 20 steps with
PyTorch AdamW + global-norm clipping. The Swift test replays it and compares losses and final weights.

    ~/.unclip-refenv/bin/python Tests/Fixtures/make_tiny_transformer.py
"""
import json, os
import torch
import torch.nn.functional as F

torch.manual_seed(1)
V, T, C, H, B, STEPS = 11, 8, 16, 2, 4, 20
P = {
    "wte": torch.randn(V, C) * 0.3, "wpe": torch.randn(T, C) * 0.3,
    "ln1.weight": 1 + 0.1 * torch.randn(C), "ln1.bias": 0.1 * torch.randn(C),
    "attn.c_attn.weight": torch.randn(3 * C, C) * 0.2, "attn.c_attn.bias": 0.05 * torch.randn(3 * C),
    "attn.c_proj.weight": torch.randn(C, C) * 0.2, "attn.c_proj.bias": 0.05 * torch.randn(C),
    "ln2.weight": 1 + 0.1 * torch.randn(C), "ln2.bias": 0.1 * torch.randn(C),
    "mlp.c_fc.weight": torch.randn(4 * C, C) * 0.2, "mlp.c_fc.bias": 0.05 * torch.randn(4 * C),
    "mlp.c_proj.weight": torch.randn(C, 4 * C) * 0.1, "mlp.c_proj.bias": 0.05 * torch.randn(C),
    "ln_f.weight": 1 + 0.1 * torch.randn(C), "ln_f.bias": 0.1 * torch.randn(C),
    "lm_head.weight": torch.randn(V, C) * 0.2,
}
names = list(P)
init = {k: v.clone() for k, v in P.items()}
for v in P.values():
    v.requires_grad_(True)
ids = torch.randint(0, V, (B, T))
targets = torch.roll(ids, -1, dims=1)


def forward(p):
    x = p["wte"][ids] + p["wpe"]                                   # [B, T, C]
    h = F.layer_norm(x, (C,), p["ln1.weight"], p["ln1.bias"])
    qkv = F.linear(h, p["attn.c_attn.weight"], p["attn.c_attn.bias"])
    q, k, v = qkv.split(C, dim=2)
    q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))  # [B, H, T, hd]
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    y = y.transpose(1, 2).reshape(B, T, C)
    x = x + F.linear(y, p["attn.c_proj.weight"], p["attn.c_proj.bias"])
    h = F.layer_norm(x, (C,), p["ln2.weight"], p["ln2.bias"])
    x = x + F.linear(F.gelu(F.linear(h, p["mlp.c_fc.weight"], p["mlp.c_fc.bias"])), p["mlp.c_proj.weight"], p["mlp.c_proj.bias"])
    logits = F.linear(F.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"]), p["lm_head.weight"])
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))


opt = torch.optim.AdamW([P[k] for k in names], lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.05)
losses = []
for step in range(STEPS):
    opt.zero_grad()
    loss = forward(P)
    loss.backward()
    torch.nn.utils.clip_grad_norm_([P[k] for k in names], 1.0)
    opt.step()
    losses.append(float(loss.detach()))

final = {k: v.detach().clone() for k, v in P.items()}
# Continue the same run to 300 steps for the loss-curve comparison (2% tolerance in the Swift test).
for step in range(STEPS, 300):
    opt.zero_grad()
    loss = forward(P)
    loss.backward()
    torch.nn.utils.clip_grad_norm_([P[k] for k in names], 1.0)
    opt.step()
    losses.append(float(loss.detach()))

flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
out = {"config": {"V": V, "T": T, "C": C, "H": H, "B": B, "steps": STEPS, "lr": 1e-2, "beta2": 0.95, "weight_decay": 0.05},
       "names": names, "shapes": [list(P[k].shape) for k in names], "init": [flat(init[k]) for k in names],
       "final": [flat(final[k]) for k in names], "ids": [int(v) for v in ids.reshape(-1)],
       "targets": [int(v) for v in targets.reshape(-1)], "losses": losses}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_transformer.json"), "w") as f:
    json.dump(out, f)
print("losses", losses[0], "->", losses[STEPS - 1], "->", losses[-1])
