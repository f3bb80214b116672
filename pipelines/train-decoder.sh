#!/bin/sh
# Trains the embedded unCLIP decoder (64x64) and the GLIDE-style inpainting decoder on the Shapes world, in the
# phases the shipped models were made in (pipelines/models/decoder/MODEL_CARD.md), and installs them as
# pipelines/models/decoder and pipelines/models/inpaint.
#   pipelines/train-decoder.sh [RUN_DIR [CLIP_DIR [FIRST_CLIP_DIR]]]
#   (defaults: .build/runs, pipelines/models/clip, RUN_DIR/clip). Phases 2-5 and the inpainting decoder's first part
#   were trained on the first part of the CLIP (train-clip.sh's, FIRST_CLIP_DIR), phases 6-7 and the inpainting
#   decoder's second part on the final one (CLIP_DIR, after train-clip-shapes.sh).
# Resumable at every step: run it again after an interruption (Ctrl-C / SIGTERM checkpoint first); finished
# phases are skipped, the interrupted one resumes exactly. A phase that ends early (--stop-at) is where a working
# session ran out; its cosine schedule was planned to --steps.
# Not reproduced: the shipped decoder's first 193 steps (phase 1) were trained on an earlier CLIP, whose weights are
# gone; phase 2 here starts from random weights instead.
# The decoder is tied to its CLIP: retrain it (or at least continue it with --init) whenever the CLIP changes.
set -eu
cd "$(dirname "$0")/.."
ROOT=${1:-.build/runs}
CLIP=${2:-pipelines/models/clip}
FIRST_CLIP=${3:-$ROOT/clip}
swift build -c release --product unclip-train >&2
BIN=.build/release/unclip-train
mkdir -p "$ROOT"

# phase CLIP COMMAND DIR UNTIL START ARGS...: trains DIR on CLIP's embeddings until step UNTIL (resuming it if it
# has a checkpoint, else starting with START: "-" for a fresh decoder, or a folder to --init from).
phase() {
    clip=$1 command=$2 dir=$3 until=$4 start=$5
    shift 5
    if [ -f "$dir/checkpoint.safetensors" ]; then
        done_steps=$(head -c 4096 "$dir/checkpoint.safetensors" | LC_ALL=C sed -n 's/.*"optimizer.step":"\([0-9]*\)".*/\1/p')
        [ "${done_steps:-0}" -ge "$until" ] && return 0
        from=--resume
    elif [ "$start" = - ]; then
        from="--clip $clip"
    else
        from="--init $start --clip $clip"
    fi
    # shellcheck disable=SC2086
    nice -n 5 $BIN "$command" --out "$dir" $from --stop-at "$until" "$@" --checkpoint-every 50 --log-every 10
}

# Phase 2: single objects, 32x32 for 1,100 steps then 64x64, batch 32 until step 1,121, then batch 16 (more
# updates per minute at 64x64).
p2="--steps 3000 --lr 1e-3 --warmup 100 --ema 0.999 --min-snr 5 --low-res 32 --low-res-steps 1100 --objects 1
    --channels 32,64,128 --layers 1 --head-dim 32 --size 64 --eval-every 250 --eval-scenes 48"
# shellcheck disable=SC2086
phase "$FIRST_CLIP" decoder "$ROOT/decoder-p2" 1121 - $p2 --batch 32
# shellcheck disable=SC2086
phase "$FIRST_CLIP" decoder "$ROOT/decoder-p2" 3000 - $p2 --batch 16
# Phases 3-6 and the inpainting runs: one and two objects at batch 16, each starting with a fresh optimizer.
late="--batch 16 --warmup 50 --objects 1-2"  # word-split on purpose, as $p2
# Phase 3: one and two objects, a fresh optimizer; stopped at 1,532 of a schedule planned to 4,500.
phase "$FIRST_CLIP" decoder "$ROOT/decoder-p3" 1532 "$ROOT/decoder-p2" --steps 4500 --lr 5e-4 $late \
    --eval-every 500 --seed 0
# Phase 4: the same data from other seeds, lr 4e-4; stopped at 1,398 of a schedule planned to 2,600.
phase "$FIRST_CLIP" decoder "$ROOT/decoder-p4" 1398 "$ROOT/decoder-p3" --steps 2600 --lr 4e-4 $late \
    --eval-every 1300 --seed 4
# Phase 5: the same data from seed 5, lr 3e-4; stopped at 1,302 of a schedule planned to 1,500 (lr 2.8e-5 there).
phase "$FIRST_CLIP" decoder "$ROOT/decoder-p5" 1302 "$ROOT/decoder-p4" --steps 1500 --lr 3e-4 $late \
    --eval-every 1200 --seed 5
# The inpainting decoder: phase 3's decoder with conv_in widened for [x_t, kept image, keep mask] (GLIDE), on
# random boxes and strokes.
phase "$FIRST_CLIP" inpaint "$ROOT/inpaint" 800 "$ROOT/decoder-p3" --steps 800 --lr 3e-4 $late \
    --eval-every 0 --seed 7
# Both moved onto the final CLIP (hard negatives for shape): the decoder 3,000 + 2,400 more steps, the inpainting
# decoder 400 + 400.
phase "$CLIP" decoder "$ROOT/decoder-p6" 3000 "$ROOT/decoder-p5" --steps 3000 --lr 3e-4 $late \
    --eval-every 1000 --seed 6
phase "$CLIP" decoder "$ROOT/decoder-p7" 2400 "$ROOT/decoder-p6" --steps 2400 --lr 3e-4 $late \
    --eval-every 0 --seed 7
phase "$CLIP" inpaint "$ROOT/inpaint-2" 400 "$ROOT/inpaint" --steps 400 --lr 3e-4 $late \
    --eval-every 0 --seed 8
phase "$CLIP" inpaint "$ROOT/inpaint-3" 400 "$ROOT/inpaint-2" --steps 400 --lr 2e-4 $late \
    --eval-every 0 --seed 9

install() { # install RUN NAME
    mkdir -p "pipelines/models/$2/decoder" "pipelines/models/$2/text_proj"
    for f in decoder/config.json decoder/diffusion_pytorch_model.safetensors text_proj/config.json \
        text_proj/diffusion_pytorch_model.safetensors unconditional.safetensors; do
        cp "$1/$f" "pipelines/models/$2/$f"
    done
    printf '{\n  "clip" : "%s"\n}\n' "$CLIP" > "pipelines/models/$2/training.json"  # the CLIP, as the repo names it
}
install "$ROOT/decoder-p7" decoder
install "$ROOT/inpaint-3" inpaint
$BIN decoder-eval --model pipelines/models/decoder --clip "$CLIP" --scenes 200
$BIN inpaint-eval --model pipelines/models/inpaint --clip "$CLIP" --scenes 200
