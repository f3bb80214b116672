#!/bin/sh
# Trains the embedded CLIP on the Shapes world and installs it as pipelines/models/clip.
# Resumable: run it again after an interruption (Ctrl-C / SIGTERM checkpoint first) and it continues exactly.
#   pipelines/train-clip.sh [RUN_DIR]        (default RUN_DIR: .build/runs/clip)
# Measured here: about 0.3-0.6 steps/s at batch 128 on 2 shared cores; 1200 steps took about 50 minutes.
set -eu
cd "$(dirname "$0")/.."
RUN=${1:-.build/runs/clip}
swift build -c release --product unclip-train >&2
RESUME=
[ -f "$RUN/checkpoint.safetensors" ] && RESUME=--resume
.build/release/unclip-train clip --out "$RUN" $RESUME --steps 1200 --batch 128 --lr 7e-4 --warmup 150 \
    --width 128 --layers 4 --heads 4 --projection 128 --image-size 64 --patch 8 --context 32 \
    --checkpoint-every 50 --eval-every 400 --log-every 25
mkdir -p pipelines/models/clip
cp "$RUN/config.json" "$RUN/model.safetensors" "$RUN/merges.txt" "$RUN/vocab.json" pipelines/models/clip/
.build/release/unclip-train clip-eval --model pipelines/models/clip
