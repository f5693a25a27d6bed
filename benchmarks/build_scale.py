"""Genome-scale build benchmark: a synthetic genome + BED at scale factor f of the real herv_classification.

f = 1 is ~500,000 repeat copies from 50 families (copy divergence from the family consensus
1-30 %, substitutions and 1-3 bp indels; copy lengths median ~500 bp, up to 10 kb, as
fragments of consensi up to 10 kb) plus as many length-matched background intervals, about
1 M sequences and 560 Mb. The copies are inserted, on a random strand, into random sequence
(41 % GC); background intervals are carved from that random sequence.

It runs the real `intervals` build (`loaders.build_dataset`) and records, per stage, the wall
time and the peak RSS summed over this process and its children (sampled every 0.1 s), then
checks the containment guarantee on a sample with an exhaustive, independent search
(`tests/containment_oracle.py`: every sequence's q-gram count against the sample, Biopython
alignment of each pair the q-gram lemma cannot rule out).

    nice python benchmarks/build_scale.py --scale 0.01 0.03 0.1 --out docs/scale.jsonl

`--kernel-only` times the grouping kernel alone on the rows such a build extracts;
`--world clans` replaces the 50 families that grow with f by f / 0.01 independent 50-family
worlds (the number of families grows, their sizes do not), `--world replicas` by f / 0.01 clans
that share one set of family parameters (so each holds about as many near pairs); `--near-only` only counts the
world's near pairs from its truth (`near_pairs`: same-family copies overlapping over >= 80 %
of the shorter, by summed divergence), the pairs any exact grouping has to tell apart; `--halves`
times the kernel on the repeat copies alone, then on the random background alone;
`--sample-young N` (with `--kernel-only`) also runs the exhaustive check on N copies at <= 4 %
divergence from their consensus, the rows with the most links (a random sample holds few).
Run it under `nice` on a shared machine and say so when reporting.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

COPIES_F1 = 500_000
FAMILIES = 50
CLAN_SCALE = 0.01
"""Scale of one clan in the `clans` and `replicas` worlds (50 families, ~5,000 copies)."""
WORLDS = ("families", "clans", "replicas")
GC = 0.41


def _random(rng: np.random.Generator, n: int) -> np.ndarray:
    p = [(1 - GC) / 2, GC / 2, GC / 2, (1 - GC) / 2]
    return rng.choice(4, size=n, p=p).astype(np.uint8)


def _mutate(rng: np.random.Generator, seq: np.ndarray, rate: float) -> np.ndarray:
    """Substitutions at 0.9 x rate, 1-3 bp insertions/deletions at 0.1 x rate (events per base)."""
    out = seq.copy()
    subs = rng.random(len(out)) < rate * 0.9
    out[subs] = (out[subs] + rng.integers(1, 4, int(subs.sum()))) % 4
    n_indel = rng.poisson(rate * 0.1 * len(out))
    for pos in np.sort(rng.integers(0, len(out), n_indel))[::-1]:
        size = int(rng.integers(1, 4))
        if rng.random() < 0.5:
            out = np.concatenate([out[:pos], _random(rng, size), out[pos:]])
        else:
            out = np.concatenate([out[:pos], out[pos + size:]])
    return out


def copy_lengths(rng: np.random.Generator, n: int) -> np.ndarray:
    """Median ~500 bp, long tail to 10 kb, at least 160 bp (the pipeline drops < 150 bp)."""
    return np.clip(np.round(rng.lognormal(np.log(500), 0.55, n)), 160, 10_000).astype(np.int64)


def make_items(rng: np.random.Generator, scale: float,
               world: str = "families") -> tuple[int, list[tuple[np.ndarray, str, str, int, float]]]:
    """The repeat copies (label herv) and length-matched background sequences of scale factor `scale`.

    `world` (one of `WORLDS`): `families`, the issue's 50 families growing with f; `clans`,
    round(f / 0.01) independent "clans" of 50 families, each the size of the f = 0.01 world (family
    sizes stay fixed; the number of families grows with f); `replicas`, clans that all share the
    first clan's family parameters (divergences, consensus lengths, family sizes), with new
    consensus sequences and copies, so that every clan holds about as many near pairs.
    """
    if world not in WORLDS:
        raise ValueError(f"world must be one of {', '.join(WORLDS)}; got {world!r}")
    if world == "families":
        n_copies, items, _ = _family_items(rng, scale)
    else:
        n_copies, items, params = 0, [], None
        for clan in range(max(1, int(round(scale / CLAN_SCALE)))):
            c, fam_items, drawn = _family_items(rng, CLAN_SCALE, prefix=f"c{clan}", params=params)
            if world == "replicas":
                params = drawn
            n_copies += c
            items += fam_items
    for length in copy_lengths(rng, len(items)):
        items.append((_random(rng, int(length)), "background", "-", -1, 0.0))
    return n_copies, items


def _family_items(rng: np.random.Generator, scale: float, prefix: str = "",
                  params: tuple | None = None) -> tuple[int, list[tuple[np.ndarray, str, str, int, float]], tuple]:
    """The copies of 50 families at scale `scale` (family ids `<prefix>fam<i>`), and their parameters
    (divergence, consensus length, copies per family): drawn, or `params` reused (new consensi, new copies)."""
    if params is None:
        # the families (divergence, consensus) are drawn first, so every scale has the same 50 families
        divergence = rng.uniform(0.01, 0.30, FAMILIES)
        consensus_len = np.round(np.exp(rng.uniform(np.log(1_000), np.log(10_000), FAMILIES))).astype(int)
        consensi = [_random(rng, int(n)) for n in consensus_len]
        n_copies = max(FAMILIES, int(round(COPIES_F1 * scale)))
        weights = 1 / np.arange(1, FAMILIES + 1) ** 0.8
        sizes = rng.multinomial(n_copies, weights / weights.sum())
    else:
        divergence, consensus_len, sizes = params
        consensi = [_random(rng, int(n)) for n in consensus_len]
        n_copies = int(sizes.sum())
    items: list[tuple[np.ndarray, str, str, int, float]] = []
    for fam, (size, cons) in enumerate(zip(sizes, consensi)):
        lengths = np.minimum(copy_lengths(rng, int(size)), len(cons))
        for length in lengths:
            start = int(rng.integers(0, len(cons) - length + 1))
            d = float(np.clip(divergence[fam] * rng.uniform(0.6, 1.4), 0.005, 0.35))
            items.append((_mutate(rng, cons[start:start + length], d), "herv", f"{prefix}fam{fam}", start, d))
    return n_copies, items, (divergence, consensus_len, sizes)


def world_codes(scale: float, seed: int = 7,
                world: str = "families") -> tuple[np.ndarray, np.ndarray, list[tuple[str, int, float]]]:
    """(codes, offsets, truth) of the rows an `intervals` build of `generate(scale)` extracts, in genome order.

    truth: (family or "-", consensus start, divergence) per row.
    """
    rng = np.random.default_rng(seed)
    _, items = make_items(rng, scale, world)
    order = rng.permutation(len(items))
    seqs = [items[i][0] for i in order]
    offs = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in seqs], out=offs[1:])
    return np.concatenate(seqs), offs, [items[i][2:] for i in order]


def generate(scale: float, out: Path, seed: int = 7, world: str = "families") -> dict:
    """Write genome.fa + labels.bed (+ truth.tsv) for scale factor `scale`; return counts."""
    rng = np.random.default_rng(seed)
    n_copies, items = make_items(rng, scale, world)
    order = rng.permutation(len(items))
    total = sum(len(it[0]) for it in items)
    n_chroms = 24
    per_chrom = total * 1.6 / n_chroms
    out.mkdir(parents=True, exist_ok=True)
    bed_lines, truth = [], []
    acgt = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(out / "genome.fa", "wb") as fa:
        chrom_i, parts, pos = 1, [], 0

        def flush() -> None:
            seq = acgt[np.concatenate(parts)]
            fa.write(f">chr{chrom_i}\n".encode())
            for a in range(0, len(seq), 1_000_000):
                block = seq[a:a + 1_000_000]
                fa.write(b"\n".join(block[b:b + 80].tobytes() for b in range(0, len(block), 80)) + b"\n")

        for idx in order:
            seq, label, fam, cstart, d = items[idx]
            spacer = _random(rng, int(rng.integers(100, 1_000)))
            parts.append(spacer)
            pos += len(spacer)
            strand = "+"
            if label == "herv" and rng.random() < 0.5:
                strand = "-"
                seq = (3 - seq)[::-1]
            parts.append(seq)
            bed_lines.append(f"chr{chrom_i}\t{pos}\t{pos + len(seq)}\t{label}\t0\t{strand}\n")
            truth.append(f"chr{chrom_i}\t{pos}\t{pos + len(seq)}\t{strand}\t{label}\t{fam}\t{cstart}\t{d:.4f}\n")
            pos += len(seq)
            if pos > per_chrom:
                parts.append(_random(rng, 500))
                flush()
                chrom_i, parts, pos = chrom_i + 1, [], 0
        if parts:
            parts.append(_random(rng, 500))
            flush()
    (out / "labels.bed").write_text("".join(bed_lines))
    (out / "truth.tsv").write_text("chrom\tstart\tend\tstrand\tlabel\tfamily\tconsensus_start\tdivergence\n"
                                   + "".join(truth))
    return {"copies": n_copies, "background": n_copies, "sequence_bp": int(total), "chromosomes": chrom_i}


NEAR_DELTAS = (0.05, 0.10, 0.15, 0.20)
"""Summed copy divergences (d_x + d_y, the expected pairwise divergence) at which `near_pairs` counts pairs."""


def near_pairs(truth: list[tuple[str, int, float]], lengths: np.ndarray, coverage: float = 0.8) -> dict:
    """Pairs of the world that are close by construction, counted from its truth (not from any search).

    Two copies of one family whose consensus intervals overlap over >= `coverage` of the shorter
    copy are expected to align there at ~1 - (d_x + d_y) identity (d: each copy's divergence from
    the consensus). Returned: how many such pairs there are overall (`overlapping`) and with
    d_x + d_y <= delta for each delta of `NEAR_DELTAS`. Copy lengths are the rows' lengths (the
    consensus fragment's, give or take the copy's indels).
    """
    fams: dict[str, int] = {}
    fam = np.array([fams.setdefault(t[0], len(fams)) if t[0] != "-" else -1 for t in truth], np.int64)
    start = np.array([t[1] for t in truth], np.int64)
    div = np.array([t[2] for t in truth], np.float64)
    keep = fam >= 0
    order = np.lexsort((start[keep], fam[keep]))
    counts = _near_counts(fam[keep][order], start[keep][order], np.asarray(lengths, np.int64)[keep][order],
                          div[keep][order], float(coverage), np.array(NEAR_DELTAS))
    return {"overlapping": int(counts[0]), **{f"d_sum_le_{d:.2f}": int(c) for d, c in zip(NEAR_DELTAS, counts[1:])}}


@numba.njit(cache=False)
def _near_counts(fam, start, length, div, coverage, deltas):
    """`near_pairs`' counts over copies sorted by (family, consensus start): [overlapping, per delta...]."""
    out = np.zeros(len(deltas) + 1, np.int64)
    n = len(fam)
    for i in range(n):
        end_i = start[i] + length[i]
        j = i + 1
        while j < n and fam[j] == fam[i] and start[j] < end_i:
            ov = min(end_i, start[j] + length[j]) - start[j]
            if ov >= coverage * min(length[i], length[j]) - 1e-9:
                out[0] += 1
                s = div[i] + div[j]
                for t in range(len(deltas)):
                    if s <= deltas[t] + 1e-12:
                        out[t + 1] += 1
            j += 1
    return out


