#!/usr/bin/env bash
# DALL·E 2's reranking: K samples per prompt (decoded with text-to-image's default image guidance 3), a CLIP
# scores the decoded images and keeps the best one of each, written as PNG files (64×64).
#   pipelines/rerank.sh CLIP_DIR PRIOR_DIR DECODER_DIR RANKER_DIR K OUT_PATTERN PROMPT...
#   e.g. ... pipelines/models/clip-rank 4 best-%n.png "a corgi"  (RANKER_DIR: the CLIP that scores, often CLIP_DIR)
set -euo pipefail
[ $# -ge 7 ] || { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(dirname "$0")
source "$here/models.sh"  # for rank_images; the folders are the arguments
source "$here/../bin/unclip-env"
clip=$1 prior=$2 decoder=$3 ranker=$4 k=$5 out=$6
shift 6
unclip-text --model "$clip" "$@" \
    | unclip-prior --model "$prior" --samples-per-prompt "$k" \
    | unclip-decode --model "$decoder" --image-guidance 3 \
    | rank_images 1 \
    | unclip-png -o "$out"
