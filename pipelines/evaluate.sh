#!/usr/bin/env bash
# Measures the embedded models as issue 8 asks and prints Markdown tables (README's "Embedded models" numbers).
#   pipelines/evaluate.sh [--prompts N] [--prompts-1024 N] [--pairs N] [--samples N] [--seed S] [--out DIR]
#                         [--only PARTS]
#   --prompts N       held-out single-object prompts per split for generation (default 200)
#   --pairs N         two-object test prompts for composition (default 100)
#   --prompts-1024 N  how many test prompts also go to 1024x1024 (default 4; each costs about a minute)
#   --samples N       images per prompt for the reranked rows (default 4; CLIP keeps the best)
#   --only PARTS      comma list of clip,prior,decoder,inpaint,upsampler,generation,composition (default all)
#   --out DIR         where streams, contact sheets and the report go (default .build/evaluation)
#   --clip DIR --prior DIR --prior-ar DIR --decoder DIR --upsampler DIR --ranker DIR   (or UNCLIP_CLIP, ...;
#                     pipelines/models.sh)
# Generation is judged by unclip-check (the Shapes pixel checker, not CLIP) and by the CLIP score (cosine of the
# image's CLIP embedding with its prompt's, by unclip-rank); "all" is every object and relation right, "background"
# is judged apart, on the prompts that name one. Seeds are fixed: a rerun gives the same numbers.
set -euo pipefail
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
here=$(cd "$(dirname "$0")" && pwd)
source "$here/models.sh"
prompts=200 prompts_1024=4 pairs=100 samples=4 seed=0 out=.build/evaluation
only=clip,prior,decoder,inpaint,upsampler,generation,composition
while [ $# -gt 0 ]; do
    case "$1" in
    --prompts) prompts=${2:?}; shift 2 ;;
    --prompts-1024) prompts_1024=${2:?}; shift 2 ;;
    --pairs) pairs=${2:?}; shift 2 ;;
    --samples) samples=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    --clip) clip=${2:?}; shift 2 ;;
    --prior) prior=${2:?}; shift 2 ;;
    --prior-ar) prior_ar=${2:?}; shift 2 ;;
    --decoder) decoder=${2:?}; shift 2 ;;
    --upsampler) upsampler=${2:?}; shift 2 ;;
    --ranker) ranker=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "evaluate: unknown argument '$1'" >&2; usage ;;
    esac
done
for n in "$prompts" "$prompts_1024" "$pairs" "$samples"; do
    [[ $n =~ ^[0-9]+$ ]] || { echo "evaluate: counts must be whole numbers, not '$n'" >&2; exit 64; }
done
wants() { [[ ",$only," == *",$1,"* ]]; }
source "$here/../bin/unclip-env"
mkdir -p "$out"
say() { echo "evaluate: $*" >&2; }

# timed COMMAND...: runs a command and keeps its wall time; per_item N: that time divided by N, in seconds.
timed() {
    local start
    start=$(date +%s.%N)
    "$@"
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }' > "$out/.last-seconds"
}
per_item() { awk -v n="$1" '{ printf "%.2f", $1 / n }' "$out/.last-seconds"; }

if wants clip; then
    say "CLIP (clip-eval)"
    echo "## CLIP"
    unclip-train clip-eval --model "$clip"
    echo
fi

if wants prior; then
    say "priors (prior-eval)"
    echo "## Priors"
    unclip-train prior-eval --prior "$prior" --prior-ar "$prior_ar" --clip "$clip"
    echo
fi

if wants decoder; then
    say "decoder from true CLIP embeddings (decoder-eval)"
    echo "## Decoder (true image embeddings, no prior)"
    for split in test heldout; do
        echo "$split: $(unclip-train decoder-eval --model "$decoder" --clip "$clip" --split "$split" --scenes 100 \
            --sheet "$out/decoder-$split.png")"
    done
    echo
fi

if wants inpaint; then
    say "inpainting a square around the object from true CLIP embeddings (inpaint-eval)"
    echo "## Inpainting (true image embeddings, no prior; the square erases the object)"
    echo "RePaint with the decoder (resample 2): $(unclip-train inpaint-eval --model "$decoder" --clip "$clip" \
        --resample 2 --scenes 100 --sheet "$out/inpaint-repaint.png")"
    echo
fi

if wants upsampler; then
    say "upsamplers against bicubic (upsampler-eval)"
    echo "## Upsamplers"
    unclip-train upsampler-eval --model "$upsampler" --target 256 --scenes 16
    unclip-train upsampler-eval --model "$upsampler" --target 1024 --scenes 2
    echo
