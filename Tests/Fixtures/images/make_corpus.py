#!/usr/bin/env python3
"""Makes the Imaging test corpus: small PNG and JPEG files plus the pixels Pillow decodes from them, and
bicubic-antialias resize cases made with PyTorch.

Run once from this folder with Pillow, NumPy and PyTorch (the project's reference env):
    ~/.unclip-refenv/bin/python make_corpus.py
Writes:
  png/*.png, jpeg/*.jpg           the test images (PNGs are written by the small encoder below so that every
                                  colour type, bit depth, filter, interlace and zlib block type is covered;
                                  JPEGs by Pillow/libjpeg-turbo)
  expected/NAME.rgb / .rgba / .l  Pillow's np.asarray(Image.open(f).convert(MODE)) as raw bytes
  resize/CASE.in.f32, .out.f32    float32 little-endian [3,H,W] input and torch output
  manifest.json                   one entry per file: name, size, expected files, notes
The Swift tests read only these outputs; they never run Python.
"""
import io, json, os, struct, zlib

import numpy as np
from PIL import Image

rng = np.random.default_rng(20261130)
here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
for d in ("png", "jpeg", "expected", "resize"):
    os.makedirs(d, exist_ok=True)
manifest = {"png": [], "jpeg": [], "resize": [], "corrupt": []}


