"""Speed check: the kmer-lr baseline against a plain numpy + scikit-learn anchor, in the same run.

Data: N random 1 kb ACGT sequences, half of them carrying a planted 12 bp motif (so the fit
is a real one), split 80/20. Each side fits on the first 80 % (featurise + scale + logistic
regression) and scores the last 20 % (featurise + scale + predict_proba):

- harness: `baselines.kmer_lr.KmerLRPredictor` (what `bench baseline kmer-lr` runs);
- anchor: plain numpy k-mer spectra (k = 1..6; sequences padded into one code matrix,
  one `np.bincount` per k over row * 4**k + code) + `StandardScaler()` +
  `LogisticRegression` with the baseline's own C, tol and max_iter.

The two are timed alternately, `--repeats` times, so load on a shared machine hits both;
the figure is the median of the per-repeat ratios harness / anchor (target <= 1.0). Exits 1
when that median is above `--max-ratio`.

    .venv/bin/python benchmarks/kmer_lr_speed.py [--n 20000] [--length 1000] [--repeats 3] [--write docs/baselines.md]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datasets import Dataset  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from baselines.kmer_lr import KmerLRPredictor  # noqa: E402
from benchmark.metrics import compute_metrics  # noqa: E402

MOTIF = "TGACGTCATTAG"
BEGIN, END = "<!-- kmer-lr-speed -->", "<!-- /kmer-lr-speed -->"
_LUT = np.full(256, -1, dtype=np.int8)
for _i, _c in enumerate("ACGT"):
    _LUT[ord(_c)] = _i


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


def anchor_spectrum(seqs: Sequence[str], ks: Sequence[int] = (1, 2, 3, 4, 5, 6), rows: int = 1000) -> np.ndarray:
    """Plain numpy: pad codes into a matrix, one bincount per k (float64, each k block sums to 1)."""
    out = np.zeros((len(seqs), sum(4**k for k in ks)), dtype=np.float64)
    for lo in range(0, len(seqs), rows):
        part = seqs[lo:lo + rows]
        width = max((len(s) for s in part), default=0)
        codes = np.full((len(part), width), -1, dtype=np.int32)
        for i, s in enumerate(part):
            codes[i, :len(s)] = _LUT[np.frombuffer(s.upper().encode(), dtype=np.uint8)]
        clipped = np.maximum(codes, 0)
        base = np.arange(len(part), dtype=np.int64)[:, None]
        col = 0
        for k in ks:
            m = max(width - k + 1, 0)
            code = clipped[:, :m].copy()
            ok = codes[:, :m] >= 0
            for j in range(1, k):
                code = code * 4 + clipped[:, j:j + m]
                ok &= codes[:, j:j + m] >= 0
            index = np.where(ok, base * 4**k + code, len(part) * 4**k)  # invalid k-mers: a dropped last bin
            counts = np.bincount(index.ravel(), minlength=len(part) * 4**k + 1)[:-1].reshape(len(part), 4**k)
            out[lo:lo + rows, col:col + 4**k] = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
            col += 4**k
    return out


def run_anchor(train: Dataset, test: Dataset, ref: KmerLRPredictor) -> tuple[np.ndarray, dict[str, float]]:
    t0 = time.perf_counter()
    x = anchor_spectrum(list(train["sequence"]))
    t1 = time.perf_counter()
    scaler = StandardScaler()
    model = LogisticRegression(C=ref.C, max_iter=ref.max_iter, tol=ref.tol, random_state=0)
    model.fit(scaler.fit_transform(x), np.asarray(train["label"]))
    t2 = time.perf_counter()
    xt = anchor_spectrum(list(test["sequence"]))
    t3 = time.perf_counter()
    probs = model.predict_proba(scaler.transform(xt))
    t4 = time.perf_counter()
    return probs, {"featurise": (t1 - t0) + (t3 - t2), "fit": t2 - t1, "score": t4 - t3, "total": t4 - t0,
                   "iterations": float(model.n_iter_[0])}


def run_harness(train: Dataset, test: Dataset) -> tuple[np.ndarray, dict[str, float]]:
    import baselines.kmer_lr as kl

    spent = {"featurise": 0.0}
    real = kl.kmer_spectrum

    def timed(*args, **kwargs):  # featurisation time inside the predictor, for the breakdown
        t = time.perf_counter()
        x = real(*args, **kwargs)
        spent["featurise"] += time.perf_counter() - t
        return x

    kl.kmer_spectrum = timed
    try:
        t0 = time.perf_counter()
        model = KmerLRPredictor().fit(train, None, num_labels=2, seed=0)
        t1 = time.perf_counter()
        probs = model.predict_proba(test)
        t2 = time.perf_counter()
    finally:
        kl.kmer_spectrum = real
    return probs, {"featurise": spent["featurise"], "fit_total": t1 - t0, "score_total": t2 - t1, "total": t2 - t0,
                   "iterations": float(model.model.n_iter_[0])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--length", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-ratio", type=float, default=1.0, help="Exit 1 when harness / anchor is above this.")
    ap.add_argument("--write", type=Path, default=None, help="Markdown file whose kmer-lr speed block is (re)written.")
    args = ap.parse_args()
    data = random_dataset(args.n, args.length)
    cut = int(0.8 * args.n)
    train, test = data.select(range(cut)), data.select(range(cut, args.n))
    labels = test["label"]
    runs = []
    c0 = time.process_time()
    for r in range(args.repeats):
        order = ("harness", "anchor") if r % 2 == 0 else ("anchor", "harness")
        got = {}
        for side in order:
            cpu0 = time.process_time()
            probs, t = run_harness(train, test) if side == "harness" else run_anchor(train, test, KmerLRPredictor())
            t["cpu"] = time.process_time() - cpu0  # all threads; less sensitive to other load than wall time
            t["accuracy"] = compute_metrics(labels, probs)["accuracy"]
            got[side] = t
        ratio = got["harness"]["total"] / got["anchor"]["total"]
        feat = got["harness"]["featurise"] / got["anchor"]["featurise"]
        cpu_ratio = got["harness"]["cpu"] / got["anchor"]["cpu"]
        print(f"repeat {r + 1}: harness {got['harness']['total']:.2f} s (featurise {got['harness']['featurise']:.2f}), "
              f"anchor {got['anchor']['total']:.2f} s (featurise {got['anchor']['featurise']:.2f}); "
              f"ratio {ratio:.2f}x (featurisation {feat:.2f}x, CPU time {cpu_ratio:.2f}x)", file=sys.stderr)
        runs.append((ratio, feat, got, cpu_ratio))
    cpu = time.process_time() - c0
    ratios = [x[0] for x in runs]
    feats = [x[1] for x in runs]
    med = statistics.median(ratios)
    h = [x[2]["harness"] for x in runs]
    a = [x[2]["anchor"] for x in runs]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    def span(values: list[float]) -> str:
        return f"{min(values):.2f}-{max(values):.2f}" if len(values) > 1 else f"{values[0]:.2f}"

    block = "\n".join([
        BEGIN,
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on CPU ({platform.machine()}, {cores} core(s), "
        f"load average {load:.1f} at the end; {cpu:.0f} s of process CPU in all), {args.repeats} alternating repeat(s); "
        f"{args.n:,} random {args.length} bp sequences, fit on {cut:,} + score {args.n - cut:,}, k = 1..6. "
        f"Command: `python benchmarks/kmer_lr_speed.py --n {args.n} --length {args.length} --repeats {args.repeats}`.",
        "",
        "| | wall s (min-max over repeats) | CPU s | featurisation s (wall) | lbfgs iterations | test accuracy |",
        "|---|---:|---:|---:|---:|---:|",
        f"| kmer-lr baseline (`KmerLRPredictor`) | {span([x['total'] for x in h])} | {span([x['cpu'] for x in h])} "
        f"| {span([x['featurise'] for x in h])} | {int(h[0]['iterations'])} | {h[0]['accuracy']:.3f} |",
        f"| anchor: numpy bincount spectra + `StandardScaler` + `LogisticRegression` | {span([x['total'] for x in a])} "
        f"| {span([x['cpu'] for x in a])} | {span([x['featurise'] for x in a])} | {int(a[0]['iterations'])} | {a[0]['accuracy']:.3f} |",
        "",
        f"kmer-lr speed: **{med:.2f}x** the anchor's wall time (median of per-repeat ratios {', '.join(f'{x:.2f}' for x in ratios)}; "
        f"target <= {args.max_ratio:.1f}x); CPU time {statistics.median(x[3] for x in runs):.2f}x; "
        f"featurisation alone {statistics.median(feats):.2f}x.",
        END,
    ])
    print(block)
    if args.write:
        write_block(args.write, block)
    return 0 if med <= args.max_ratio else 1


def write_block(path: Path, block: str) -> None:
    """Replace the kmer-lr speed block of `path` (or append it); written via a temp file and rename."""
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
