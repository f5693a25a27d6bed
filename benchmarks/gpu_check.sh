#!/usr/bin/env bash
# Every GPU measurement of the throughput work (issue 14) in one call: under 8 minutes on one H100.
#
#   bash benchmarks/gpu_check.sh --fetch-wheels   # here, with PyPI: the wheels the GPU machine lacks
#   bash benchmarks/gpu_check.sh                  # on the GPU machine (writes into $OUT)
#   bash benchmarks/gpu_check.sh --cpu-smoke      # the same steps at toy sizes on a CPU
#   bash benchmarks/gpu_check.sh --only model_only_compiled,harness_compiled   # a second call for what was skipped
#   bash benchmarks/gpu_check.sh --families        # the model families' GPU-only paths instead (issue 10)
#
# The lent GPU machine has PyTorch, accelerate, pandas, scikit-learn, ... but not `datasets` (nor dill,
# multiprocess) and an older transformers; nothing can be fetched there. `--fetch-wheels` downloads the
# pinned pure-Python (and one cp312) wheels into .cache/gpu-wheels/ (ignored by git); the device call
# carries that folder: run(command="bash benchmarks/gpu_check.sh", carry=[".cache/gpu-wheels"], timeout_s=540).
# They are installed with --no-deps into /tmp/phenoseq-site, which goes first on PYTHONPATH.
#
# Results: $OUT/throughput.json, $OUT/throughput.md (docs-ready table, rewritten after every measurement,
# so a timeout keeps what finished), $OUT/env.txt, $OUT/log.txt. The table is printed last.
#
# --families runs tests/test_families_real.py on the device: every family's whole flow on CUDA, DNABERT-2 in
# fp16 on whichever attention path the device's Triton allows (its Triton 2.0 kernel against its PyTorch
# fallback where it compiles), and Caduceus through the whole flow where mamba-ssm imports. They need the
# families' published code, put in place here by `python scripts/get_remote_code.py` (ignored by git): carry it,
# run(command="bash benchmarks/gpu_check.sh --families", carry=[".cache/gpu-wheels", "tests/fixtures/remote_code"]).
# mamba-ssm (and causal-conv1d) ship no wheels on PyPI (sdist only, CUDA build): without them the Caduceus test
# reports the skip. Results: $OUT/families.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WHEELS="$ROOT/.cache/gpu-wheels"
PINS=(transformers==5.24.0 datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 regex==2026.11.19)
MODE=gpu
FAMILIES=0
EXTRA=()
while (($#)); do
    case "$1" in
        --fetch-wheels) MODE=fetch ;;
        --cpu-smoke) MODE=smoke ;;
        --families) FAMILIES=1 ;;
        --only) EXTRA+=(--only "$2"); shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "gpu_check.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [[ $MODE == fetch ]]; then
    PY=${PYTHON:-$ROOT/.venv/bin/python}
    [[ -x $PY ]] || PY=python3
    mkdir -p "$WHEELS"
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d "$WHEELS" "${PINS[@]}"
    ls -1 "$WHEELS"
    du -sh "$WHEELS"
    exit 0
fi

if [[ $MODE == smoke ]]; then
    OUT=${OUT:-$ROOT/.cache/gpu-check-smoke}
    PY=${PYTHON:-$ROOT/.venv/bin/python}
    [[ -x $PY ]] || PY=python3
    SUITE=(--smoke --pad-multiple 32 --budget-s 900)
    LIMIT=1200
    export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
else
    OUT=${OUT:-$ROOT/gpu-check-out}
    PY=${PYTHON:-python3}
    SUITE=(--budget-s 400)
    LIMIT=440
    if compgen -G "$WHEELS/*.whl" >/dev/null; then
        "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/phenoseq-site \
            "$WHEELS"/*.whl 2>&1 | grep -v "WARNING: Target directory" || true
        export PYTHONPATH="/tmp/phenoseq-site:$ROOT${PYTHONPATH:+:$PYTHONPATH}"
    else
        echo "gpu_check.sh: no wheels in $WHEELS (run --fetch-wheels here and carry .cache/gpu-wheels); using what is installed" >&2
        export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
    fi
fi
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export HF_HOME=${HF_HOME:-/tmp/phenoseq-hf} MPLCONFIGDIR=${MPLCONFIGDIR:-/tmp/phenoseq-mpl}
cd "$ROOT"

{
    date -u +"%Y-%m-%d %H:%M UTC"
    uname -srm
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv || echo "no nvidia-smi"
    "$PY" - <<'PYEOF'
import importlib, sys
print("python", sys.version.split()[0])
for name in ("torch", "transformers", "accelerate", "datasets", "pyarrow", "numpy", "sklearn", "pynvml", "triton"):
    try:
        mod = importlib.import_module(name)
        print(name, getattr(mod, "__version__", "?"), getattr(mod, "__file__", ""))
    except Exception as exc:  # noqa: BLE001
        print(name, "MISSING:", type(exc).__name__, exc)
import torch
print("cuda available", torch.cuda.is_available(), torch.version.cuda)
PYEOF
} 2>&1 | tee "$OUT/env.txt"

# Fail fast (seconds, not minutes) when the harness cannot even import on this machine.
"$PY" -c "from datasets import Dataset; import benchmark.finetune, benchmark.speed; Dataset.from_dict({'a': [1]})" \
    || { echo "gpu_check.sh: the harness does not import here (see $OUT/env.txt)" >&2; exit 3; }

if ((FAMILIES)); then
    set +e
    PHENOSEQ_REQUIRE_REMOTE_CODE=1 timeout --kill-after=15 "$LIMIT" "$PY" -m pytest -q -p no:cacheprovider -rs \
        -s tests/test_families_real.py 2>&1 | tee "$OUT/families.txt"
    rc=${PIPESTATUS[0]}
    echo "--- families tests on the device exit $rc; results in $OUT/families.txt ---"
    exit "$rc"
fi

set +e
timeout --signal=INT --kill-after=15 "$LIMIT" "$PY" benchmarks/throughput.py --suite gpu --out-dir "$OUT" "${SUITE[@]}" "${EXTRA[@]}" \
    > "$OUT/log.txt" 2>&1
rc=$?
set -e
grep -E "^\[(run |skip|fail)\]|Error|error:" "$OUT/log.txt" | tail -20 || true
echo "--- throughput.py exit $rc; results in $OUT ---"
if [[ -f $OUT/throughput.md ]]; then
    cat "$OUT/throughput.md"
else
    tail -40 "$OUT/log.txt"
fi
exit "$rc"
