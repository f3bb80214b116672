"""PyTorch timing of the UNet forward passes that `UNetBenchmarkTests` times in Swift (same configs, shapes, threads).

    $HOME/.unclip-refenv/bin/python Tests/Fixtures/unet/bench_torch.py [decoder|decoder_half|super_res] [runs]

Random weights (timing does not depend on them); prints the median and minimum of `runs` forward passes after one
warm-up, with torch.set_num_threads(2).
"""

import json
import os
import sys
import time

import torch

from diffusers import UNet2DConditionModel, UNet2DModel

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = {  # name: (batch, size, context tokens)
    "decoder": (2, 64, 81),
    "decoder_half": (2, 64, 81),
    "super_res": (1, 256, 0),
}


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "decoder_half"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(2)
    config = json.load(open(os.path.join(HERE, "karlo", name + ".json")))
    cls = UNet2DConditionModel if config.pop("_class_name") == "UNet2DConditionModel" else UNet2DModel
    model = cls(**config).eval()
    batch, size, tokens = SHAPES[name]
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, config["in_channels"], size, size, generator=g)
    t = torch.tensor([500] * batch)
    kwargs = {}
    if tokens:
        kwargs["encoder_hidden_states"] = torch.randn(batch, tokens, config["cross_attention_dim"], generator=g)
        kwargs["class_labels"] = torch.randn(batch, config["block_out_channels"][0] * 4, generator=g)
        mask = torch.ones(batch, tokens, dtype=torch.bool)
        mask[:, 20:] = False
        kwargs["attention_mask"] = mask
    times = []
    with torch.no_grad():
        model(x, t, **kwargs)
        for _ in range(runs):
            start = time.perf_counter()
            model(x, t, **kwargs)
            times.append(time.perf_counter() - start)
    times.sort()
    params = sum(p.numel() for p in model.parameters())
    print(f"torch {name}: {params / 1e6:.1f} M params, median {times[len(times) // 2]:.3f} s, min {times[0]:.3f} s")


if __name__ == "__main__":
    main()
