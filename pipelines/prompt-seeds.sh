#!/usr/bin/env bash
# How often one prompt comes out right, seed by seed: draws it as text-to-image.sh does (diffusion prior, decoder with
# image guidance 3, 64x64) and judges every picture with unclip-check (the Shapes pixel checker, not CLIP).
#   pipelines/prompt-seeds.sh [--seeds N] [--rerank-seeds M] [--samples K] [--out DIR] PROMPT
#   --seeds N         one sample for each seed 0..N-1, as `bin/unclip PROMPT --seed S` draws it (default 32)
#   --rerank-seeds M  K candidates for each seed 0..M-1, as `bin/unclip --samples K --rerank 1` draws them, kept by
#                     the ranking CLIP, by the conditioning CLIP, or the first one (default 48; 0 skips)
#   --samples K       candidates per seed (default 4);  --out DIR  where the streams go (default .build/prompt-seeds)
#   --clip DIR --prior DIR --decoder DIR --ranker DIR   (or UNCLIP_CLIP, ...; pipelines/models.sh)
# README "Two objects" quotes it for "a red circle above a blue square".
set -euo pipefail
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(cd "$(dirname "$0")" && pwd)
source "$here/models.sh"
seeds=32 rerank_seeds=48 samples=4 out=.build/prompt-seeds prompt=
while [ $# -gt 0 ]; do
    case "$1" in
    --seeds) seeds=${2:?}; shift 2 ;;
    --rerank-seeds) rerank_seeds=${2:?}; shift 2 ;;
    --samples) samples=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --clip) clip=${2:?}; shift 2 ;;
    --prior) prior=${2:?}; shift 2 ;;
    --decoder) decoder=${2:?}; shift 2 ;;
    --ranker) ranker=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "prompt-seeds: unknown option '$1'" >&2; usage ;;
    *) [ -z "$prompt" ] || { echo "prompt-seeds: one prompt only" >&2; usage; }; prompt=$1; shift ;;
    esac
done
[ -n "$prompt" ] || usage
for n in "$seeds" "$rerank_seeds" "$samples"; do
    [[ $n =~ ^[0-9]+$ ]] || { echo "prompt-seeds: counts must be whole numbers, not '$n'" >&2; exit 64; }
done
pick_ranker
require_models prompt-seeds "$clip" "$prior" "$decoder" "$ranker"
source "$here/../bin/unclip-env"
mkdir -p "$out"

# right STREAM: how many of the stream's pictures the checker finds right in every respect.
right() { unclip-check "$1" | awk '$1 == "all" { split($3, n, "/"); print n[1] }'; }
# draw SEED K: K candidates of the prompt for one seed, decoded as text-to-image.sh decodes them.
draw() {
    unclip-prior --model "$prior" --steps 25 --samples-per-prompt "$2" --seed "$1" -q < "$out/text.st" \
        | unclip-decode --model "$decoder" --steps 25 --seed "$1" --image-guidance 3 -q
}

unclip-text --model "$clip" -- "$prompt" > "$out/text.st"
one=0
for ((s = 0; s < seeds; s++)); do
    draw "$s" 1 > "$out/one-$s.st"
    one=$((one + $(right "$out/one-$s.st")))
done
echo "\"$prompt\", one sample per seed (seeds 0-$((seeds - 1))): right $one of $seeds"
[ "$rerank_seeds" -gt 0 ] || exit 0
ranked=0 conditioning=0 first=0 any=0
for ((s = 0; s < rerank_seeds; s++)); do
    draw "$s" "$samples" > "$out/candidates-$s.st"
    # Column 7 of --items is "all" per candidate, in the order drawn.
    items=$(unclip-check --items "$out/candidates-$s.st" | awk -F'\t' 'NF == 9 { printf "%s", $7 }')
    [[ $items == *1* ]] && any=$((any + 1))
    first=$((first + ${items:0:1}))
    rank_images 1 < "$out/candidates-$s.st" > "$out/ranked-$s.st"
    rank_images 1 "$clip" < "$out/candidates-$s.st" > "$out/clip-$s.st"
    ranked=$((ranked + $(right "$out/ranked-$s.st")))
    conditioning=$((conditioning + $(right "$out/clip-$s.st")))
done
echo "\"$prompt\", best of $samples per seed (seeds 0-$((rerank_seeds - 1))): kept by $(basename "$ranker") right $ranked," \
    "by $(basename "$clip") $conditioning, the first candidate $first; a right one among the $samples: $any of $rerank_seeds"
