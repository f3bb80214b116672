#!/bin/sh
# Trains the embedded diffusion upsamplers on the Shapes world and installs them as pipelines/models/upsampler/
# (64-256/ and 256-1024/: the chain folder unclip-upsample and pipelines/models.sh load with no extra flags).
#   pipelines/train-upsamplers.sh [RUN_ROOT]      (default RUN_ROOT: .build/runs)
# This is the exact lineage of the shipped models (see pipelines/models/upsampler/MODEL_CARD.md): two exploratory
# ε-prediction phases, then v-prediction at 256 (phases 3 and 5), the 1024 model started from phase 3. Each phase is its
# own run folder; run the script again after an interruption (Ctrl-C / SIGTERM checkpoint first) and the phase in
# progress resumes exactly, finished phases are skipped. To continue the shipped models in a later session (fresh
# optimizer), start a new run from them, e.g.
#   .build/release/unclip-train upsampler --out DIR --init pipelines/models/upsampler/64-256 --target 256 --steps N
# All runs use nice -n 10 (the machine is shared with the decoder's training).
set -eu
cd "$(dirname "$0")/.."
ROOT=${1:-.build/runs}
swift build -c release --product unclip-train >&2
mkdir -p "$ROOT"

# phase DIR STEPS INIT ARGS...: create DIR (from INIT's weights unless INIT is -) or resume it; skip when done.
phase() {
    dir=$1 steps=$2 init=$3
    shift 3
    start=
    if [ -f "$dir/checkpoint.safetensors" ]; then
        done_steps=$(head -c 4096 "$dir/checkpoint.safetensors" | LC_ALL=C sed -n 's/.*"optimizer.step":"\([0-9]*\)".*/\1/p')
        [ "${done_steps:-0}" -ge "$steps" ] && return 0
        start=--resume
    elif [ "$init" != - ]; then
        start="--init $init"
    fi
    # shellcheck disable=SC2086
    nice -n 10 .build/release/unclip-train upsampler --out "$dir" $start --steps "$steps" "$@" \
        --checkpoint-every 25 --log-every 10
}
small="--target 256 --crop 64 --corruption blur --batch 8 --ema 0.99"
# 64 -> 256 (Gaussian-blurred conditioning, 64x64 crops of 256x256 renders), 688k parameters.
phase "$ROOT/upsampler-256" 600 - $small --channels 16,32,64 --layers 1 --groups 8 \
    --lr 1e-3 --warmup 30 --min-snr 5 --prediction epsilon --seed 0
phase "$ROOT/upsampler-256b" 600 "$ROOT/upsampler-256" $small --lr 5e-4 --warmup 20 --min-snr 0 \
    --prediction epsilon --seed 2
phase "$ROOT/upsampler-256v" 700 "$ROOT/upsampler-256b" $small --lr 8e-4 --warmup 20 --min-snr 5 \
    --prediction v --seed 3
# The shipped 64 -> 256 model: phase 5, a longer v run from phase 3 (the 1024 model below starts from phase 3).
phase "$ROOT/upsampler-256v2" 1500 "$ROOT/upsampler-256v" --target 256 --crop 64 --corruption blur --batch 8 \
    --ema 0.995 --lr 4e-4 --warmup 20 --min-snr 5 --prediction v --seed 5
# 256 -> 1024 (BSR-style conditioning: blur, resize, noise, JPEG; 256x256 crops of 1024x1024 renders), started
# from the 64 -> 256 model (the same fully convolutional network).
phase "$ROOT/upsampler-1024" 400 "$ROOT/upsampler-256v" --target 1024 --crop 256 --corruption bsr --batch 2 \
    --ema 0.99 --lr 5e-4 --warmup 20 --min-snr 5 --prediction v --seed 4

install() { # install RUN NAME: the exported model of RUN as pipelines/models/upsampler/NAME
    mkdir -p "pipelines/models/upsampler/$2"
    for f in config.json scheduler_config.json diffusion_pytorch_model.safetensors training.json; do
        cp "$1/$f" "pipelines/models/upsampler/$2/"
    done
}
install "$ROOT/upsampler-256v2" 64-256
install "$ROOT/upsampler-1024" 256-1024
.build/release/unclip-train upsampler-eval --model pipelines/models/upsampler/64-256 --scenes 16 --batch 4
.build/release/unclip-train upsampler-eval --model pipelines/models/upsampler/256-1024 --scenes 4
