#!/usr/bin/env bash
# End-to-end demo on the built-in synthetic `demo` source (offline, CPU):
# build datasets -> fine-tune a small model -> baselines -> interpretation check -> submit -> leaderboard page.
set -euo pipefail
OUT=${1:-demo-output}
BIN=${BIN:-.venv/bin}
BENCH="$BIN/bench"
export PHENOSEQ_LEADERBOARD="$OUT/store"
SEEDS=${DEMO_SEEDS:-3}
mkdir -p "$OUT"
rm -rf "$OUT/results" "$OUT/store" "$OUT/site"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "1/6 Build the demo datasets (synthetic genome, real pipeline)"
"$BENCH" data build herv_classification --source demo
"$BENCH" data build random_regions --source demo

step "2/6 Fine-tune a small DNABERT-style model (6-mer BERT, randomly initialised: no Hub download here)"
MODEL="$OUT/models/tiny-dnabert-6mer"
[ -f "$MODEL/config.json" ] || "$BIN/python" -c "from benchmark.models.tiny import make_tiny_dnabert; make_tiny_dnabert('$MODEL', k=6, hidden=64, layers=2, max_positions=512)"
"$BENCH" run --model "$MODEL" --task herv_classification/binary --source demo --seeds "$SEEDS" \
  --epochs 4 --lr 1e-3 --batch-size 16 --max-length 256 --out "$OUT/results" --no-progress

step "3/6 Baselines (same scoring loop) and the negative controls"
for task in herv_classification/binary herv_classification/multiclass random_regions/binary; do
  "$BENCH" baseline majority --task "$task" --source demo --seeds "$SEEDS" --out "$OUT/results"
  "$BENCH" baseline kmer-lr --task "$task" --source demo --seeds "$SEEDS" --out "$OUT/results"
done
"$BENCH" baseline kmer-lr --task herv_classification/binary --source demo --seeds "$SEEDS" --shuffle-labels --out "$OUT/results"
"$BENCH" baseline cnn --task herv_classification/binary --source demo --seeds "$SEEDS" --epochs 15 --out "$OUT/results"

step "4/6 Interpretation: does the fine-tuned model's attribution find planted JASPAR motifs?"
runs=("$OUT"/results/herv_classification_binary__*tiny-dnabert-6mer.json)
dirs=("$OUT"/results/models/*tiny-dnabert-6mer/seed-0)
RUN_JSON=${runs[0]}
FT_DIR=${dirs[0]}
"$BENCH" interpret --model "$FT_DIR" --task herv_classification/binary --source demo --method gradxinput \
  --check planted --results "$RUN_JSON" --out "$OUT/interpret"

step "5/6 Submit every result (validated and re-scored from the predictions)"
for f in "$OUT"/results/*.json; do
  "$BENCH" submit "$f" --store "$OUT/store"
done

step "6/6 Leaderboard"
"$BENCH" leaderboard --store "$OUT/store" --format html --out "$OUT/site"
"$BENCH" leaderboard --store "$OUT/store" --format md --out "$OUT/site"
printf '\nDone. Everything above was measured on SYNTHETIC demo data.\nLeaderboard page: %s\n' "$(cd "$OUT/site" && pwd)/index.html"
