#!/bin/sh
# The embedded ranking CLIP: pipelines/models/clip continued with composition hard negatives (places swapped,
# colours swapped, first object twice) and shape hard negatives, installed as pipelines/models/clip-rank.
#   pipelines/train-clip-rank.sh [RUN_DIR]   (default .build/runs/clip-rank)
# These are the commands of the session-11 run (2026-12-01, 08:06-08:45 UTC); the model card has its evaluations.
# Resumable: run it again after an interruption (Ctrl-C / SIGTERM checkpoint first).
set -eu
cd "$(dirname "$0")/.."
RUN=${1:-.build/runs/clip-rank}
swift build -c release --product unclip-train >&2
BIN=.build/release/unclip-train
START="--init pipelines/models/clip"
[ -f "$RUN/checkpoint.safetensors" ] && START=--resume
$BIN clip --out "$RUN" $START --batch 128 --lr 3e-4 --warmup 50 --shape-group 4 --composition-groups --objects 1-3 \
    --steps 2500 --seed 12 --eval-every 500 --eval-scenes 300 --eval-pairs 300 --log-every 50 --checkpoint-every 100
mkdir -p pipelines/models/clip-rank
cp "$RUN/config.json" "$RUN/model.safetensors" "$RUN/merges.txt" "$RUN/vocab.json" pipelines/models/clip-rank/
cp "$RUN/log.tsv" pipelines/models/clip-rank/training-log.tsv