fi

# field SUMMARY MEASURE: one measure of unclip-check's summary lines, as a percentage ("–" when nothing was asked).
field() { awk -v m="$2" -F'\t' '$1 == m { printf "%.1f%%", 100 * $2; found = 1 } END { if (!found) printf "–" }' <<<"$1"; }

# measures STREAM: "colour shape position all background clip-score" of generated pictures against their prompts.
measures() {
    local check score
    check=$(unclip-check "$1")
    score=$(unclip-tensors drop image.embed < "$1" | unclip-rank --model "$clip" --keep 1000000 --format tsv \
        | awk -F'\t' '{ s += $NF; n++ } END { if (n) printf "%.3f", s / n }')
    echo "$(field "$check" colour) | $(field "$check" shape) | $(field "$check" position) | $(field "$check" all) |" \
        "$(field "$check" background) | $score"
}

if wants generation && [ "$prompts" -gt 0 ]; then
    echo "## Generation (single-object prompts, pixel checker; CLIP score = cosine with the prompt)"
    echo
    echo "| split | prior | size | images | colour | shape | position | all | background | CLIP score |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
    timing=()
    for split in test heldout; do
        mapfile -t list < <(unclip-shapes --count "$prompts" --objects 1 --split "$split" --seed 5000 \
            --preview "$out/prompts-$split.png" -q | cut -f 3)
        for kind in diffusion ar; do
            base="$out/$split-$kind"
            say "$split prompts, $kind prior: text, prior, decoder (${#list[@]} prompts)"
            unclip-text --model "$clip" -- "${list[@]}" > "$base-text.st"
            if [ "$kind" = ar ]; then
                timed sh -c "unclip-prior-ar --model '$prior_ar' --seed $seed < '$base-text.st' > '$base-prior.st'"
            else
                timed sh -c "unclip-prior --model '$prior' --seed $seed < '$base-text.st' > '$base-prior.st'"
            fi
            [ "$split" = test ] && timing+=("$kind prior | $(per_item "${#list[@]}")")
            timed sh -c "unclip-decode --model '$decoder' --seed $seed --batch 32 < '$base-prior.st' > '$base-64.st'"
            [ "$split-$kind" = test-diffusion ] && timing+=("decoder 64x64 | $(per_item "${#list[@]}")")
            echo "| $split | $kind | 64 | ${#list[@]} | $(measures "$base-64.st") |"
            unclip-png --grid -q -o "$out/$split-$kind-64.png" < "$base-64.st"
            if [ "$kind" = diffusion ]; then
                say "$split prompts: the image embedding on its own guidance scale 3 (text-to-image's default)"
                unclip-decode --model "$decoder" --seed "$seed" --batch 32 --image-guidance 3 < "$base-prior.st" \
                    > "$base-64-image-guidance.st"
                echo "| $split | $kind, image guidance 3 | 64 | ${#list[@]} | $(measures "$base-64-image-guidance.st") |"
                say "$split prompts: $samples samples each, CLIP keeps the best"
                unclip-prior --model "$prior" --seed "$seed" --samples-per-prompt "$samples" < "$base-text.st" \
                    | unclip-decode --model "$decoder" --seed "$seed" --batch 32 \
                    | unclip-tensors drop image.embed | unclip-rank --model "$clip" --keep 1 > "$base-64-reranked.st"
                echo "| $split | $kind, best of $samples | 64 | ${#list[@]} | $(measures "$base-64-reranked.st") |"
                [ "$split" = test ] || continue  # upsampling is judged on the test split only (time)
                say "$split prompts: 64 -> 256"
                timed sh -c "unclip-upsample --model '$upsampler' --seed $seed < '$base-64.st' > '$base-256.st'"
                timing+=("upsampler 64→256 | $(per_item "${#list[@]}")")
                echo "| $split | $kind | 256 | ${#list[@]} | $(measures "$base-256.st") |"
                unclip-png --grid -q -o "$out/$split-256.png" < "$base-256.st"
                if [ "$prompts_1024" -gt 0 ]; then
                    # The first prompts again through the whole chain, up to 1024x1024.
                    say "$split prompts: the first $prompts_1024 up to 1024"
                    unclip-text --model "$clip" -- "${list[@]:0:$prompts_1024}" \
                        | unclip-prior --model "$prior" --seed "$seed" \
                        | unclip-decode --model "$decoder" --seed "$seed" \
                        | unclip-upsample --model "$upsampler" --seed "$seed" > "$base-256-head.st"
                    timed sh -c "unclip-upsample --model '$upsampler' --seed $seed < '$base-256-head.st' > '$base-1024.st'"
                    timing+=("upsampler 256→1024 | $(per_item "$prompts_1024")")
                    echo "| $split | $kind | 1024 | $prompts_1024 | $(measures "$base-1024.st") |"
                    unclip-png --grid -q -o "$out/$split-1024.png" < "$base-1024.st"
                fi
            fi
        done
    done
    echo
    echo "## Time per image on this machine (wall clock, seconds)"
    echo
    echo "| stage | s/image |"
    echo "|---|---:|"
    printf '| %s |\n' "${timing[@]}"
fi

if wants composition && [ "$pairs" -gt 0 ]; then
    # Two-object scenes of the test split (seeds from 7000): their captions as prompts, judged per object and per
    # claimed relation. The first row decodes from the scenes' true CLIP image embeddings: the decoder's share.
    echo
    echo "## Composition (two-object test prompts, pixel checker)"
    echo
    echo "| image embedding | images | colour | shape | position | relation | all | background |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    base="$out/two"
    scenes=(--count "$pairs" --objects 2 --split test --seed 7000 -q)
    mapfile -t list < <(unclip-shapes "${scenes[@]}" --preview "$out/prompts-two.png" | cut -f 3)
    unclip-text --model "$clip" --batch 16 -- "${list[@]}" > "$base-text.st"
    # row NAME STREAM: one table row from unclip-check's summary.
    row() {
        local check
        check=$(unclip-check "$2")
        local f=()
        for m in colour shape position relation all background; do f+=("$(field "$check" "$m")"); done
        echo "| $1 | ${#list[@]} | ${f[0]} | ${f[1]} | ${f[2]} | ${f[3]} | ${f[4]} | ${f[5]} |"
        unclip-png --grid -q -o "${2%.st}.png" < "$2"
    }
    say "two-object prompts: the decoder from the scenes' true image embeddings"
    unclip-shapes "${scenes[@]}" --batch 16 | unclip-image --model "$clip" | unclip-tensors select image.embed \
        | unclip-tensors paste "$base-text.st" - | unclip-decode --model "$decoder" --seed "$seed" --batch 32 \
        > "$base-true.st"
    row "true (no prior)" "$base-true.st"
    say "two-object prompts: diffusion prior"
    unclip-prior --model "$prior" --seed "$seed" < "$base-text.st" \
        | unclip-decode --model "$decoder" --seed "$seed" --batch 32 > "$base-diffusion.st"
    row "diffusion prior" "$base-diffusion.st"
    say "two-object prompts: $samples samples each, CLIP keeps the best"
    unclip-prior --model "$prior" --seed "$seed" --samples-per-prompt "$samples" < "$base-text.st" \
        | unclip-decode --model "$decoder" --seed "$seed" --batch 32 \
        | unclip-tensors drop image.embed | unclip-rank --model "$clip" --keep 1 > "$base-reranked.st"
    row "diffusion prior, best of $samples" "$base-reranked.st"
    say "two-object prompts: diffusion prior, the image embedding on its own guidance scale 3"
    unclip-prior --model "$prior" --seed "$seed" < "$base-text.st" \
        | unclip-decode --model "$decoder" --seed "$seed" --batch 32 --image-guidance 3 > "$base-image-guidance.st"
    row "diffusion prior, image guidance 3" "$base-image-guidance.st"
    pick_ranker
    say "two-object prompts: image guidance 3, $samples samples each, $(basename "$ranker") keeps the best"
    unclip-prior --model "$prior" --seed "$seed" --samples-per-prompt "$samples" < "$base-text.st" \
        | unclip-decode --model "$decoder" --seed "$seed" --batch 32 --image-guidance 3 \
        | rank_images 1 > "$base-image-guidance-reranked.st"
    row "diffusion prior, image guidance 3, best of $samples by $(basename "$ranker")" \
        "$base-image-guidance-reranked.st"
    say "two-object prompts: AR prior"
    unclip-prior-ar --model "$prior_ar" --seed "$seed" < "$base-text.st" \
        | unclip-decode --model "$decoder" --seed "$seed" --batch 32 > "$base-ar.st"
    row "AR prior" "$base-ar.st"
fi
