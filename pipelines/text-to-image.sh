#!/usr/bin/env bash
# Text to image: prompts -> unclip-text -> unclip-prior (or unclip-prior-ar) -> unclip-decode -> unclip-upsample x2 -> PNGs.
#   pipelines/text-to-image.sh [options] PROMPT...
#   --size PX        64, 256 or 1024 (the decoder's size x1, x4, x16; default the largest): stops the pipe early
#   --samples N      images per prompt (default 1);  --rerank K  keep the best K of the N (unclip-rank with
#                    --ranker, default the embedded clip-rank; see pipelines/models.sh)
#   --ar             the autoregressive prior (unclip-prior-ar) instead of the diffusion prior
#   --steps N        decoder steps (25);  --prior-steps N (25);  --upsample-steps N (7);  --seed S (0)
#   --image-guidance S  the decoder's image embedding on its own scale S (default 3), its --guidance 8 then on
#                    the caption alone (unclip-decode --image-guidance; README "Two objects"); `off`: one scale, 8
#   -o PATTERN       PNG names (default unclip-%n.png; %n image number, see unclip-png)
#   --cache          run the prior, decoder and upsamplers through unclip-cache (a rerun replays their output)
#   --clip DIR --prior DIR --prior-ar DIR --decoder DIR --upsampler DIR --ranker DIR   (or UNCLIP_CLIP, ...;
#                    pipelines/models.sh)
set -euo pipefail
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(dirname "$0")
source "$here/models.sh"
size="" samples=1 rerank="" ar=0 steps=25 prior_steps=25 up_steps=7 seed=0 out=unclip-%n.png prompts=()
image_guidance=(--image-guidance 3)
while [ $# -gt 0 ]; do
    case "$1" in
    --size) size=${2:?}; shift 2 ;;
    --samples) samples=${2:?}; shift 2 ;;
    --rerank) rerank=${2:?}; shift 2 ;;
    --ar) ar=1; shift ;;
    --steps) steps=${2:?}; shift 2 ;;
    --prior-steps) prior_steps=${2:?}; shift 2 ;;
    --upsample-steps) up_steps=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --image-guidance)
        if [ "${2:?}" = off ]; then image_guidance=(); else image_guidance=(--image-guidance "$2"); fi
        shift 2 ;;
    -o|--output) out=${2:?}; shift 2 ;;
    --cache) unclip_cache=1; shift ;;
    --clip) clip=${2:?}; shift 2 ;;
    --prior) prior=${2:?}; shift 2 ;;
    --prior-ar) prior_ar=${2:?}; shift 2 ;;
    --decoder) decoder=${2:?}; shift 2 ;;
    --upsampler) upsampler=${2:?}; shift 2 ;;
    --ranker) ranker=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    --) shift; prompts+=("$@"); break ;;
    -*) echo "text-to-image: unknown option '$1'" >&2; usage ;;
    *) prompts+=("$1"); shift ;;
    esac
done
[ ${#prompts[@]} -gt 0 ] || { echo "text-to-image: give at least one PROMPT" >&2; usage; }
[[ $samples =~ ^[1-9][0-9]*$ ]] || { echo "text-to-image: --samples must be a positive integer, not '$samples'" >&2; exit 64; }
if [ -n "$rerank" ] && { ! [[ $rerank =~ ^[1-9][0-9]*$ ]] || [ "$rerank" -gt "$samples" ]; }; then
    echo "text-to-image: --rerank K needs 1 <= K <= --samples ($samples), not '$rerank'" >&2; exit 64
fi
if [ "$ar" = 1 ]; then prior_dir=$prior_ar; else prior_dir=$prior; fi
base=$(decoder_size "$decoder")
size=${size:-$((16 * base))}
ups=$(upsample_chain "$size" "$base")
needed=("$clip" "$prior_dir" "$decoder")
[ "$ups" -gt 0 ] && needed+=("$upsampler")
pick_ranker
[ -n "$rerank" ] && needed+=("$ranker")
require_models text-to-image "${needed[@]}"
source "$here/../bin/unclip-env"

draw() {
    if [ "$ar" = 1 ]; then
        cached unclip-prior-ar --model "$prior_ar" --samples-per-prompt "$samples" --seed "$seed"
    else
        cached unclip-prior --model "$prior" --steps "$prior_steps" --samples-per-prompt "$samples" --seed "$seed"
    fi
}
# Reranking scores the decoded images (not the prior's embeddings) against their prompts.
rank() {
    if [ -n "$rerank" ]; then rank_images "$rerank"; else cat; fi
}
unclip-text --model "$clip" -- "${prompts[@]}" \
    | draw \
    | cached unclip-decode --model "$decoder" --steps "$steps" --seed "$seed" \
        ${image_guidance[@]+"${image_guidance[@]}"} \
    | rank \
    | upsample "$ups" --steps "$up_steps" \
    | unclip-png -o "$out"