class PeakRSS:
    """Peak of (RSS of this process + all its descendants), sampled every `interval` seconds."""

    def __init__(self, interval: float = 0.1):
        import psutil

        self.proc = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except Exception:  # a child that just exited
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            time.sleep(self.interval)

    def reset(self) -> None:
        self.peak = self.sample()

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def timed_build(fasta: Path, bed: Path, cache: Path, threads: int) -> dict:
    """Run the real `intervals` build with each pipeline stage wrapped by a timer + RSS peak."""
    import loaders
    from loaders.build import pipeline

    stages: dict[str, dict] = {}
    mem = PeakRSS()

    def wrap(owner, attr: str, stage: str) -> None:
        fn = getattr(owner, attr)

        def timed(*a, **kw):
            mem.reset()
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                stages[stage] = {"seconds": round(time.perf_counter() - t0, 2), "peak_rss_gb": round(mem.peak / 2**30, 2)}

        setattr(owner, attr, timed)

    wrap(pipeline, "extract_rows", "extract sequences")
    wrap(pipeline, "resolve_duplicates", "resolve duplicates")
    wrap(pipeline.clustering, "cluster", "grouping")
    wrap(pipeline, "assign_splits", "split")
    wrap(pipeline, "write_built", "export (parquet, card)")
    profile = _capture_profile()
    with mem:
        t0 = time.perf_counter()
        c0 = _cpu_seconds()
        path = loaders.build_dataset("intervals", source="user", cache_dir=cache, fasta=str(fasta), bed=str(bed),
                                     name="scale", threads=threads, rebuild=True)
        wall = time.perf_counter() - t0
        cpu = _cpu_seconds() - c0
        overall = mem.peak
    return {"path": str(path), "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
            "peak_rss_gb": round(overall / 2**30, 2), "stages": stages, "grouping_profile": profile}


