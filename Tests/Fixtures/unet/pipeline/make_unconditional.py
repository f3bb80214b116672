# Writes unconditional.safetensors for the fixture pipeline folder: a random stand-in for the empty caption's
# CLIP encodings (text.embed [1, 16], text.hidden [1, 7, 16], text.mask [1, 7], 2 real tokens), seed 0.
import numpy as np
from safetensors.numpy import save_file

rng = np.random.default_rng(0)
save_file(
    {
        "text.embed": rng.standard_normal((1, 16)).astype(np.float32),
        "text.hidden": rng.standard_normal((1, 7, 16)).astype(np.float32),
        "text.mask": np.array([[True, True, False, False, False, False, False]]),
    },
    "unconditional.safetensors",
    metadata={"format": "unclip.tensor-stream/1.0"},
)
