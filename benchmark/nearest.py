"""Nearest train row of each test row: how similar is the closest thing the model was trained on?

`nearest_train(test, train)` returns, per test sequence, the train sequence with the best local
alignment and that alignment's identity and coverage. It is the oracle-style check of
`tests/containment_oracle.py` turned into a measurement (not the grouping code of
`loaders.build.containment`, which only says *whether* two rows are linked):

1. Candidates: the `candidates` train rows sharing the most distinct `q`-mers (q = 12) with the
   test row, on either strand; rows sharing fewer than `min_shared` are skipped.
2. Each candidate is aligned (Biopython `PairwiseAligner`, local, match +2, mismatch -3, gap -5
   per column: the grouping's scores) on the strand where it shares more q-mers; the nearest is the
   candidate with the best score, if that score reaches `min_score` (`MIN_SCORE`: below it the
   best alignment is a chance match of a few dozen bases, not a homologous train row).
3. Of that alignment: `identity` = identical columns / all columns (gap columns included, N never
   identical), `coverage` = test bases inside the alignment / test length, `coverage_train` the same
   for the train row. `linked` = identity >= 0.95 and either coverage >= 0.8 (the grouping criterion
   measured on the whole alignment; the grouping itself also accepts a high-identity stretch of it,
   so every row `linked` here is one the grouping links too).

A test row without a homologous train row gets identity 0, coverage 0 and no nearest id. Cost: the index is
a sorted array of (q-mer, train row) pairs; alignments cost O(len(test) x len(train)) each, so
this suits audits of up to some 10^4 test rows, not genome-scale builds.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Q = 12
MIN_SCORE = 60.0
"""Best local alignment score below which a test row has no homologous train row (60 = 30 identical bases).
Chance exact matches of 15-20 bp between a 2 kb row and a 1.5 Mb train set are expected (the demo's
background rows have them, score 30-40); counted as homologous they would fill the identity-1.0 bin."""
HISTOGRAM_EDGES: dict[str, tuple[float, ...]] = {
    "identity": (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0),
    "coverage": (0.0, 0.2, 0.5, 0.8, 0.95, 1.0),
}
"""Bin edges of the histograms (left-closed; the last bin also holds 1.0)."""
_LUT = np.full(256, 4, dtype=np.int64)
for _i, _c in enumerate(b"ACGT"):
    _LUT[_c] = _i
_COMP = str.maketrans("ACGTN", "TGCAN")


@dataclass(frozen=True)
class Nearest:
    """The nearest train row of one test row (`index` -1 when none shares `min_shared` q-mers)."""

    index: int
    identity: float
    coverage: float
    coverage_train: float
    strand: str
    score: float

    @property
    def linked(self) -> bool:
        return self.identity >= 0.95 and max(self.coverage, self.coverage_train) >= 0.8


NONE = Nearest(-1, 0.0, 0.0, 0.0, ".", 0.0)


def revcomp(seq: str) -> str:
    return seq.translate(_COMP)[::-1]


def qmers(seq: str, q: int = Q) -> np.ndarray:
    """Distinct q-mer codes of `seq` (q-mers holding an N left out)."""
    a = _LUT[np.frombuffer(seq.upper().encode("ascii", "replace"), dtype=np.uint8)]
    if len(a) < q:
        return np.zeros(0, dtype=np.int64)
    win = np.lib.stride_tricks.sliding_window_view(a, q)
    codes = win @ (4 ** np.arange(q - 1, -1, -1, dtype=np.int64))
    return np.unique(codes[(win < 4).all(axis=1)])


class QmerIndex:
    """Sorted (q-mer, row) pairs of a set of sequences; `shared(seq)` counts distinct q-mers per row."""

    def __init__(self, sequences: Sequence[str], q: int = Q) -> None:
        self.q, self.n = q, len(sequences)
        per = [qmers(s, q) for s in sequences]
        rows = np.repeat(np.arange(self.n), [len(p) for p in per])
        codes = np.concatenate(per) if per else np.zeros(0, dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        self.codes, self.rows = codes[order], rows[order]

    def shared(self, seq: str) -> np.ndarray:
        """Distinct q-mers of `seq` found in each indexed row."""
        codes = qmers(seq, self.q)
        lo = np.searchsorted(self.codes, codes, side="left")
        hi = np.searchsorted(self.codes, codes, side="right")
        hit = np.concatenate([self.rows[a:b] for a, b in zip(lo, hi) if b > a] or [np.zeros(0, dtype=np.int64)])
        return np.bincount(hit, minlength=self.n)


def _aligner():
    from Bio.Align import PairwiseAligner

    al = PairwiseAligner()
    al.mode = "local"
    al.match_score, al.mismatch_score = 2, -3
    al.open_gap_score = al.extend_gap_score = -5
    return al


def alignment_stats(x: str, y: str, aligner=None) -> tuple[float, float, float, float]:
    """(score, identity, coverage of x, coverage of y) of the best local alignment of x with y."""
    al = aligner or _aligner()
    aln = al.align(x, y)[0]
    xs, ys = aln.coordinates
    same = cols = 0
    x_bases = y_bases = 0
    for i in range(len(xs) - 1):
        dx, dy = int(xs[i + 1] - xs[i]), int(ys[i + 1] - ys[i])
        if dx and dy:
            a = np.frombuffer(x[xs[i]:xs[i + 1]].encode(), dtype=np.uint8)
            b = np.frombuffer(y[ys[i]:ys[i + 1]].encode(), dtype=np.uint8)
            same += int(((a == b) & (a != ord("N"))).sum())
        cols += max(dx, dy)
        x_bases += dx
        y_bases += dy
    if cols == 0:
        return float(aln.score), 0.0, 0.0, 0.0
    return float(aln.score), same / cols, x_bases / len(x), y_bases / len(y)


def nearest_train(test: Sequence[str], train: Sequence[str], *, candidates: int = 4, min_shared: int = 3,
                  min_score: float = MIN_SCORE, q: int = Q) -> list[Nearest]:
    """The nearest train row of every test row (see module docstring)."""
    test = [s.upper() for s in test]
    train = [s.upper() for s in train]
    index = QmerIndex(train, q)
    al = _aligner()
    out: list[Nearest] = []
    for seq in test:
        fwd, rev = index.shared(seq), index.shared(revcomp(seq))
        best = np.maximum(fwd, rev)
        order = np.argsort(-best, kind="stable")[:candidates]
        order = order[best[order] >= min_shared]
        found = NONE
        for j in order.tolist():
            strand = "+" if fwd[j] >= rev[j] else "-"
            query = seq if strand == "+" else revcomp(seq)
            if al.score(query, train[j]) <= found.score:
                continue
            score, ident, cov, cov_t = alignment_stats(query, train[j], al)
            found = Nearest(j, ident, cov, cov_t, strand, score)
        out.append(found if found.score >= min_score else NONE)
    return out


def histogram(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """Counts per bin [edges[i], edges[i+1]) with the last bin closed."""
    counts, _ = np.histogram(np.clip(np.asarray(values, dtype=np.float64), edges[0], edges[-1]), bins=np.asarray(edges))
    return [int(c) for c in counts]


def summarize_nearest(found: Sequence[Nearest]) -> dict:
    """Histograms of identity and coverage, and how many test rows are linked to a train row."""
    n = len(found)
    ident = [f.identity for f in found]
    cov = [f.coverage for f in found]
    linked = sum(f.linked for f in found)
    return {
        "test_rows": n,
        "with_homologous_train_row": int(sum(f.index >= 0 for f in found)),
        "linked": int(linked), "linked_fraction": (linked / n) if n else None,
        "identity": {"edges": list(HISTOGRAM_EDGES["identity"]), "counts": histogram(ident, HISTOGRAM_EDGES["identity"]),
                     "median": float(np.median(ident)) if n else None},
        "coverage": {"edges": list(HISTOGRAM_EDGES["coverage"]), "counts": histogram(cov, HISTOGRAM_EDGES["coverage"]),
                     "median": float(np.median(cov)) if n else None},
        "joint": {"rows": "identity", "columns": "coverage", "counts": joint_histogram(ident, cov)},
    }


def joint_histogram(identity: Sequence[float], coverage: Sequence[float]) -> list[list[int]]:
    """Counts per (identity bin, coverage bin) over `HISTOGRAM_EDGES` (last bins closed)."""
    ie, ce = (np.asarray(HISTOGRAM_EDGES[k]) for k in ("identity", "coverage"))
    counts, _, _ = np.histogram2d(np.clip(np.asarray(identity, dtype=np.float64), ie[0], ie[-1]),
                                  np.clip(np.asarray(coverage, dtype=np.float64), ce[0], ce[-1]), bins=[ie, ce])
    return [[int(c) for c in row] for row in counts]
