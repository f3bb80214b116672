#!/bin/sh
# The whole embedded-model recipe: the BPE vocabulary and CLIP (and the ranking CLIP), both priors, the decoder and the inpainting
# decoder, the two upsamplers — each trained by unclip-train on Shapes scenes it renders, then installed in
# pipelines/models/ and evaluated. Resumable at every step: each part resumes its run in RUN_ROOT exactly and skips
# what is finished, so the recipe can be spread over working sessions (Ctrl-C / SIGTERM checkpoint first).
#   pipelines/train-embedded.sh [RUN_ROOT]   (default .build/runs)
# Order matters: the priors and the decoder read the CLIP's embeddings, so they follow it. Measured cost on a
# 2-core machine (the model cards): CLIP ~1.6 h + 1.5 h, priors ~1.3 h, decoder phases ~7.5 h, inpainting
# ~1.5 h, upsamplers ~1.5 h. Each part's script says how closely it reproduces the shipped weights.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ROOT=${1:-.build/runs}
"$here/train-clip.sh" "$ROOT/clip"
"$here/train-clip-shapes.sh" "$ROOT" "$ROOT/clip"
"$here/train-clip-rank.sh" "$ROOT/clip-rank"
"$here/train-priors.sh" "$ROOT"
"$here/train-decoder.sh" "$ROOT"
"$here/train-upsamplers.sh" "$ROOT"
"$here/evaluate.sh" --out "$ROOT/evaluation" > "$ROOT/evaluation.md"
echo "train-embedded: models in pipelines/models/, evaluation in $ROOT/evaluation.md" >&2
