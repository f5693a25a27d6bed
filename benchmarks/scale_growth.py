"""Growth table of the grouping kernel from `build_scale.py --kernel-only` records (JSON lines).

For each world (`families`: the issue's 50 families growing with f; `clans`: f / 0.01 independent
50-family worlds; `replicas`: clans sharing one set of family parameters), prints per scale the rows, the world's near pairs counted from its truth
(same-family copies overlapping over >= 80 % of the shorter, summed divergence <= 0.10 / 0.15),
the kernel's pairs examined, its search CPU seconds, and the local exponents
log(y2 / y1) / log(n2 / n1) between consecutive scales, then a least-squares fit over all of them.

    python benchmarks/scale_growth.py docs/scale.jsonl
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

COLUMNS = (("near pairs, d <= 0.10", lambda r: r["near_pairs"]["d_sum_le_0.10"]),
           ("near pairs, d <= 0.15", lambda r: r["near_pairs"]["d_sum_le_0.15"]),
           ("pairs examined", lambda r: r["grouping_stats"]["pairs_qgram_checked"]),
           ("postings scanned", lambda r: r["grouping_stats"]["postings_scanned"]),
           ("search CPU s", lambda r: r["grouping_stats"]["search_cpu_seconds"]),
           ("grouping CPU s", lambda r: r["grouping_cpu_seconds"]))


def latest_kernel_runs(lines: list[str]) -> dict[str, dict[float, dict]]:
    """The last kernel-only record per (world, scale) with near-pair counts: its own, or else those of a
    `--near-only` record of the same world and scale (the world is the same: a fixed seed)."""
    kernel: dict[tuple[str, float], dict] = {}
    near: dict[tuple[str, float], dict] = {}
    for line in lines:
        rec = json.loads(line)
        key = (rec.get("world", "families"), rec.get("scale"))
        if rec.get("mode") == "grouping kernel only":
            kernel[key] = rec
        elif rec.get("mode") == "near pairs only":
            near[key] = rec["near_pairs"]
    out: dict[str, dict[float, dict]] = {}
    for (world, scale), rec in kernel.items():
        counts = rec.get("near_pairs") or near.get((world, scale))
        if counts:
            out.setdefault(world, {})[scale] = {**rec, "near_pairs": counts}
    return out


def exponent(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log y on log x."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def table(runs: dict[float, dict]) -> str:
    """Markdown: one row per scale, then local exponents and the fit."""
    scales = sorted(runs)
    recs = [runs[s] for s in scales]
    rows = [r["rows"] for r in recs]
    head = "| f | rows | " + " | ".join(name for name, _ in COLUMNS) + " |"
    out = [head, "|" + "---|" * (2 + len(COLUMNS))]
    for s, r in zip(scales, recs):
        out.append(f"| {s:g} | {r['rows']:,} | " + " | ".join(f"{get(r):,}" for _, get in COLUMNS) + " |")
    if len(recs) > 1:
        local = []
        for name, get in COLUMNS:
            ys = [get(r) for r in recs]
            steps = [math.log(ys[i + 1] / ys[i]) / math.log(rows[i + 1] / rows[i]) if ys[i] and ys[i + 1] else float("nan")
                     for i in range(len(ys) - 1)]
            local.append(" / ".join(f"{e:.2f}" for e in steps))
        out.append("| local exponent | | " + " | ".join(local) + " |")
        fits = []
        for _, get in COLUMNS:
            ys = [get(r) for r in recs]
            ok = [(n, y) for n, y in zip(rows, ys) if y > 0]
            fits.append(f"n^{exponent([n for n, _ in ok], [y for _, y in ok]):.2f}" if len(ok) > 1 else "-")
        out.append("| fit over all | | " + " | ".join(fits) + " |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records", type=Path, nargs="+", help="JSON-lines files written by build_scale.py --out")
    args = ap.parse_args()
    lines = [ln for path in args.records for ln in path.read_text().splitlines() if ln.strip()]
    for world, runs in sorted(latest_kernel_runs(lines).items()):
        print(f"\n### world: {world}\n")
        print(table(runs))


if __name__ == "__main__":
    main()
