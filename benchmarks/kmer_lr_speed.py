"""Speed check: kmer-lr (k = 1..6 spectrum + logistic regression) on 20,000 random 1 kb sequences.

The N sequences are split 80/20: fit on the first 80 % (featurise + scale + LR), score the
last 20 % (featurise + predict_proba); the figure is the wall-clock of both (CPU seconds of
the process are reported too, since a shared machine inflates wall-clock). Half of the
sequences carry a planted 12 bp motif so the fit is a real one. Exits 1 when slower than
--limit seconds.

    .venv/bin/python benchmarks/kmer_lr_speed.py [--n 20000] [--length 1000] [--limit 30] [--write docs/baselines.md]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datasets import Dataset  # noqa: E402

from baselines.kmer_lr import KmerLRPredictor  # noqa: E402
from benchmark.metrics import compute_metrics  # noqa: E402

MOTIF = "TGACGTCATTAG"


def random_dataset(n: int, length: int, seed: int = 0) -> Dataset:
    """n random ACGT sequences; label 1 rows carry MOTIF at a random position."""
    rng = np.random.default_rng(seed)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, size=(n, length))]
    labels = rng.integers(0, 2, size=n)
    starts = rng.integers(0, length - len(MOTIF), size=n)
    motif = np.frombuffer(MOTIF.encode(), dtype=np.uint8)
    for i in np.flatnonzero(labels):
        bases[i, starts[i] : starts[i] + len(MOTIF)] = motif
    seqs = [row.tobytes().decode() for row in bases]
    return Dataset.from_dict({"sequence": seqs, "label": labels.tolist()})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--length", type=int, default=1000)
    ap.add_argument("--limit", type=float, default=30.0)
    ap.add_argument("--write", type=Path, default=None, help="Markdown file whose speed line is (re)written.")
    args = ap.parse_args()
    data = random_dataset(args.n, args.length)
    cut = int(0.8 * args.n)
    train, test = data.select(range(cut)), data.select(range(cut, args.n))
    c0, t0 = time.process_time(), time.perf_counter()
    model = KmerLRPredictor().fit(train, None, num_labels=2, seed=0)
    t1 = time.perf_counter()
    probs = model.predict_proba(test)
    t2, c2 = time.perf_counter(), time.process_time()
    acc = compute_metrics(test["label"], probs)["accuracy"]
    total = t2 - t0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    line = (f"kmer-lr speed: {args.n:,} random {args.length} bp sequences (k = 1..6), fit on {cut:,} + score {args.n - cut:,}: "
            f"fit {t1 - t0:.1f} s + score {t2 - t1:.1f} s = **{total:.1f} s wall** ({c2 - c0:.1f} s CPU) on {cores} CPU core(s) "
            f"({platform.machine()}, load average {load:.1f} at the end); limit {args.limit:.0f} s; test accuracy {acc:.3f}.")
    print(line)
    if args.write:
        write_line(args.write, line)
    return 0 if total < args.limit else 1


def write_line(path: Path, line: str) -> None:
    """Replace the `kmer-lr speed:` line of `path` (or append it)."""
    lines = path.read_text().splitlines() if path.exists() else []
    keep = [x for x in lines if not x.startswith("kmer-lr speed:")]
    idx = next((i for i, x in enumerate(lines) if x.startswith("kmer-lr speed:")), len(keep))
    keep.insert(min(idx, len(keep)), line)
    path.write_text("\n".join(keep) + "\n")


if __name__ == "__main__":
    sys.exit(main())