def _capture_profile() -> dict:
    """Make every `group_codes` call fill the returned dict with its profile (threads, seconds, work counters)."""
    from loaders.build import containment

    profile: dict = {}
    original = getattr(containment.group_codes, "__wrapped__", containment.group_codes)

    def profiled(*a, **kw):
        if kw.get("profile") is None:  # `containment_groups` passes profile=None explicitly
            kw["profile"] = profile
        return original(*a, **kw)

    profiled.__wrapped__ = original
    containment.group_codes = profiled
    return profile


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process (all its threads) and its waited-for children."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def sample_check(path: Path, n_sample: int, seed: int = 0) -> dict:
    """Exhaustive, independent check: every link of `n_sample` random rows to any row stays in one group."""
    import pandas as pd

    parts = [pd.read_parquet(f) for f in sorted((path / "multiclass").glob("*.parquet"))]
    rows = pd.concat(parts, ignore_index=True)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(rows), size=min(n_sample, len(rows)), replace=False)
    return oracle_check(rows["sequence"].tolist(), rows["cluster"].to_numpy(), pick)


def kernel_run(scale: float, threads: int, n_sample: int, world: str = "families", n_young: int = 0) -> dict:
    """The grouping kernel alone (`group_codes`) on the rows of `generate(scale)` (`world_codes`), no build around it.

    Records wall, CPU (this process, all threads) and peak RSS of the grouping, then the same exhaustive
    sample check as a build run (`n_sample` random rows), and the same on `n_young` young copies (`young_pick`).
    """
    from loaders.build.containment import group_codes

    t0 = time.perf_counter()
    codes, offs, truth = world_codes(scale, world=world)
    gen_s = time.perf_counter() - t0
    near = near_pairs(truth, np.diff(offs))
    stats: dict = {}
    load_start = os.getloadavg()[0]
    with PeakRSS() as mem:
        mem.reset()
        base = mem.peak
        t0, c0 = time.perf_counter(), _cpu_seconds()
        labels = group_codes(codes, offs, threads=threads, stats=stats, profile=stats)
        wall, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
        peak = mem.peak
    res = {"mode": "grouping kernel only", "world": world, "scale": scale, "threads": threads,
           "generate_seconds": round(gen_s, 1), "near_pairs": near,
           "rows": int(len(offs) - 1), "sequence_bp": int(offs[-1]), "grouping_wall_seconds": round(wall, 1),
           "grouping_cpu_seconds": round(cpu, 1), "peak_rss_gb": round(peak / 2**30, 2),
           "rss_before_grouping_gb": round(base / 2**30, 2), "groups": int(len(np.unique(labels))),
           "grouping_stats": stats, "loadavg_1min_start": load_start, "loadavg_1min": os.getloadavg()[0],
           "cpus": os.cpu_count()}
    if n_sample or n_young:
        acgt = np.frombuffer(b"ACGTN", dtype=np.uint8)
        seqs = [acgt[codes[offs[i]:offs[i + 1]]].tobytes().decode() for i in range(len(offs) - 1)]
        if n_sample:
            pick = np.random.default_rng(0).choice(len(seqs), size=min(n_sample, len(seqs)), replace=False)
            res["sample_check"] = oracle_check(seqs, labels, pick)
        if n_young:
            res["young_sample_check"] = oracle_check(seqs, labels, young_pick(truth, n_young))
    return res


