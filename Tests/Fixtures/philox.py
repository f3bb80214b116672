#!/usr/bin/env python3
"""Reference for TensorCore's PhiloxRandom stream (see the doc comment in Sources/TensorCore/Random/Philox.swift).

    python3 Tests/Fixtures/philox.py SEED N    prints N words, N uniforms and N normals from offset 0
Pure standard library; the Swift tests pin the values this prints.
"""
import math, sys

M0, M1, W0, W1, MASK = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85, 0xFFFFFFFF


def philox4x32_10(c, k):
    c0, c1, c2, c3 = c
    k0, k1 = k
    for r in range(10):
        p0, p1 = M0 * c0, M1 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & MASK, (p0 >> 32) ^ c3 ^ k1, p0 & MASK
        if r < 9:
            k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
    return c0, c1, c2, c3


def word(seed, i):
    b = i >> 2
    return philox4x32_10((b & MASK, b >> 32, 0, 0), (seed & MASK, seed >> 32))[i & 3]


def uniform(w):
    return ((w >> 9) + 0.5) / 2**23


def normals(seed, n, offset=0):
    out = []
    for j in range((n + 1) // 2):
        u1, u2 = uniform(word(seed, offset + 2 * j)), uniform(word(seed, offset + 2 * j + 1))
        r = math.sqrt(-2 * math.log(u1))
        out += [r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)]
    return out[:n]


if __name__ == "__main__":
    seed, n = int(sys.argv[1]), int(sys.argv[2])
    print("words", [hex(word(seed, i)) for i in range(n)])
    print("uniform", [repr(uniform(word(seed, i))) for i in range(n)])
    import struct
    f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
    print("normal", [repr(f32(z)) for z in normals(seed, n)])
