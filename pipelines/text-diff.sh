#!/usr/bin/env bash
# Text diffs: an image and a new caption (and optionally a caption of the image as it is; default empty) ->
# unclip-mix text-diff: slerp(z_i, norm(z_t - z_t0), theta) over a list of angles, decoded (DDIM, eta 0) from the
# image's inverted x_T held fixed -> upsamplers -> one contact sheet PNG, left to right by theta.
#   pipelines/text-diff.sh [options] IMAGE "new caption" ["current caption"]
#   --angles LIST    theta values in [0, 1] (default 0,0.1,0.2,0.3,0.4,0.5)
#   --size PX        64, 256 or 1024 (the decoder's size x1, x4, x16; default the decoder's)
#   --steps N (25);  --upsample-steps N (7);  --seed S (0);  -o SHEET (default text-diff.png)
#   --cache          run the inversion, decoder and upsamplers through unclip-cache (a rerun replays them)
#   --clip DIR --decoder DIR --upsampler DIR   (or UNCLIP_CLIP, ...; pipelines/models.sh)
set -euo pipefail
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(dirname "$0")
source "$here/models.sh"
size="" angles=0,0.1,0.2,0.3,0.4,0.5 steps=25 up_steps=7 seed=0 out=text-diff.png args=()
while [ $# -gt 0 ]; do
    case "$1" in
    --angles) angles=${2:?}; shift 2 ;;
    --size) size=${2:?}; shift 2 ;;
    --steps) steps=${2:?}; shift 2 ;;
    --upsample-steps) up_steps=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    -o|--output) out=${2:?}; shift 2 ;;
    --cache) unclip_cache=1; shift ;;
    --clip) clip=${2:?}; shift 2 ;;
    --decoder) decoder=${2:?}; shift 2 ;;
    --upsampler) upsampler=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    --) shift; args+=("$@"); break ;;
    -*) echo "text-diff: unknown option '$1'" >&2; usage ;;
    *) args+=("$1"); shift ;;
    esac
done
[ ${#args[@]} -ge 2 ] && [ ${#args[@]} -le 3 ] || { echo "text-diff: give IMAGE, a new caption and optionally the current one" >&2; usage; }
image=${args[0]}
captions=("${args[@]:1}")
[ -r "$image" ] || { echo "text-diff: cannot read '$image'" >&2; exit 1; }
columns=$(echo "$angles" | tr ',' '\n' | grep -c .)
base=$(decoder_size "$decoder")
size=${size:-$base}
ups=$(upsample_chain "$size" "$base")
needed=("$clip" "$decoder")
[ "$ups" -gt 0 ] && needed+=("$upsampler")
require_models text-diff "${needed[@]}"
source "$here/../bin/unclip-env"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unclip-png --size "$base" "$image" \
    | unclip-image --model "$clip" \
    | cached unclip-invert --model "$decoder" --steps "$steps" > "$work/image.st"
# The captions as one frame: text.embed row 0 the new caption, row 1 the current one.
unclip-text --model "$clip" -- "${captions[@]}" > "$work/text.st"
unclip-tensors paste "$work/image.st" "$work/text.st" \
    | unclip-mix text-diff --angles "$angles" \
    | cached unclip-decode --model "$decoder" --steps "$steps" --guidance 1 --eta 0 --no-clip --seed "$seed" \
    | upsample "$ups" --steps "$up_steps" \
    | unclip-png --grid --columns "$columns" -o "$out"
