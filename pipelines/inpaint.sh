#!/usr/bin/env bash
# Inpainting, edit after edit (GLIDE's flow): an image, then one or more edits, each a REGION and a caption of what
# it should show. Each edit regenerates its region with unclip-inpaint and the next edit starts from its result; the
# last is upsampled to a PNG. The model is the embedded GLIDE-style inpainting decoder (pipelines/models/inpaint)
# unless --decoder/UNCLIP_DECODER names another: a 7-channel inpainting decoder is used as such, any other RePaint-style.
#   pipelines/inpaint.sh [options] IMAGE REGION CAPTION [REGION CAPTION]...
#   REGION           X,Y,W,H in pixels of the decoder's working image (64x64 for the embedded one), or a mask
#                    image file (PNG/JPEG, white = regenerate; painted over IMAGE at any size)
#   CAPTION          text -> unclip-text -> unclip-prior gives the conditioning; "" conditions on the current
#                    image's own CLIP embedding and the empty caption
#   --size PX        64, 256 or 1024 (the decoder's size x1, x4, x16; default the largest)
#   --steps N (25);  --guidance G (8);  --resample R (passes per step; 1, or 2 for RePaint);  --seed S (edit k: S + k)
#   --upsample-steps N (7);  -o OUT (default inpainted.png);  --sheet FILE  also write IMAGE and every edit's
#                    result at the working size as one contact sheet
#   --cache          run the prior, inpainting and upsamplers through unclip-cache (a rerun replays them)
#   --clip DIR --prior DIR --decoder DIR --upsampler DIR   (or UNCLIP_CLIP, ...; pipelines/models.sh)
set -euo pipefail
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(dirname "$0")
source "$here/models.sh"
size="" steps=25 guidance=8 resample="" up_steps=7 seed=0 out=inpainted.png sheet="" args=() chosen=${UNCLIP_DECODER:-}
while [ $# -gt 0 ]; do
    case "$1" in
    --size) size=${2:?}; shift 2 ;;
    --steps) steps=${2:?}; shift 2 ;;
    --guidance) guidance=${2:?}; shift 2 ;;
    --resample) resample=${2:?}; shift 2 ;;
    --upsample-steps) up_steps=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    -o|--output) out=${2:?}; shift 2 ;;
    --sheet) sheet=${2:?}; shift 2 ;;
    --cache) unclip_cache=1; shift ;;
    --clip) clip=${2:?}; shift 2 ;;
    --prior) prior=${2:?}; shift 2 ;;
    --decoder) decoder=${2:?} chosen=${2:?}; shift 2 ;;
    --upsampler) upsampler=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    --) shift; args+=("$@"); break ;;
    -*) echo "inpaint: unknown option '$1'" >&2; usage ;;
    *) args+=("$1"); shift ;;
    esac
done
[ ${#args[@]} -ge 3 ] && [ $((${#args[@]} % 2)) -eq 1 ] \
    || { echo "inpaint: give IMAGE and then REGION CAPTION pairs (at least one)" >&2; usage; }
[[ $seed =~ ^[0-9]+$ ]] || { echo "inpaint: --seed must be a non-negative integer, not '$seed'" >&2; exit 64; }
image=${args[0]}
[ -r "$image" ] || { echo "inpaint: cannot read '$image'" >&2; exit 1; }
[ -z "$chosen" ] && [ -d "$unclip_models/inpaint" ] && decoder=$unclip_models/inpaint
# RePaint (a plain decoder) resamples each step twice by default; the inpainting decoder needs no resampling.
if grep -Eq '"in_channels" *: *7' "$decoder/decoder/config.json" 2>/dev/null; then resample=${resample:-1}; fi
resample=${resample:-2}
base=$(decoder_size "$decoder")
size=${size:-$((16 * base))}
ups=$(upsample_chain "$size" "$base")
needed=("$clip" "$decoder")
captioned=0
for ((i = 2; i < ${#args[@]}; i += 2)); do [ -n "${args[i]}" ] && captioned=1; done
[ "$captioned" = 1 ] && needed+=("$prior")
[ "$ups" -gt 0 ] && needed+=("$upsampler")
require_models inpaint "${needed[@]}"
for ((i = 1; i < ${#args[@]}; i += 2)); do
    region=${args[i]}
    [[ $region =~ ^[0-9]+,[0-9]+,[0-9]+,[0-9]+$ ]] || [ -r "$region" ] \
        || { echo "inpaint: REGION '$region' is neither X,Y,W,H nor a readable mask image" >&2; exit 64; }
done
source "$here/../bin/unclip-env"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unclip-png --size "$base" "$image" > "$work/current.st"
cp "$work/current.st" "$work/history.st"
edit=0
for ((i = 1; i < ${#args[@]}; i += 2)); do
    region=${args[i]} caption=${args[i + 1]}
    if [[ $region =~ ^[0-9]+,[0-9]+,[0-9]+,[0-9]+$ ]]; then where=(--rect "$region"); else where=(--mask "$region"); fi
    unclip-tensors select image "$work/current.st" > "$work/image.st"
    if [ -n "$caption" ]; then
        # The caption's text tensors and the prior's image embedding for it.
        unclip-text --model "$clip" -- "$caption" \
            | cached unclip-prior --model "$prior" --seed $((seed + edit)) > "$work/condition.st"
        unclip-tensors paste "$work/image.st" "$work/condition.st"
    else
        unclip-image --model "$clip" < "$work/image.st"
    fi \
        | cached unclip-inpaint --model "$decoder" "${where[@]}" --steps "$steps" --guidance "$guidance" \
            --resample "$resample" --seed $((seed + edit)) > "$work/next.st"
    mv "$work/next.st" "$work/current.st"
    unclip-tensors select image "$work/current.st" >> "$work/history.st"
    edit=$((edit + 1))
done
if [ -n "$sheet" ]; then
    unclip-png --grid --columns $((edit + 1)) -o "$sheet" < "$work/history.st"
fi
upsample "$ups" --steps "$up_steps" < "$work/current.st" | unclip-png -o "$out"
