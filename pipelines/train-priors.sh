#!/bin/sh
# Trains the two embedded priors on the embedded CLIP's embeddings of Shapes pairs, evaluates them side by side and
# installs them as pipelines/models/prior (diffusion, for unclip-prior) and pipelines/models/prior-ar (for
# unclip-prior-ar). Resumable: run it again after an interruption (Ctrl-C / SIGTERM checkpoint first) and each run
# continues exactly from its checkpoint; a finished run is skipped.
#   pipelines/train-priors.sh [RUN_DIR]        (default RUN_DIR: .build/runs; runs go to RUN_DIR/prior, RUN_DIR/prior-ar)
# Environment: CLIP=DIR (default pipelines/models/clip), PRIOR_STEPS, AR_STEPS (the cosine schedules' lengths),
# INIT=1 to start new runs from the shipped models' weights with a fresh optimizer (continue them across sessions;
# with INIT=1 also raise PRIOR_STEPS/AR_STEPS: the step count starts again at 0).
# The 20,000 training pairs (+ 500 validation pairs) are encoded once by the CLIP and cached in RUN_DIR/prior-data.
# The shipped AR prior is this script's AR run exactly (on the shipped CLIP); the diffusion prior was made with
# these settings but in pieces, one per embedded CLIP (its MODEL_CARD.md: 1,200 steps, then 1,000 and 1,000 more
# with --init on each new CLIP). The script as a whole has not been rerun end to end.
set -eu
cd "$(dirname "$0")/.."
RUN=${1:-.build/runs}
CLIP=${CLIP:-pipelines/models/clip}
PRIOR_STEPS=${PRIOR_STEPS:-2200}
AR_STEPS=${AR_STEPS:-1500}
swift build -c release --product unclip-train >&2
BIN=.build/release/unclip-train
DATA="--clip $CLIP --cache $RUN/prior-data --pairs 20000 --valid-pairs 500 --data-seed 0 --seed 0"

# start_flags OUT MODEL: --resume when OUT holds a checkpoint, --init MODEL when INIT=1, else nothing.
start_flags() {
    if [ -f "$1/training.safetensors" ]; then
        echo --resume
    elif [ -n "${INIT:-}" ]; then
        echo --init "$2"
    fi
}

nice -n 10 $BIN prior --out "$RUN/prior" $(start_flags "$RUN/prior" pipelines/models/prior) $DATA \
    --steps "$PRIOR_STEPS" --batch 64 --lr 3e-4 --min-lr 3e-5 --warmup 100 --weight-decay 0.01 --ema 0.999 \
    --layers 4 --heads 4 --head-dim 64 --checkpoint-every 50 --eval-every 200 --log-every 20
nice -n 10 $BIN prior-ar --out "$RUN/prior-ar" $(start_flags "$RUN/prior-ar" pipelines/models/prior-ar) $DATA \
    --steps "$AR_STEPS" --batch 64 --lr 1e-3 --min-lr 1e-4 --warmup 50 --weight-decay 0.01 --ema 0.995 \
    --width 256 --layers 4 --heads 4 --smoothing 16 --checkpoint-every 50 --log-every 20

mkdir -p pipelines/models/prior pipelines/models/prior-ar
cp "$RUN/prior/config.json" "$RUN/prior/diffusion_pytorch_model.safetensors" "$RUN/prior/unconditional.safetensors" \
    pipelines/models/prior/
cp "$RUN/prior-ar/config.json" "$RUN/prior-ar/model.safetensors" "$RUN/prior-ar/codebook.safetensors" \
    pipelines/models/prior-ar/
nice -n 10 $BIN prior-eval --prior pipelines/models/prior --prior-ar pipelines/models/prior-ar --clip "$CLIP" \
    --cache "$RUN/prior-data" --pairs 1000 --heldout-pairs 500 | tee "$RUN/prior-eval.md"
