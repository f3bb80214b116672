#!/usr/bin/env bash
# Redraws the README's job pictures (job-interpolate, job-inpaint, job-variations, job-text-diff .png) with the
# models bin/unclip finds (pipelines/models/ by default), at 256x256 with seed 0, from two single-object test
# scenes on plain backgrounds chosen by caption: the first "red ring" and the first scene of all.
#   pipelines/job-pictures.sh [OUT_DIR]   (default pipelines/data; about five minutes on 2 cores)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/data}
unclip=$here/../bin/unclip
source "$here/../bin/unclip-env"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
say() { echo "job-pictures: $*" >&2; }

# scene NAME PATTERN: the first of test scenes 0-399 whose caption matches PATTERN, written as NAME.png (64x64).
scene() {
    local seed
    seed=$(unclip-shapes --split test --objects 1 --backgrounds plain --count 400 --preview "$work/list.png" -q \
        | awk -F'\t' -v p="$2" '$3 ~ p { print $2; exit }')
    [ -n "$seed" ] || { say "no test scene's caption matches '$2'"; exit 1; }
    unclip-shapes --split test --objects 1 --backgrounds plain --count 1 --seed "$seed" --out "$work/$1" -q
    mv "$work/$1"/*.png "$work/$1.png"
    say "$1.png: test scene $seed"
}
scene ring "red ring"
scene first ""

say "interpolation"
"$unclip" interpolate --prompts "a red circle" "a blue square" --frames 5 --size 256 -o "$out/job-interpolate.png"
say "inpainting: the ring scene's left half, then its right half"
"$unclip" inpaint "$work/ring.png" 0,0,32,64 "a green star" 32,0,32,64 "a yellow circle" --size 256 \
    -o "$work/inpainted.png"
unclip-png --size 256 "$work/ring.png" "$work/inpainted.png" | unclip-png --grid -q -o "$out/job-inpaint.png"
say "variations of the first scene"
"$unclip" variations "$work/first.png" --size 256 --samples 4 --eta 0.5 -o "$work/variation-%n.png" \
    --sheet "$out/job-variations.png"
say "text diff: the ring towards a square"
"$unclip" text-diff "$work/ring.png" "a red square" "a red ring" --size 256 -o "$out/job-text-diff.png"
say "wrote $out/job-{interpolate,inpaint,variations,text-diff}.png"
