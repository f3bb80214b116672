#!/bin/sh
# The embedded CLIP's second part: train-clip.sh's CLIP continued with hard negatives for shape (`--shape-group 4`:
# batches of four scenes that differ only in the first object's shape), installed as pipelines/models/clip.
#   pipelines/train-clip-shapes.sh [RUN_DIR [BASE_CLIP]]   (defaults: .build/runs, RUN_DIR/clip; result in
#                                                           RUN_DIR/clip-shapes)
# The shipped CLIP was made from the previous embedded CLIP (main commit 4b7336f's pipelines/models/clip, which
# train-clip.sh approximates) by exactly these commands. The priors and decoders read the CLIP's embeddings: after
# installing a new CLIP, retrain them on it (train-priors.sh, train-decoder.sh).
# Resumable: run it again after an interruption (Ctrl-C / SIGTERM checkpoint first); each part continues exactly.
# These are the commands of the session-8 run (2026-11-30, 22:21-23:49 UTC, ~0.6 s per step on 2 cores), in order:
#   A. 1,000 steps of single objects from the base CLIP's weights (fresh optimizer), data seed 8;
#   B. from A's weights (fresh optimizer), a 5,000-step cosine with data seed 9: single objects to step 2,149,
#      then one and two objects (the shape group varies the first object; captions keep their relations).
# In-training evaluations (300 scenes per split, 300 pairs), zero-shot shape: base 75%, after A 81.7%, B at
# 1,000 85.0%, 2,000 90.7%, 3,000 92.3%, 4,000 94.7%, 5,000 96.0%. The final `clip-eval` (500 scenes, 1000 pairs;
# base model in brackets): colour 99.6% (96.8), shape 96.2% (75.0), position 99.0% (93.8), count 51.6% (44.8),
# held-out pairs colour 98.0% (93.0) and shape 93.8% (73.0), recall@1 text->image 75.8% (54.6), image->text 76.8%.
set -eu
cd "$(dirname "$0")/.."
ROOT=${1:-.build/runs}
BASE=${2:-$ROOT/clip}
swift build -c release --product unclip-train >&2
BIN=.build/release/unclip-train
COMMON="--batch 128 --lr 3e-4 --warmup 50 --shape-group 4 --eval-scenes 300 --eval-pairs 300 --log-every 50"

A="$ROOT/clip-shapes-a"
if ! grep -q '^1000	loss' "$A/log.tsv" 2>/dev/null; then
    if [ ! -f "$BASE/model.safetensors" ]; then
        echo "train-clip-shapes: no CLIP in $BASE (train-clip.sh makes it)" >&2
        exit 1
    fi
    START="--init $BASE"
    [ -f "$A/checkpoint.safetensors" ] && START=--resume
    $BIN clip --out "$A" $START $COMMON --objects 1 --steps 1000 --seed 8 --eval-every 500 --checkpoint-every 250
fi
B="$ROOT/clip-shapes"
if [ ! -f "$B/single-objects.done" ]; then
    START="--init $A"
    [ -f "$B/checkpoint.safetensors" ] && START=--resume
    $BIN clip --out "$B" $START $COMMON --objects 1 --steps 5000 --seed 9 --eval-every 1000 --checkpoint-every 200 \
        --stop-at 2149 2>&1 | tee "$ROOT/clip-shapes-part1.log"
    if grep -q 'stopped at step 2149' "$ROOT/clip-shapes-part1.log"; then touch "$B/single-objects.done"; fi
fi
if [ ! -f "$B/single-objects.done" ]; then
    echo "train-clip-shapes: the single-object part stopped before step 2149; run the script again" >&2
    exit 1
fi
$BIN clip --out "$B" --resume $COMMON --objects 1-2 --steps 5000 --seed 9 --eval-every 1000 --checkpoint-every 200
mkdir -p pipelines/models/clip
cp "$B/config.json" "$B/model.safetensors" "$B/merges.txt" "$B/vocab.json" pipelines/models/clip/
$BIN clip-eval --model pipelines/models/clip
