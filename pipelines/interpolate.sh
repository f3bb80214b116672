#!/usr/bin/env bash
# Interpolation: two images (or, with --prompts, two prompts) -> image embeddings -> unclip-mix slerp --steps K
# -> unclip-decode (DDIM, eta 0) -> upsamplers -> one contact sheet PNG, left to right from A to B.
#   pipelines/interpolate.sh [options] A B
#   --prompts        A and B are prompts (unclip-text -> unclip-prior) instead of image files
#   --frames K       images on the trajectory, ends included (default 5)
#   --noise MODE     slerp: x_T slerped between the two ends' latents (images: their DDIM inversions, so the ends
#                    reconstruct A and B); fixed: A's x_T for the whole trajectory (default slerp)
#   --size PX        64, 256 or 1024 (the decoder's size x1, x4, x16; default the decoder's)
#   --steps N (25);  --seed S (0);  --upsample-steps N (7);  -o SHEET (default interpolation.png)
#   --cache          run the prior, inversion, decoder and upsamplers through unclip-cache (a rerun replays them)
#   --clip DIR --prior DIR --decoder DIR --upsampler DIR   (or UNCLIP_CLIP, ...; pipelines/models.sh)
set -euo pipefail
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(dirname "$0")
source "$here/models.sh"
size="" frames=5 noise=slerp prompts=0 steps=25 up_steps=7 seed=0 out=interpolation.png ends=()
while [ $# -gt 0 ]; do
    case "$1" in
    --prompts) prompts=1; shift ;;
    --frames) frames=${2:?}; shift 2 ;;
    --noise) noise=${2:?}; shift 2 ;;
    --size) size=${2:?}; shift 2 ;;
    --steps) steps=${2:?}; shift 2 ;;
    --upsample-steps) up_steps=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    -o|--output) out=${2:?}; shift 2 ;;
    --cache) unclip_cache=1; shift ;;
    --clip) clip=${2:?}; shift 2 ;;
    --prior) prior=${2:?}; shift 2 ;;
    --decoder) decoder=${2:?}; shift 2 ;;
    --upsampler) upsampler=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    --) shift; ends+=("$@"); break ;;
    -*) echo "interpolate: unknown option '$1'" >&2; usage ;;
    *) ends+=("$1"); shift ;;
    esac
done
[ ${#ends[@]} -eq 2 ] || { echo "interpolate: give exactly two images (or two prompts with --prompts)" >&2; usage; }
case "$noise" in fixed|slerp) ;; *) echo "interpolate: --noise must be fixed or slerp, not '$noise'" >&2; exit 64 ;; esac
if [ "$prompts" = 0 ]; then
    for f in "${ends[@]}"; do [ -r "$f" ] || { echo "interpolate: cannot read '$f'" >&2; exit 1; }; done
fi
base=$(decoder_size "$decoder")
size=${size:-$base}
ups=$(upsample_chain "$size" "$base")
needed=("$clip" "$decoder")
[ "$prompts" = 1 ] && needed+=("$prior")
[ "$ups" -gt 0 ] && needed+=("$upsampler")
require_models interpolate "${needed[@]}"
source "$here/../bin/unclip-env"

# The two ends as one frame of two items with image.embed and an x_T (latent or noise) each.
ends() {
    if [ "$prompts" = 1 ]; then
        # The prior's embeddings; a two-step decode only draws the two x_T (`noise`) from the seed.
        unclip-text --model "$clip" -- "${ends[@]}" \
            | cached unclip-prior --model "$prior" --steps "$steps" --seed "$seed" \
            | unclip-decode --model "$decoder" --steps 2 --guidance 1 --seed "$seed" -q
    else
        unclip-png --size "$base" "${ends[@]}" \
            | unclip-image --model "$clip" \
            | cached unclip-invert --model "$decoder" --steps "$steps"
    fi
}
# Inverted latents are replayed by the unclamped sampler the inversion mirrors.
clamp=()
[ "$prompts" = 0 ] && clamp=(--no-clip)
ends \
    | unclip-mix slerp --steps "$frames" --noise "$noise" \
    | cached unclip-decode --model "$decoder" --steps "$steps" --guidance 1 --eta 0 "${clamp[@]}" --seed "$seed" \
    | upsample "$ups" --steps "$up_steps" \
    | unclip-png --grid --columns "$frames" -o "$out"
