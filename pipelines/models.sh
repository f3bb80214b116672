#!/usr/bin/env bash
# Sourced by the pipelines: where the model folders are, and one clear error when any is missing.
# A folder comes from the pipeline's flag (--clip DIR, ...), else the environment (UNCLIP_CLIP, UNCLIP_PRIOR,
# UNCLIP_PRIOR_AR, UNCLIP_DECODER, UNCLIP_UPSAMPLER), else the embedded default pipelines/models/NAME/
# (UNCLIP_MODELS=DIR moves that root).
unclip_models=${UNCLIP_MODELS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/models}
clip=${UNCLIP_CLIP:-$unclip_models/clip}
prior=${UNCLIP_PRIOR:-$unclip_models/prior}
prior_ar=${UNCLIP_PRIOR_AR:-$unclip_models/prior-ar}
decoder=${UNCLIP_DECODER:-$unclip_models/decoder}
upsampler=${UNCLIP_UPSAMPLER:-$unclip_models/upsampler}

# require_models PIPELINE DIR... : exits 1 with one line naming every missing folder.
require_models() {
    local name=$1 missing=() dir
    shift
    for dir in "$@"; do [ -d "$dir" ] || missing+=("$dir"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "$name: missing model folder(s): ${missing[*]} (the embedded models are not trained yet; pass --clip/--prior/--prior-ar/--decoder/--upsampler DIR or set UNCLIP_CLIP, ...)" >&2
    exit 1
}

# decoder_size DIR: the decoder's sample_size from DIR/decoder/config.json (64 when absent, Karlo's).
decoder_size() {
    local size
    size=$(sed -n 's/.*"sample_size": *\([0-9][0-9]*\).*/\1/p' "$1/decoder/config.json" 2>/dev/null | head -n 1)
    echo "${size:-64}"
}

# upsample_chain SIZE BASE: how many 4x upsamplers take BASE to SIZE (0, 1 or 2), or exits 64.
upsample_chain() {
    local size=$1 base=$2
    case "$size" in
    "$base") echo 0 ;;
    "$((4 * base))") echo 1 ;;
    "$((16 * base))") echo 2 ;;
    *) echo "unclip: --size must be $base, $((4 * base)) or $((16 * base)) (the decoder's size times 1, 4 or 16), not '$size'" >&2; exit 64 ;;
    esac
}

# upsample N: N passes of unclip-upsample over the stream (cat for none).
upsample() {
    local n=$1
    shift
    case "$n" in
    0) cat ;;
    1) unclip-upsample --model "$upsampler" "$@" ;;
    *) unclip-upsample --model "$upsampler" "$@" | unclip-upsample --model "$upsampler" "$@" ;;
    esac
}
