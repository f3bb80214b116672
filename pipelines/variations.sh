#!/usr/bin/env bash
# Variations: an image -> unclip-png -> unclip-image -> unclip-invert (x_T under its own embedding z_i) ->
# unclip-decode with DDIM eta (0 reconstructs the image; larger gives larger variations) -> upsamplers -> PNGs.
#   pipelines/variations.sh [options] IMAGE
#   --samples N      variations, each decoded with seed S + k (default 4)
#   --eta E          DDIM stochasticity (default 1; 0 = reconstruction)
#   --size PX        64, 256 or 1024 (the decoder's size x1, x4, x16; default the largest)
#   --steps N        inversion and decoder steps (25);  --guidance G (1 = exact inversion);  --seed S (0)
#   --upsample-steps N (7);  -o PATTERN (default variation-%n.png)
#   --sheet FILE     also write IMAGE (at --size) and every variation as one contact sheet
#   --cache          run the inversion, decoder and upsamplers through unclip-cache (a rerun replays them)
#   --clip DIR --decoder DIR --upsampler DIR   (or UNCLIP_CLIP, UNCLIP_DECODER, UNCLIP_UPSAMPLER; pipelines/models.sh)
set -euo pipefail
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(dirname "$0")
source "$here/models.sh"
size="" samples=4 eta=1 steps=25 guidance=1 up_steps=7 seed=0 out=variation-%n.png sheet="" images=()
while [ $# -gt 0 ]; do
    case "$1" in
    --size) size=${2:?}; shift 2 ;;
    --samples) samples=${2:?}; shift 2 ;;
    --eta) eta=${2:?}; shift 2 ;;
    --steps) steps=${2:?}; shift 2 ;;
    --guidance) guidance=${2:?}; shift 2 ;;
    --upsample-steps) up_steps=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    -o|--output) out=${2:?}; shift 2 ;;
    --sheet) sheet=${2:?}; shift 2 ;;
    --cache) unclip_cache=1; shift ;;
    --clip) clip=${2:?}; shift 2 ;;
    --decoder) decoder=${2:?}; shift 2 ;;
    --upsampler) upsampler=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "variations: unknown option '$1'" >&2; usage ;;
    *) images+=("$1"); shift ;;
    esac
done
[ ${#images[@]} -eq 1 ] || { echo "variations: give exactly one IMAGE" >&2; usage; }
[ -r "${images[0]}" ] || { echo "variations: cannot read '${images[0]}'" >&2; exit 1; }
[[ $samples =~ ^[1-9][0-9]*$ ]] || { echo "variations: --samples must be a positive integer, not '$samples'" >&2; exit 64; }
[[ $seed =~ ^[0-9]+$ ]] || { echo "variations: --seed must be a non-negative integer, not '$seed'" >&2; exit 64; }
base=$(decoder_size "$decoder")
size=${size:-$((16 * base))}
ups=$(upsample_chain "$size" "$base")
needed=("$clip" "$decoder")
[ "$ups" -gt 0 ] && needed+=("$upsampler")
require_models variations "${needed[@]}"
source "$here/../bin/unclip-env"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unclip-png --size "$base" "${images[0]}" \
    | unclip-image --model "$clip" \
    | cached unclip-invert --model "$decoder" --steps "$steps" --guidance "$guidance" > "$work/inverted.st"
# One frame per variation, all from the same latent, with seeds S, S + 1, ...; --no-clip is the sampler the
# inversion mirrors (a clamped x0 cannot be undone), so that eta 0 gives the image back.
for ((k = 0; k < samples; k++)); do
    cached unclip-decode --model "$decoder" --steps "$steps" --guidance "$guidance" --eta "$eta" --no-clip \
        --seed $((seed + k)) < "$work/inverted.st"
done \
    | upsample "$ups" --steps "$up_steps" > "$work/variations.st"
unclip-png -o "$out" < "$work/variations.st"
if [ -n "$sheet" ]; then
    unclip-png --size "$size" "${images[0]}" > "$work/input.st"
    unclip-tensors cat "$work/input.st" "$work/variations.st" | unclip-tensors select image \
        | unclip-png --grid --columns $((samples + 1)) -o "$sheet"
fi
