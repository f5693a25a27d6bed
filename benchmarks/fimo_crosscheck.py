"""Cross-check: `benchmark.interpret.fimo` against the MEME suite's own FIMO code (pymemesuite).

pymemesuite (Cython bindings to MEME suite 5.4.1 C code, non-commercial licence) is not a
dependency; install it by hand to run this (`pip install pymemesuite`; wheels for CPython
3.8-3.12 on Linux/macOS). For a seeded set of JASPAR CORE vertebrate motifs (written as a
MEME file, as `jaspar2meme` would) and random sequences (with N runs and lowercase), both
scan with FIMO's default NRDB background, on both strands and on one (--norc), at several
pseudocounts; the script compares the hit sets (p < threshold: pymemesuite keeps p < t,
FIMO p <= t) and the largest score / p-value / q-value differences, and writes a markdown
table. pymemesuite never scans the last window of a sequence (an off-by-one in its Cython loop;
FIMO itself does), so hits ending at a sequence's last base are left out of the comparison.
Exits 1 when a hit set differs or a p-value differs by more than 1e-9 relative.

    .venv/bin/python benchmarks/fimo_crosscheck.py [--motifs 60] [--seqs 20] [--length 2000] [--write docs/fimo.md]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.interpret.fimo import scan_fimo  # noqa: E402
from benchmark.interpret.motif_files import read_motif_file, to_meme  # noqa: E402
from benchmark.interpret.motifs import load_jaspar  # noqa: E402


def random_sequences(n: int, length: int, seed: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        s = list(rng.choice(list("ACGT"), size=length, p=[0.3, 0.2, 0.2, 0.3]))
        for _ in range(2):  # an N run and a lowercase stretch
            a = int(rng.integers(0, length - 30))
            s[a : a + 5] = "N" * 5
            b = int(rng.integers(0, length - 30))
            s[b : b + 20] = [c.lower() for c in s[b : b + 20]]
        out.append((f"seq{i}", "".join(s)))
    return out


def pymemesuite_hits(meme_path: Path, records: list[tuple[str, str]], both: bool, pseudo: float, thresh: float) -> dict:
    from pymemesuite.common import MotifFile, Sequence
    from pymemesuite.fimo import FIMO

    seqs = [Sequence(s, name=n.encode()) for n, s in records]
    out = {}
    with MotifFile(str(meme_path), symmetrical=both, pseudocount=pseudo) as mf:
        fimo = FIMO(both_strands=both, threshold=thresh)
        for motif in mf:
            pattern = fimo.score_motif(motif, seqs, mf.background)
            for m in pattern.matched_elements:
                key = (motif.accession.decode(), m.source.name.decode(), min(m.start, m.stop), m.strand)
                out[key] = (m.score, m.pvalue, m.qvalue)
    return out


def ours(motifs, records, both: bool, pseudo: float, thresh: float) -> dict:
    hits = scan_fimo(motifs, records, both_strands=both, pseudocount=pseudo, threshold=thresh)
    lengths = hits["sequence_name"].map({n: len(s) for n, s in records})
    # pymemesuite 0.1.0a4 scans range(length - width) windows: never the last one of a sequence
    # (FIMO's C reader does; fimo.pyx `_score_sequence`), so those are left out of the comparison
    hits = hits[(hits["p-value"] < thresh) & (hits["stop"] < lengths)]
    return {(r.motif_id, r.sequence_name, int(r.start), r.strand): (r.score, r[7], r[8])
            for r in hits.itertuples(index=False)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--motifs", type=int, default=60)
    ap.add_argument("--seqs", type=int, default=20)
    ap.add_argument("--length", type=int, default=2000)
    ap.add_argument("--threshold", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args()
    try:
        import pymemesuite
    except ImportError:
        print("pymemesuite is not installed (pip install pymemesuite); nothing to compare against", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    everything = load_jaspar()
    chosen = [everything[i] for i in sorted(rng.choice(len(everything), size=args.motifs, replace=False))]
    records = random_sequences(args.seqs, args.length, args.seed)
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        meme = Path(tmp) / "jaspar.meme"
        meme.write_text(to_meme(chosen))
        motifs = read_motif_file(meme).motifs  # what FIMO reads: 6-decimal probabilities, nsites
        for both in (True, False):
            for pseudo in (0.1, 1.0, 0.01):
                t0 = time.perf_counter()
                mine = ours(motifs, records, both, pseudo, args.threshold)
                t_ours = time.perf_counter() - t0
                t0 = time.perf_counter()
                ref = pymemesuite_hits(meme, records, both, pseudo, args.threshold)
                t_ref = time.perf_counter() - t0
                same = set(mine) == set(ref)
                common = sorted(set(mine) & set(ref))
                d_score = max((abs(mine[k][0] - ref[k][0]) for k in common), default=0.0)
                d_p = max((abs(mine[k][1] - ref[k][1]) / ref[k][1] for k in common), default=0.0)
                d_q = max((abs(mine[k][2] - ref[k][2]) / ref[k][2] for k in common if ref[k][2] > 0), default=0.0)
                ok &= same and d_p <= 1e-9
                rows.append((("both" if both else "+ only"), pseudo, len(ref), len(mine), same, d_score, d_p, d_q,
                             t_ours, t_ref))
    head = (f"{args.motifs} JASPAR2026 CORE vertebrate motifs (seed {args.seed}) x {args.seqs} random sequences of "
            f"{args.length} bp (A/T 0.3, C/G 0.2, N runs, lowercase), NRDB background, p < {args.threshold:g}; "
            f"pymemesuite {pymemesuite.__version__} (MEME suite 5.4.1 C code).")
    table = ["| strands | pseudocount | pymemesuite hits | our hits | same hits | max score diff | max p rel diff | "
             "max q rel diff | ours (s) | pymemesuite (s) |", "|---|---|---|---|---|---|---|---|---|---|"]
    table += [f"| {r[0]} | {r[1]:g} | {r[2]} | {r[3]} | {'yes' if r[4] else 'NO'} | {r[5]:.2g} | {r[6]:.2g} | "
              f"{r[7]:.2g} | {r[8]:.2f} | {r[9]:.2f} |" for r in rows]
    text = head + "\n\n" + "\n".join(table) + "\n"
    print(text)
    if args.write:
        marker = "<!-- fimo-crosscheck -->"
        old = args.write.read_text() if args.write.exists() else ""
        block = f"{marker}\n{text}{marker}\n"
        if marker in old:
            pre, _, rest = old.partition(marker)
            _, _, post = rest.partition(marker + "\n")
            new = pre + block + post
        else:
            new = old + ("\n" if old else "") + block
        args.write.write_text(new)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
