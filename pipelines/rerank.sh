#!/usr/bin/env bash
# DALL·E 2's reranking: K samples per prompt, CLIP keeps the best one of each, written as PNG files.
#   pipelines/rerank.sh CLIP_DIR PRIOR_DIR DECODER_DIR K OUT_PATTERN PROMPT...   e.g. ... 4 best-%n.png "a corgi"
set -euo pipefail
[ $# -ge 6 ] || { sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
clip=$1 prior=$2 decoder=$3 k=$4 out=$5
shift 5
source "$(dirname "$0")/../bin/unclip-env"
unclip-text --model "$clip" "$@" \
    | unclip-prior --model "$prior" --samples-per-prompt "$k" \
    | unclip-decode --model "$decoder" \
    | unclip-rank --model "$clip" --keep 1 \
    | unclip-png -o "$out"
