#!/usr/bin/env bash
# Sourced by the pipelines: where the model folders are, one clear error when any is missing, and helpers they share.
# A folder comes from the pipeline's flag (--clip DIR, ...), else the environment (UNCLIP_CLIP, UNCLIP_PRIOR,
# UNCLIP_PRIOR_AR, UNCLIP_DECODER, UNCLIP_UPSAMPLER, UNCLIP_RANKER), else the embedded default pipelines/models/NAME/
# (UNCLIP_MODELS=DIR moves that root).
unclip_models=${UNCLIP_MODELS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/models}
clip=${UNCLIP_CLIP:-$unclip_models/clip}
prior=${UNCLIP_PRIOR:-$unclip_models/prior}
prior_ar=${UNCLIP_PRIOR_AR:-$unclip_models/prior-ar}
decoder=${UNCLIP_DECODER:-$unclip_models/decoder}
upsampler=${UNCLIP_UPSAMPLER:-$unclip_models/upsampler}
ranker=${UNCLIP_RANKER:-}

# pick_ranker: the CLIP that reranks decoded images, once the flags are read: --ranker / UNCLIP_RANKER, else the
# embedded clip-rank (trained on composition hard negatives) when the pipeline runs the embedded CLIP, else the
# pipeline's own CLIP.
pick_ranker() {
    [ -n "$ranker" ] && return 0
    if [ "$clip" = "$unclip_models/clip" ] && [ -d "$unclip_models/clip-rank" ]; then
        ranker=$unclip_models/clip-rank
    else
        ranker=$clip
    fi
}

# rank_images K [CLIP_DIR]: keeps the best K decoded images of every prompt by the ranker's (or CLIP_DIR's) score of
# the pixels against the prompt (the stream's embeddings are dropped: they are the prior's guess and the conditioning
# CLIP's text).
rank_images() {
    unclip-tensors drop image.embed,text.embed | unclip-rank --model "${2:-$ranker}" --keep "$1"
}

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

# cached STAGE ARGS...: runs the stage through `unclip-cache --` when a pipeline's --cache set unclip_cache=1.
unclip_cache=0
cached() {
    if [ "$unclip_cache" = 1 ]; then unclip-cache -- "$@"; else "$@"; fi
}

# upsample N: N passes of unclip-upsample over the stream (cat for none).
upsample() {
    local n=$1
    shift
    case "$n" in
    0) cat ;;
    1) cached unclip-upsample --model "$upsampler" "$@" ;;
    *) cached unclip-upsample --model "$upsampler" "$@" | cached unclip-upsample --model "$upsampler" "$@" ;;
    esac
}

# clip_image_size DIR: the CLIP's vision image_size from DIR/config.json (224 when absent).
clip_image_size() {
    local size
    size=$(sed -n 's/.*"image_size": *\([0-9][0-9]*\).*/\1/p' "$1/config.json" 2>/dev/null | head -n 1)
    echo "${size:-224}"
}

# folder_images NAME FOLDER: sets the array `images` to the folder's PNG and JPEG files (not its subfolders),
# in name order, or exits 1 naming the folder.
folder_images() {
    local name=$1 folder=$2
    [ -d "$folder" ] || { echo "$name: '$folder' is not a folder" >&2; exit 1; }
    shopt -s nullglob nocaseglob
    images=("$folder"/*.png "$folder"/*.jpg "$folder"/*.jpeg)
    shopt -u nullglob nocaseglob
    [ ${#images[@]} -gt 0 ] || { echo "$name: no PNG or JPEG files in '$folder'" >&2; exit 1; }
    mapfile -d '' images < <(printf '%s\0' "${images[@]}" | LC_ALL=C sort -z)
}

# image_frames SIZE FILE...: the files as image frames of up to 64 images each, resized to SIZE x SIZE.
image_frames() {
    local size=$1 i
    shift
    local files=("$@")
    for ((i = 0; i < ${#files[@]}; i += 64)); do unclip-png --size "$size" "${files[@]:i:64}"; done
}
