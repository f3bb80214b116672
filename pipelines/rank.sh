#!/usr/bin/env bash
# Ranks a folder of images against a prompt with CLIP: lines FILE<TAB>SCORE, best first (SCORE = cosine similarity
# of the image and prompt embeddings).
#   pipelines/rank.sh [--clip DIR] [--top N] FOLDER PROMPT       e.g. rank.sh renders "a red circle"
#   --top N      only the best N images (default all)
#   --clip DIR   the CLIP model folder (or UNCLIP_CLIP; default the embedded pipelines/models/clip)
# Reads FOLDER's *.png, *.jpg and *.jpeg files (not subfolders). To keep the best of generated samples per prompt
# instead, see pipelines/rerank.sh.
set -euo pipefail
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(dirname "$0")
source "$here/models.sh"
top="" operands=()
while [ $# -gt 0 ]; do
    case "$1" in
    --clip) clip=${2:?}; shift 2 ;;
    --top) top=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    --) shift; operands+=("$@"); break ;;
    -*) echo "rank: unknown option '$1'" >&2; usage ;;
    *) operands+=("$1"); shift ;;
    esac
done
[ ${#operands[@]} -eq 2 ] || { echo "rank: give a FOLDER and one PROMPT" >&2; usage; }
if [ -n "$top" ] && ! [[ $top =~ ^[1-9][0-9]*$ ]]; then
    echo "rank: --top must be a positive integer, not '$top'" >&2; exit 64
fi
require_models rank "$clip"
folder_images rank "${operands[0]}"
source "$here/../bin/unclip-env"
# unclip-rank orders each frame (64 images); sort(1) merges the frames (stable: ties stay in name order).
image_frames "$(clip_image_size "$clip")" "${images[@]}" \
    | unclip-rank --model "$clip" --prompt "${operands[1]}" --keep 1000000 --format tsv \
    | LC_ALL=C sort -s -t "$(printf '\t')" -k2,2gr \
    | awk -v top="${top:-0}" 'top == 0 || NR <= top'
