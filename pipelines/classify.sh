#!/usr/bin/env bash
# Zero-shot classification of a folder of images with CLIP: lines FILE<TAB>LABEL<TAB>PROBABILITY (0 to 1).
#   pipelines/classify.sh [--clip DIR] [--top N] FOLDER LABEL...     e.g. classify.sh photos cat dog "red car"
#   --top N      the N most probable labels of each image, one line each, best first (default 1)
#   --clip DIR   the CLIP model folder (or UNCLIP_CLIP; default the embedded pipelines/models/clip)
# Reads FOLDER's *.png, *.jpg and *.jpeg files in name order (not subfolders); OpenAI's 80 prompt templates.
set -euo pipefail
usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(dirname "$0")
source "$here/models.sh"
top=1 operands=()
while [ $# -gt 0 ]; do
    case "$1" in
    --clip) clip=${2:?}; shift 2 ;;
    --top) top=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    --) shift; operands+=("$@"); break ;;
    -*) echo "classify: unknown option '$1'" >&2; usage ;;
    *) operands+=("$1"); shift ;;
    esac
done
[ ${#operands[@]} -ge 2 ] || { echo "classify: give a FOLDER and at least one LABEL" >&2; usage; }
[[ $top =~ ^[1-9][0-9]*$ ]] || { echo "classify: --top must be a positive integer, not '$top'" >&2; exit 64; }
require_models classify "$clip"
folder_images classify "${operands[0]}"
source "$here/../bin/unclip-env"
# One label per line, so labels may hold commas; images at the CLIP's own size (its preprocessing is then exact).
image_frames "$(clip_image_size "$clip")" "${images[@]}" \
    | unclip-classify --model "$clip" --classes-file <(printf '%s\n' "${operands[@]:1}") --format tsv --top "$top"
