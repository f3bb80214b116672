#!/bin/sh
# Trains the embedded CLIP's first part on the Shapes world (the BPE vocabulary and contrastive training from scratch);
# train-clip-shapes.sh continues it with hard negatives for shape and installs the result as pipelines/models/clip.
# Resumable: run it again after an interruption (Ctrl-C / SIGTERM checkpoint first) and it continues exactly.
#   pipelines/train-clip.sh [RUN_DIR]        (default RUN_DIR: .build/runs/clip)
# The first part of the shipped model (see pipelines/models/clip/MODEL_CARD.md) was trained in resumed pieces: 1-3
# objects to step 1180, then single objects (--objects 1), with the schedule length changed on resume. This script
# is that recipe with one schedule and single objects throughout (shape is what needs the steps); it has not been
# rerun end to end.
# It then continued 1300 steps from its own weights (--init; see MODEL_CARD.md).
# Speed: 1-3 steps/s at batch 128 on 2 cores (0.3 under heavy load).
set -eu
cd "$(dirname "$0")/.."
RUN=${1:-.build/runs/clip}
swift build -c release --product unclip-train >&2
RESUME=
[ -f "$RUN/checkpoint.safetensors" ] && RESUME=--resume
.build/release/unclip-train clip --out "$RUN" $RESUME --steps 4500 --objects 1 --batch 128 --lr 7e-4 --warmup 150 \
    --width 128 --layers 4 --heads 4 --projection 128 --image-size 64 --patch 8 --context 32 \
    --checkpoint-every 50 --eval-every 400 --log-every 25
.build/release/unclip-train clip-eval --model "$RUN"
