#!/usr/bin/env bash
# Zero-shot classification of image files with CLIP (OpenAI's 80 ImageNet templates): a table of top classes.
#   pipelines/zero-shot.sh MODEL_DIR CLASSES IMAGE...      e.g. pipelines/zero-shot.sh clip cat,dog,car *.png
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
model=$1 classes=$2
shift 2
source "$(dirname "$0")/../bin/unclip-env"
# --size only stacks differently sized files into one frame; unclip-classify applies CLIP's own preprocessing.
unclip-png --size 224 "$@" | unclip-classify --model "$model" --classes "$classes" --format text --top 3
