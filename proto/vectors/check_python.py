#!/usr/bin/env python3
"""Replays manifest.tsv through Python's safetensors and checks its verdicts against the `python` column.

Python's library reads one file, not a stream, so the stream is cut into frames here (8-byte length, header,
data up to the largest end offset the header names) and each frame is given to safetensors.deserialize.
A vector counts as `ok` for Python when every frame deserializes. Exit status 0 when every verdict matches.
"""
import json
import os
import struct
import sys

import safetensors

HERE = os.path.dirname(os.path.abspath(__file__))


def frames(data):
    position = 0
    while position < len(data):
        if len(data) - position < 8:
            yield data[position:]  # too short for a length: let safetensors refuse it
            return
        (length,) = struct.unpack_from("<Q", data, position)
        end = position + 8 + length
        try:
            header = json.loads(data[position + 8:end])
            ends = [entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"]
            end += max(ends, default=0)
        except Exception:
            end = len(data)  # unparsable here: hand over the rest, safetensors will say why
        yield data[position:end]
        position = end


def verdict(data):
    try:
        for frame in frames(data):
            safetensors.deserialize(frame)
        return "ok", ""
    except Exception as error:  # noqa: BLE001 - any refusal is an "error" verdict
        return "error", str(error).splitlines()[0]


def main():
    manifest = os.path.join(HERE, "manifest.tsv")
    rows = [line.rstrip("\n").split("\t") for line in open(manifest, encoding="utf-8")][1:]
    mismatches = 0
    for name, _, _, _, expected, _ in rows:
        with open(os.path.join(HERE, name), "rb") as source:
            got, message = verdict(source.read())
        mark = "ok  " if got == expected else "FAIL"
        mismatches += got != expected
        print("%s %-34s python=%-5s expected=%-5s %s" % (mark, name, got, expected, message))
    print("%d vectors, %d mismatches (safetensors %s)" % (len(rows), mismatches, safetensors.__version__))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
