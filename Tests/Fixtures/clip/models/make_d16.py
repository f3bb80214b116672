"""Makes hf-d16: hf-a with its text and visual projections cut to their first 16 rows (projection_dim 16), so
that unclip-image / unclip-text embeddings fit the 16-wide fixture decoder in Tests/Fixtures/unet/pipeline.
Only numpy; run from this folder: python3 make_d16.py"""
import json
import struct

import numpy as np


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", name
        a, b = info["data_offsets"]
        tensors[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"])
    return tensors, meta


def write(path, tensors, meta):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = np.ascontiguousarray(t, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if meta:
        header["__metadata__"] = meta
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


tensors, meta = read("hf-a/model.safetensors")
for name in ["text_projection.weight", "visual_projection.weight"]:
    tensors[name] = tensors[name][:16]
write("hf-d16/model.safetensors", tensors, meta)
config = json.load(open("hf-a/config.json"))
config["projection_dim"] = 16
json.dump(config, open("hf-d16/config.json", "w"), indent=2)
with open("hf-d16/merges.txt", "w") as f:
    f.write("#version: 0.2\nt h\nth e</w>\nc o\nco r\ncor g\ncorg i</w>\n")
