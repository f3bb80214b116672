#!/bin/sh
# Trains the embedded unCLIP decoder (64x64) on the Shapes world and installs it as pipelines/models/decoder.
# Resumable: run it again after an interruption (Ctrl-C / SIGTERM checkpoint first) and it continues exactly.
#   pipelines/train-decoder.sh [RUN_DIR [CLIP_DIR]]   (defaults: .build/runs/decoder, pipelines/models/clip)
# Another session can continue the shipped weights with a fresh optimizer (nothing but the repo survives):
#   .build/release/unclip-train decoder --out NEW_RUN --init pipelines/models/decoder --clip pipelines/models/clip ...
# The decoder is tied to its CLIP: retrain it (or at least continue it with --init) whenever the CLIP changes.
# Recipe and measured results: pipelines/models/decoder/MODEL_CARD.md.
set -eu
cd "$(dirname "$0")/.."
RUN=${1:-.build/runs/decoder}
CLIP=${2:-pipelines/models/clip}
STEPS=${STEPS:-3000}
LOW_RES_STEPS=${LOW_RES_STEPS:-1100}
swift build -c release --product unclip-train >&2
if [ -f "$RUN/checkpoint.safetensors" ]; then
    START="--resume"
else
    START="--clip $CLIP"
fi
.build/release/unclip-train decoder --out "$RUN" $START --steps "$STEPS" --batch 32 --lr 1e-3 --warmup 100 \
    --ema 0.999 --min-snr 5 --low-res 32 --low-res-steps "$LOW_RES_STEPS" --objects 1 \
    --channels 32,64,128 --layers 1 --head-dim 32 --size 64 \
    --checkpoint-every 50 --eval-every 250 --eval-scenes 48 --log-every 10
mkdir -p pipelines/models/decoder/decoder pipelines/models/decoder/text_proj
for f in decoder/config.json decoder/diffusion_pytorch_model.safetensors text_proj/config.json \
    text_proj/diffusion_pytorch_model.safetensors unconditional.safetensors; do
    cp "$RUN/$f" "pipelines/models/decoder/$f"
done
.build/release/unclip-train decoder-eval --model pipelines/models/decoder --clip "$CLIP" --scenes 200