def picture(h, w, c, maxval=255):
    """Smooth gradients plus noise, so files compress a little and JPEG sees texture."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 7 + y * 3 + k * 40) % (maxval + 1) for k in range(c)], -1).astype(np.float64)
    noise = rng.integers(0, maxval + 1, size=(h, w, c))
    mix = np.where(rng.random((h, w, c)) < 0.3, noise, base)
    return mix.astype(np.int64)


def chunk(name, data):
    return struct.pack(">I", len(data)) + name + data + struct.pack(">I", zlib.crc32(name + data) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def pack_row(samples, depth):
    if depth == 8:
        return bytes(int(v) for v in samples)
    if depth == 16:
        return b"".join(struct.pack(">H", int(v)) for v in samples)
    out, acc, n = bytearray(), 0, 0
    for v in samples:
        acc = (acc << depth) | int(v)
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def write_png(path, samples, colour_type, depth, interlace=False, plte=None, trns=None, level=6,
              strategy=zlib.Z_DEFAULT_STRATEGY, idat_size=None, filters=(0, 1, 2, 3, 4)):
    """samples: [H, W, S] integer array at `depth` bits. Row filters cycle through `filters`."""
    h, w, s = samples.shape
    bpp = max(1, s * depth // 8)
    passes = ([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
              if interlace else [(0, 0, 1, 1)])
    raw, k = bytearray(), 0
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = bytes(len(pack_row(sub[0].reshape(-1), depth)))
        for row in sub:
            cur = pack_row(row.reshape(-1), depth)
            f = filters[k % len(filters)]
            k += 1
            out = bytearray()
            for i, v in enumerate(cur):
                a = cur[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][f]
                out.append((v - pred) & 255)
            raw += bytes([f]) + out
            prev = cur
    comp = zlib.compressobj(level, zlib.DEFLATED, 15, 9, strategy)
    data = comp.compress(bytes(raw)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 1 if interlace else 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"tEXt", b"Comment\x00UnCLIP corpus")
    if plte is not None:
        body += chunk(b"PLTE", bytes(plte))
    if trns is not None:
        body += chunk(b"tRNS", bytes(trns))
    step = idat_size or len(data)
    for i in range(0, max(len(data), 1), step):
        body += chunk(b"IDAT", data[i:i + step])
    body += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + body)


def expect(kind, name, path, modes, note=""):
    im = Image.open(path)
    im.load()
    entry = {"file": path, "name": name, "width": im.size[0], "height": im.size[1], "pillowMode": im.mode,
             "expected": {}, "note": note}
    for mode in modes:
        if mode == "high-byte":
            # Pillow opens 16-bit grey as I;16 and convert("L") saturates; the decoder keeps the high byte.
            arr = (np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8)
            mode_name = "L"
        else:
            arr = np.asarray(im.convert(mode))
            mode_name = mode
        out = f"expected/{name}.{mode_name.lower()}"
        with open(out, "wb") as f:
            f.write(arr.astype(np.uint8).tobytes())
        entry["expected"][mode_name] = out
    manifest[kind].append(entry)


# ---- PNG: every colour type x bit depth, palette + tRNS, key tRNS, Adam7, zlib block types, odd sizes ----
sizes = [(17, 13), (19, 33), (1, 1), (8, 8), (5, 3)]
cases = []
for depth in (1, 2, 4, 8, 16):
    cases.append(("grey", 0, depth, 1))
for depth in (8, 16):
    cases += [("rgb", 2, depth, 3), ("greyalpha", 4, depth, 2), ("rgba", 6, depth, 4)]
for depth in (1, 2, 4, 8):
    cases.append(("palette", 3, depth, 1))
n = 0
for label, ct, depth, s in cases:
    for interlace in (False, True):
        for (h, w) in (sizes if not interlace else sizes[:3]):
            maxval = (1 << depth) - 1
            if ct == 3:
                entries = min(1 << depth, 200 if depth == 8 else 1 << depth)
                samples = picture(h, w, 1, entries - 1)
                plte = rng.integers(0, 256, size=entries * 3).astype(np.uint8)
            else:
                samples = picture(h, w, s, maxval)
                plte = None
            name = f"{label}{depth}{'_adam7' if interlace else ''}_{w}x{h}"
            level = [0, 1, 6, 9][n % 4]
            strategy = zlib.Z_FIXED if n % 5 == 2 else zlib.Z_DEFAULT_STRATEGY
            n += 1
            path = f"png/{name}.png"
            write_png(path, samples, ct, depth, interlace, plte=plte, level=level, strategy=strategy,
                      idat_size=97 if n % 3 == 0 else None)
            modes = ["RGB", "RGBA"]
            if ct in (0, 4):
                modes = ["high-byte"] if (ct == 0 and depth == 16) else ["L", "RGB"]
            expect("png", name, path, modes, f"colour type {ct}, {depth}-bit, level {level}")

# tRNS variants
h, w = 13, 17
samples = picture(h, w, 1, 15)
plte = rng.integers(0, 256, size=16 * 3).astype(np.uint8)
write_png("png/palette4_trns_17x13.png", samples, 3, 4, plte=plte, trns=bytes(rng.integers(0, 256, size=10).astype(np.uint8)))
expect("png", "palette4_trns_17x13", "png/palette4_trns_17x13.png", ["RGB", "RGBA"], "palette with 10 alphas")
samples = picture(h, w, 1, 255)
plte = rng.integers(0, 256, size=256 * 3).astype(np.uint8)
write_png("png/palette8_trns_adam7_17x13.png", samples, 3, 8, interlace=True, plte=plte,
          trns=bytes(rng.integers(0, 256, size=256).astype(np.uint8)))
expect("png", "palette8_trns_adam7_17x13", "png/palette8_trns_adam7_17x13.png", ["RGB", "RGBA"], "palette, full tRNS, Adam7")
samples = picture(h, w, 1, 255)
samples[2, 3] = samples[5, 5] = 77
write_png("png/grey8_trns_17x13.png", samples, 0, 8, trns=struct.pack(">H", 77))
expect("png", "grey8_trns_17x13", "png/grey8_trns_17x13.png", ["RGB", "RGBA"], "grey colour key 77")
samples = picture(h, w, 3, 255)
samples[1, 1] = samples[7, 9] = (10, 20, 30)
write_png("png/rgb8_trns_17x13.png", samples, 2, 8, trns=struct.pack(">HHH", 10, 20, 30))
expect("png", "rgb8_trns_17x13", "png/rgb8_trns_17x13.png", ["RGB", "RGBA"], "RGB colour key")
samples = picture(h, w, 3, 65535)
samples[0, 0] = samples[4, 4] = (1000, 2000, 3000)
write_png("png/rgb16_trns_17x13.png", samples, 2, 16, trns=struct.pack(">HHH", 1000, 2000, 3000))
expect("png", "rgb16_trns_17x13", "png/rgb16_trns_17x13.png", ["RGB", "RGBA"],
       "16-bit RGB colour key; RGBA follows the PNG spec, not Pillow (see below)")
# Pillow compares a 16-bit colour key with the 8-bit samples it keeps, so it never marks these pixels transparent.
# The decoder follows the PNG spec (compare the full 16-bit samples); the expected RGBA says so.
key = np.all(samples == (1000, 2000, 3000), axis=-1)
spec = np.concatenate([(samples >> 8).astype(np.uint8), np.where(key, 0, 255).astype(np.uint8)[..., None]], -1)
with open("expected/rgb16_trns_17x13.rgba", "wb") as f:
    f.write(spec.tobytes())
# A Pillow-written PNG and a larger compressible one (several deflate blocks and long matches).
Image.fromarray(picture(24, 32, 3).astype(np.uint8)).save("png/pillow_rgb_32x24.png")
expect("png", "pillow_rgb_32x24", "png/pillow_rgb_32x24.png", ["RGB", "RGBA"], "written by Pillow")
y, x = np.mgrid[0:96, 0:128]
Image.fromarray(np.stack([x * 2, y * 2, (x + y)], -1).astype(np.uint8)).save("png/pillow_gradient_128x96.png", optimize=True)
expect("png", "pillow_gradient_128x96", "png/pillow_gradient_128x96.png", ["RGB", "RGBA"], "gradient, Pillow optimize")

# ---- JPEG: baseline / progressive x 4:4:4 / 4:2:2 / 4:2:0 / grey, odd sizes, restarts ----
for (w, h) in ((17, 13), (33, 19), (32, 24), (8, 8), (1, 1), (50, 35)):
    rgb = picture(h, w, 3).astype(np.uint8)
    # Blur a little so the JPEGs are not all noise.
    rgb = ((rgb.astype(np.int32) + np.roll(rgb, 1, 0) + np.roll(rgb, 1, 1) + np.roll(rgb, 1, (0, 1))) // 4).astype(np.uint8)
    for progressive in (False, True):
        kind = "progressive" if progressive else "baseline"
        for sub, label in ((0, "444"), (1, "422"), (2, "420")):
            name = f"{kind}_{label}_{w}x{h}"
            path = f"jpeg/{name}.jpg"
            Image.fromarray(rgb).save(path, quality=[90, 75, 50][sub], subsampling=sub, progressive=progressive)
            expect("jpeg", name, path, ["RGB"], f"{kind} {label}")
        name = f"{kind}_grey_{w}x{h}"
        path = f"jpeg/{name}.jpg"
        Image.fromarray(rgb).convert("L").save(path, quality=80, progressive=progressive)
        expect("jpeg", name, path, ["L", "RGB"], f"{kind} greyscale")
rgb = picture(40, 56, 3).astype(np.uint8)
Image.fromarray(rgb).save("jpeg/restart_420_56x40.jpg", quality=85, subsampling=2, restart_marker_blocks=3,
                          comment=b"UnCLIP corpus", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00")
expect("jpeg", "restart_420_56x40", "jpeg/restart_420_56x40.jpg", ["RGB"], "restart interval 3, COM, APP1")
Image.fromarray(rgb).save("jpeg/restart_progressive_444_56x40.jpg", quality=85, subsampling=0, progressive=True,
                          restart_marker_rows=1)
expect("jpeg", "restart_progressive_444_56x40", "jpeg/restart_progressive_444_56x40.jpg", ["RGB"], "progressive, restart every row")
Image.fromarray(rgb).save("jpeg/optimized_422_56x40.jpg", quality=95, subsampling=1, optimize=True)
expect("jpeg", "optimized_422_56x40", "jpeg/optimized_422_56x40.jpg", ["RGB"], "optimized Huffman tables")

# ---- Resize: torch F.interpolate(bicubic, antialias=True, align_corners=False) on [-1, 1] data ----
try:
    import torch
    import torch.nn.functional as F
    for (h, w, oh, ow) in ((20, 30, 9, 13), (13, 17, 29, 41), (64, 48, 16, 21), (10, 10, 10, 10), (24, 18, 12, 30),
                           (9, 7, 3, 2), (33, 19, 7, 7), (5, 6, 17, 4), (40, 40, 224 // 8, 224 // 8)):
        x = torch.from_numpy(rng.uniform(-1, 1, size=(1, 3, h, w)).astype(np.float32))
        y = F.interpolate(x, size=(oh, ow), mode="bicubic", antialias=True, align_corners=False)
        name = f"bicubic_aa_{h}x{w}_to_{oh}x{ow}"
        x.numpy().astype("<f4").tofile(f"resize/{name}.in.f32")
        y.numpy().astype("<f4").tofile(f"resize/{name}.out.f32")
        manifest["resize"].append({"name": name, "in": [3, h, w], "out": [3, oh, ow],
                                   "input": f"resize/{name}.in.f32", "output": f"resize/{name}.out.f32"})
except ImportError:
    print("torch not found: resize fixtures not written")

with open("manifest.json", "w") as f:
    json.dump(manifest, f, indent=1)
print(len(manifest["png"]), "png,", len(manifest["jpeg"]), "jpeg,", len(manifest["resize"]), "resize cases")
