#!/usr/bin/env bash
# Issue 10 "must show": a pretrained HyenaDNA checkpoint fine-tunes on herv_classification/binary (demo
# source) for 2 seeds, is explained (`bench interpret --trust-remote-code --check planted`) and its results
# are accepted by `bench submit`. Needs Hub access for the default model (no Hub here: see docs/model-families.md).
#
#   benchmarks/pretrained_hyena_check.sh [MODEL] [OUT]
#     MODEL  Hub id or local directory (default LongSafari/hyenadna-tiny-1k-seqlen-hf)
#     OUT    output directory (default hyena-check); its leaderboard store is OUT/leaderboard
#
# Exit status: 0 when every step succeeded; the last lines printed are the planted-motif scores and
# the stored entry.
set -euo pipefail
MODEL=${1:-LongSafari/hyenadna-tiny-1k-seqlen-hf}
OUT=${2:-hyena-check}
BENCH=${BENCH:-bench}
export PHENOSEQ_LEADERBOARD="$OUT/leaderboard"

$BENCH data build herv_classification --source demo
$BENCH run --model "$MODEL" --task herv_classification/binary --source demo --seeds 2 --epochs 1 \
  --trust-remote-code --out "$OUT" --no-progress
results=$(find "$OUT" -maxdepth 1 -name 'herv_classification_binary__*.json' | head -n 1)
stem=$(basename "$results" .json)
$BENCH interpret --model "$OUT/models/$stem/seed-0" --task herv_classification/binary --source demo \
  --method gradxinput --check planted --results "$results" --trust-remote-code
$BENCH submit "$results"
