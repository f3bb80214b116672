#!/usr/bin/env python3
"""Writes the golden tensor-stream vectors and manifest.tsv into this folder.

Standard library only, deterministic: running it again must leave `git status` clean.
Each vector is a byte stream; manifest.tsv gives its expected outcome for a conforming reader:
  file, expect (ok | error), frames (frames read before EOF or before the error), kind (error kind or -),
  python (what Python's safetensors says of each frame: ok | error; differences are the documented exceptions),
  description.
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT = "unclip.tensor-stream/1.0"

SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
         "U32": 4, "I32": 4, "F32": 4, "U64": 8, "I64": 8, "F64": 8}


def header_bytes(header, pad=True):
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return text


def raw_frame(header_text, data=b""):
    return struct.pack("<Q", len(header_text)) + header_text + data


def frame(tensors, metadata=None, fmt=FORMAT, pad=True):
    """tensors: list of (name, dtype, shape, data bytes); offsets follow list order."""
    header = {}
    meta = dict(metadata or {})
    if fmt is not None:
        meta["format"] = fmt
    if meta:
        header["__metadata__"] = meta
    offset = 0
    data = b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(payload)]}
        offset += len(payload)
        data += payload
    return raw_frame(header_bytes(header, pad), data)


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def i32(*values):
    return struct.pack("<%di" % len(values), *values)


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def manual(pairs, data=b"", pad=True):
    """A frame from a JSON text written by hand (for duplicates and oddities json.dumps cannot express)."""
    text = pairs.encode() if isinstance(pairs, str) else pairs
    if pad:
        text += b" " * (-len(text) % 8)
    return raw_frame(text, data)


VECTORS = []


def add(name, data, expect, frames, kind="-", python=None, description=""):
    VECTORS.append((name, data, expect, frames, kind, python or expect, description))


# --- valid streams ---------------------------------------------------------------------------------------------
embed = ("text.embed", "F32", [2, 3], f32(0.5, -1.0, 2.0, 0.0, -0.25, 3.5))
tokens = ("text.tokens", "I32", [2, 4], i32(49406, 320, 49407, 0, 49406, 1929, 49407, 0))
one = frame([tokens, embed], {"producer": "unclip-text 0.1.0", "seed": "42", "prompt": '["a cat","a dog"]',
                              "provenance": "unclip-text 0.1.0 model=clip-tiny sha256=0123456789abcdef"})
add("one-frame.stream", one, "ok", 1, description="one frame: I32 tokens and F32 embedding, standard metadata")
add("three-frames.stream", one + frame([embed], {"seed": "1"}) + frame([], {}), "ok", 3,
    description="three frames back to back, the last without tensors")
add("empty-stream.stream", b"", "ok", 0, python="ok", description="no bytes at all: a stream of zero frames")
every = []
for index, dtype in enumerate(sorted(SIZES)):
    every.append(("t.%s" % dtype.lower(), dtype, [2, 1], bytes(range(index * 16, index * 16 + 2 * SIZES[dtype]))))
add("every-dtype.stream", frame(every), "ok", 1, description="one tensor of each dtype, shape [2,1]")
add("zero-size.stream", frame([("a", "F32", [0, 3], b""), ("b", "I64", [2, 0], b""), ("c", "U8", [1], b"\x07")]),
    "ok", 1, description="zero-element tensors (empty data_offsets ranges) between others")
add("scalar.stream", frame([("s", "F64", [], struct.pack("<d", 2.5))]), "ok", 1, description="shape [] is one element")
add("no-tensors.stream", raw_frame(header_bytes({})), "ok", 1, description="header {} (no metadata, no tensors)")
add("metadata-only.stream", frame([], {"prompt": '["x"]', "labels": '["cat","dog"]', "note": "line1\nline2\t\"q\""}),
    "ok", 1, description="metadata only, with escapes in values")
add("python-no-format.safetensors",
    frame([("weight", "F32", [2, 2], f32(1, 2, 3, 4)), ("bias", "F32", [2], f32(-1, 1))], fmt=None), "ok", 1,
    description="a plain safetensors file as Python writes it: no format key")
unordered = manual('{"b":' + json.dumps(entry("U8", [2], 1, 3)) + ',"a":' + json.dumps(entry("U8", [1], 0, 1)) + "}",
                   b"\x01\x02\x03")
add("unordered-keys.stream", unordered, "ok", 1, description="header keys not in data order (stream order is data order)")
add("whitespace.stream", manual('\n\t{ "x" :\r\n { "dtype" : "U8" , "shape" : [ 1 ] , "data_offsets" : [ 0 , 1 ] } }  \t',
                            b"\x05", pad=False), "ok", 1, description="JSON whitespace around tokens, unpadded header")
add("unicode-names.stream", frame([("caf\u00e9 \u2603", "U8", [1], b"\x01"), ("q\"\\\n", "U8", [1], b"\x02")],
                              {"prompt": '["\u00fcber \U0001F600"]'}), "ok", 1,
    description="non-ASCII and escaped names and metadata")
add("escaped-unicode.stream", manual('{"\\u00e9\\ud83d\\ude00":' + json.dumps(entry("U8", [1], 0, 1)) + "}", b"\x01"),
    "ok", 1, description="\\u escapes including a surrogate pair in a name")
add("format-minor-version.stream", frame([embed], fmt="unclip.tensor-stream/1.7"), "ok", 1,
    description="a later minor version of major 1 is accepted")

# --- invalid streams -------------------------------------------------------------------------------------------
add("truncated-header-length.stream", one[:5], "error", 0, "truncated", description="EOF inside the 8-byte length")
add("truncated-header.stream", one[:40], "error", 0, "truncated", description="EOF inside the JSON header")
add("truncated-data.stream", one[:-3], "error", 0, "truncated", description="EOF inside the data section")
add("truncated-second-frame.stream", one + one[:-1], "error", 1, "truncated", python="error",
    description="the second frame ends one byte early")
add("header-too-large.stream", struct.pack("<Q", (16 << 20) + 1) + b"{}", "error", 0, "header-too-large",
    description="header length 16 MiB + 1 (refused before any allocation)")
add("header-length-2-63.stream", struct.pack("<Q", 1 << 63) + b"{}      ", "error", 0, "header-too-large",
    description="header length 2^63")
add("header-length-max.stream", b"\xff" * 8 + b"{}      ", "error", 0, "header-too-large",
    description="header length 2^64-1")
add("header-length-zero.stream", struct.pack("<Q", 0), "error", 0, "invalid-json", description="empty header")
add("non-json-header.stream", manual("hello, world"), "error", 0, "invalid-json", description="header is not JSON")
add("nul-padding.stream", manual("{}") [:-6] + b"\x00" * 6, "error", 0, "invalid-json",
    description="header padded with NUL bytes instead of spaces")
add("trailing-comma.stream", manual('{"a":' + json.dumps(entry("U8", [1], 0, 1)) + ",}", b"\x01"), "error", 0,
    "invalid-json", description="trailing comma in the header object")
add("invalid-utf8.stream", manual(b'{"\xff":' + json.dumps(entry("U8", [1], 0, 1)).encode() + b"}", b"\x01"), "error",
    0, "invalid-json", description="a tensor name that is not UTF-8")
add("lone-surrogate.stream", manual('{"\\ud800":' + json.dumps(entry("U8", [1], 0, 1)) + "}", b"\x01"), "error", 0,
    "invalid-json", description="a \\u escape with a lone surrogate")
add("header-not-object.stream", manual("[1, 2, 3]"), "error", 0, "invalid-header", description="JSON array header")
add("tensor-not-object.stream", manual('{"a": [0, 1]}'), "error", 0, "invalid-header",
    description="a tensor entry that is not an object")
add("missing-dtype.stream", manual('{"a":{"shape":[1],"data_offsets":[0,1]}}', b"\x01"), "error", 0, "invalid-header",
    description="a tensor entry without dtype")
add("metadata-not-strings.stream", manual('{"__metadata__":{"seed":42}}'), "error", 0, "invalid-header",
    description="a metadata value that is a number")
add("unknown-dtype.stream", frame([("a", "F12", [1], b"\x00")]), "error", 0, "unknown-dtype",
    description="dtype F12")
add("lowercase-dtype.stream", frame([("a", "f32", [1], b"\x00" * 4)]), "error", 0, "unknown-dtype",
    description="dtype spelled in lower case")
add("negative-shape.stream", frame([("a", "U8", [-1], b"")]), "error", 0, "invalid-shape",
    description="a negative dimension")
add("non-integer-shape.stream", manual('{"a":' + json.dumps(entry("U8", [2.5], 0, 2)) + "}", b"\x00\x00"), "error", 0,
    "invalid-shape", description="a fractional dimension")
add("string-shape.stream", manual('{"a":{"dtype":"U8","shape":["2"],"data_offsets":[0,2]}}', b"\x00\x00"), "error", 0,
    "invalid-shape", description="a dimension written as a string")
add("shape-overflow.stream", manual('{"a":' + json.dumps(entry("F32", [1 << 62, 1 << 62], 0, 4)) + "}", b"\x00" * 4),
    "error", 0, "invalid-shape", description="element count overflows 64 bits")
add("huge-dimension.stream", manual('{"a":{"dtype":"U8","shape":[99999999999999999999999],"data_offsets":[0,1]}}',
                                b"\x00"), "error", 0, "invalid-shape", description="a dimension past 2^64")
add("overlapping-offsets.stream", manual('{"a":' + json.dumps(entry("U8", [2], 0, 2)) + ',"b":'
                                     + json.dumps(entry("U8", [2], 1, 3)) + "}", b"\x00" * 3), "error", 0,
    "invalid-offsets", description="b begins inside a")
add("gapped-offsets.stream", manual('{"a":' + json.dumps(entry("U8", [2], 0, 2)) + ',"b":'
                                + json.dumps(entry("U8", [2], 3, 5)) + "}", b"\x00" * 5), "error", 0,
    "invalid-offsets", description="one unused byte between a and b")
add("offsets-not-from-zero.stream", manual('{"a":' + json.dumps(entry("U8", [2], 2, 4)) + "}", b"\x00" * 4), "error", 0,
    "invalid-offsets", description="the data does not start at offset 0")
add("offsets-reversed.stream", manual('{"a":' + json.dumps(entry("U8", [0], 2, 0)) + "}", b"\x00" * 2), "error", 0,
    "invalid-offsets", description="end before begin")
add("offsets-three-values.stream", manual('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,1]}}', b"\x00"), "error",
    0, "invalid-offsets", description="data_offsets with three numbers")
add("offsets-past-end.stream", manual('{"a":' + json.dumps(entry("U8", [64], 0, 64)) + "}", b"\x00" * 8), "error", 0,
    "truncated", description="offsets point past the end of the input")
add("huge-data-claim.stream", manual('{"a":' + json.dumps(entry("U8", [1 << 40], 0, 1 << 40)) + "}", b"\x00" * 8),
    "error", 0, "truncated", description="a 1 TiB data section claimed, 8 bytes present (must fail at EOF)")
add("size-mismatch.stream", manual('{"a":' + json.dumps(entry("F32", [2], 0, 4)) + "}", b"\x00" * 4), "error", 0,
    "size-mismatch", description="shape [2] of F32 needs 8 bytes, offsets span 4")
add("duplicate-names.stream", manual('{"a":' + json.dumps(entry("U8", [1], 0, 1)) + ',"a":'
                                 + json.dumps(entry("U8", [1], 1, 2)) + "}", b"\x00\x01"), "error", 0,
    "duplicate-name", description="the same tensor name twice, with different data")
add("duplicate-identical-names.stream", manual('{"a":' + json.dumps(entry("U8", [1], 0, 1)) + ',"a":'
                                           + json.dumps(entry("U8", [1], 0, 1)) + "}", b"\x00"), "error", 0,
    "duplicate-name", python="ok", description="the same entry twice (Python keeps the last; we refuse)")
add("duplicate-metadata-key.stream", manual('{"__metadata__":{"seed":"1","seed":"2"}}'), "error", 0,
    "duplicate-name", python="ok", description="a metadata key twice (Python keeps the last; we refuse)")
add("extra-field.stream", manual('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}}', b"\x00"), "error", 0,
    "invalid-header", python="ok", description="an unknown field in a tensor entry (Python ignores it)")
add("metadata-null.stream", manual('{"__metadata__":null}'), "error", 0, "invalid-header", python="ok",
    description="__metadata__ is null (Python treats it as absent)")
add("python-only-dtype.stream", frame([("a", "C64", [1], b"\x00" * 8)]), "error", 0, "unknown-dtype", python="ok",
    description="C64, a dtype the Python library knows and this format does not")
add("format-major-2.stream", frame([embed], fmt="unclip.tensor-stream/2.0"), "error", 0, "unsupported-format",
    python="ok", description="format major version 2")
add("format-other-name.stream", frame([embed], fmt="other.stream/1.0"), "error", 0, "unsupported-format",
    python="ok", description="format names another format")
add("format-no-version.stream", frame([embed], fmt="unclip.tensor-stream"), "error", 0, "unsupported-format",
    python="ok", description="format value without a version")
add("garbage-after-frame.stream", one + b"garbage", "error", 1, "truncated", python="error",
    description="7 bytes after a valid frame (an incomplete header length)")
add("garbage-frame-after-frame.stream", one + b"garbage!{}", "error", 1, "header-too-large", python="error",
    description="bytes after a valid frame that claim a huge header")


def main():
    for old in os.listdir(HERE):
        if old.endswith((".stream", ".safetensors")):
            os.remove(os.path.join(HERE, old))
    lines = ["file\texpect\tframes\tkind\tpython\tdescription"]
    for name, data, expect, frames, kind, python, description in VECTORS:
        with open(os.path.join(HERE, name), "wb") as out:
            out.write(data)
        lines.append("\t".join([name, expect, str(frames), kind, python, description]))
    with open(os.path.join(HERE, "manifest.tsv"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("wrote %d vectors" % len(VECTORS))


if __name__ == "__main__":
    main()