def young_pick(truth: list[tuple[str, int, float]], n: int, max_div: float = 0.04, seed: int = 1) -> np.ndarray:
    """n rows (seeded) among the repeat copies at <= max_div divergence from their family consensus.

    Chosen from the world's truth, not from the grouping: these are the rows with the most links (copies of young
    families), so the exhaustive check covers many linked pairs instead of the few a random sample holds.
    """
    idx = np.flatnonzero([fam != "-" and div <= max_div for fam, _, div in truth])
    return np.sort(np.random.default_rng(seed).choice(idx, size=min(n, len(idx)), replace=False))


def oracle_check(seqs: list[str], labels: np.ndarray, pick: np.ndarray) -> dict:
    """The independent oracle (`tests/containment_oracle.py`) on rows `pick` against every row: how many
    linked pairs it finds, and how many of them the grouping `labels` split (must be 0)."""
    from containment_oracle import linked_pairs

    t0 = time.perf_counter()
    pairs, flagged = linked_pairs([seqs[i] for i in pick], seqs)
    found = [(int(pick[a]), int(b)) for a, b in pairs if pick[a] != b]
    return {"sample": int(len(pick)), "pairs_flagged_by_qgram_lemma": int(flagged), "linked_pairs_found": len(found),
            "linked_pairs_split": int(sum(labels[a] != labels[b] for a, b in found)),
            "rows_with_a_link": len({a for a, _ in found}), "check_seconds": round(time.perf_counter() - t0, 1)}


def halves_run(scale: float, threads: int, world: str = "families") -> list[dict]:
    """The grouping kernel on the world's repeat copies alone, then on its background rows alone.

    The background is random sequence: whatever the kernel examines there is chance seed collisions.
    """
    from loaders.build.containment import group_codes

    codes, offs, truth = world_codes(scale, world=world)
    is_copy = np.array([t[0] != "-" for t in truth])
    out = []
    for name, mask in (("copies only", is_copy), ("background only", ~is_copy)):
        idx = np.flatnonzero(mask)
        parts = [codes[offs[i]:offs[i + 1]] for i in idx]
        sub_offs = np.zeros(len(idx) + 1, np.int64)
        np.cumsum([len(x) for x in parts], out=sub_offs[1:])
        stats: dict = {}
        t0, c0 = time.perf_counter(), _cpu_seconds()
        group_codes(np.concatenate(parts), sub_offs, threads=threads, stats=stats, profile=stats)
        out.append({"mode": "grouping kernel, half of the rows", "world": world, "scale": scale, "subset": name,
                    "rows": len(idx), "threads": threads, "grouping_wall_seconds": round(time.perf_counter() - t0, 1),
                    "grouping_cpu_seconds": round(_cpu_seconds() - c0, 1), "grouping_stats": stats})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, nargs="+", default=[0.01])
    ap.add_argument("--threads", type=int, default=0, help="0: all cores this process may use")
    ap.add_argument("--sample", type=int, default=200, help="rows checked exhaustively (0: skip)")
    ap.add_argument("--sample-young", type=int, default=0,
                    help="with --kernel-only: also check this many copies at <= 4 %% divergence (many links each)")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir)")
    ap.add_argument("--out", type=Path, default=None, help="append results (JSON lines) here")
    ap.add_argument("--kernel-only", action="store_true", help="time the grouping kernel alone (no genome, no build)")
    ap.add_argument("--halves", action="store_true",
                    help="time the grouping kernel on the repeat copies alone, then on the background alone")
    ap.add_argument("--near-only", action="store_true",
                    help="only count the world's near pairs from its truth (`near_pairs`), no grouping")
    ap.add_argument("--world", choices=WORLDS, default="families",
                    help="families: the issue's 50 families growing with f; clans: f/0.01 independent 50-family "
                         "worlds; replicas: clans sharing the first one's family parameters (see make_items)")
    args = ap.parse_args()
    from loaders.build.containment import threads_default

    threads = args.threads or threads_default()
    for scale in args.scale:
        if args.halves:
            for res in halves_run(scale, threads, args.world):
                _emit(res, args.out)
            continue
        if args.near_only:
            t0 = time.perf_counter()
            _, offs, truth = world_codes(scale, world=args.world)
            _emit({"mode": "near pairs only", "world": args.world, "scale": scale, "rows": int(len(offs) - 1),
                   "near_pairs": near_pairs(truth, np.diff(offs)), "seconds": round(time.perf_counter() - t0, 1)},
                  args.out)
            continue
        if args.kernel_only:
            _emit(kernel_run(scale, threads, args.sample, args.world, args.sample_young), args.out)
            continue
        with tempfile.TemporaryDirectory(dir=args.work, prefix=f"scale-{scale}-") as tmp:
            work = Path(tmp)
            load_start = os.getloadavg()[0]
            t0 = time.perf_counter()
            counts = generate(scale, work / "input", world=args.world)
            gen_s = time.perf_counter() - t0
            res = timed_build(work / "input" / "genome.fa", work / "input" / "labels.bed", work / "cache", threads)
            info = json.loads((Path(res["path"]) / "build.json").read_text())
            res.update(world=args.world, scale=scale, threads=threads, generate_seconds=round(gen_s, 1), **counts,
                       rows=info["stats"]["rows"], groups=info["stats"]["clusters"],
                       multi_member_groups=info["stats"]["multi_member_clusters"],
                       grouping_stats=info["stats"].get("grouping", {}),
                       loadavg_1min_start=load_start, loadavg_1min=os.getloadavg()[0], cpus=os.cpu_count())
            if args.sample:
                res["sample_check"] = sample_check(Path(res["path"]), args.sample)
            res.pop("path")
            _emit(res, args.out)


def _emit(res: dict, out: Path | None) -> None:
    """Print one result line (with the code's commit) and append it to `out`."""
    import subprocess

    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    res["commit"] = (head.stdout.strip() or "unknown") + ("+changes" if dirty else "")
    line = json.dumps(res)
    print(line, flush=True)
    if out:
        with open(out, "a") as fh:
            fh.write(line + "\n")


if __name__ == "__main__":
    main()
