"""An independent check of the grouping guarantee (not a test module; no code from loaders.build.containment).

`linked_pairs(queries, targets)` finds every (query, target) pair that meets the criterion:
an alignment of the query with the target or its reverse complement spanning >= coverage of
either sequence at >= identity (identical columns / columns).

1. Flag: exact q-mer containment. A linking alignment over l positions has at most
   e = floor(l (1-id)/id) edits, so >= l - e - (e+1)(q-1) of the target's q-mer positions occur
   in the query (the q-gram lemma); pairs below that are ruled out without aligning.
2. Align each flagged pair with Biopython's PairwiseAligner (local; +2/-3, gap -5 per column),
   both strands, and take the longest stretch of the optimal alignment at >= identity.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from Bio.Align import PairwiseAligner

Q = 10
_LUT = np.full(256, 4, dtype=np.int64)
for _i, _c in enumerate(b"ACGT"):
    _LUT[_c] = _i
_COMP = str.maketrans("ACGTN", "TGCAN")


def revcomp(s: str) -> str:
    return s.translate(_COMP)[::-1]


def qmer_codes(seq: str, q: int = Q) -> np.ndarray:
    """Code of the q-mer starting at each position (-1 where it holds an N)."""
    a = _LUT[np.frombuffer(seq.encode(), dtype=np.uint8)]
    if len(a) < q:
        return np.zeros(0, dtype=np.int64)
    win = np.lib.stride_tricks.sliding_window_view(a, q)
    codes = (win * (4 ** np.arange(q - 1, -1, -1))).sum(axis=1)
    return np.where((win > 3).any(axis=1), -1, codes)


def lemma_bound(length: int, identity: float, coverage: float, q: int = Q) -> int:
    """Fewest shared q-mer positions a linking alignment covering `length` bp can have."""
    best = None
    for ell in range(max(1, math.ceil(coverage * length - 1e-9)), length + 1):
        e = math.floor(ell * (1 - identity) / identity + 1e-9)
        b = max(0, ell - e - (e + 1) * (q - 1))
        best = b if best is None else min(best, b)
    return best or 0


def _aligner() -> PairwiseAligner:
    al = PairwiseAligner()
    al.mode = "local"
    al.match_score, al.mismatch_score = 2, -3
    al.open_gap_score = al.extend_gap_score = -5
    return al


def _longest(cols: np.ndarray, skip: int, identity: float) -> int:
    """Longest span (columns other than `skip`) of a run of columns whose identity is >= `identity`."""
    pre = np.concatenate([[0.0], np.cumsum(np.where(cols == 0, 1 - identity, -identity))])
    span = np.concatenate([[0], np.cumsum(cols != skip)])
    sufmax = np.maximum.accumulate(pre[::-1])[::-1]  # non-increasing
    # for each start a: the last end with pre[end] >= pre[a] is the last index whose suffix max reaches it
    ends = np.searchsorted(-sufmax, -pre[:-1] + 1e-9, side="right") - 1
    return int(max(0, (span[ends] - span[:-1]).max()))


def alignment_columns(x: str, y: str) -> np.ndarray:
    """Columns of Biopython's optimal local alignment: 0 match, 1 mismatch, 2 x only, 3 y only."""
    aln = _aligner().align(x, y)[0]
    xs, ys = aln.coordinates
    cols: list[int] = []
    for i in range(len(xs) - 1):
        dx, dy = xs[i + 1] - xs[i], ys[i + 1] - ys[i]
        if dx and dy:
            cols += [0 if (x[xs[i] + t] == y[ys[i] + t] and x[xs[i] + t] != "N") else 1 for t in range(dx)]
        elif dx:
            cols += [2] * dx
        else:
            cols += [3] * dy
    return np.asarray(cols, dtype=np.int64)


def links(x: str, y: str, identity: float = 0.95, coverage: float = 0.8, strands: tuple[int, ...] = (0, 1)) -> bool:
    """Does the criterion hold for x and y (y's strands 0: as given, 1: reverse complement)?"""
    need = math.ceil(coverage * min(len(x), len(y)) - 1e-9)
    floor_score = (2 * identity - 5 * (1 - identity)) * need  # any stretch that long scores at least this
    for strand in strands:
        yy = revcomp(y) if strand else y
        if _aligner().score(x, yy) < floor_score - 1e-6:
            continue
        cols = alignment_columns(x, yy)
        if (_longest(cols, 3, identity) >= coverage * len(x) - 1e-9
                or _longest(cols, 2, identity) >= coverage * len(yy) - 1e-9):
            return True
    return False


def linked_pairs(queries: list[str], targets: list[str], identity: float = 0.95,
                 coverage: float = 0.8) -> tuple[list[tuple[int, int]], int]:
    """All (query index, target index) pairs meeting the criterion, and how many pairs were aligned."""
    index: dict[int, set[int]] = defaultdict(set)
    for qi, s in enumerate(queries):
        for strand, seq in ((0, s), (1, revcomp(s))):
            for c in set(qmer_codes(seq).tolist()) - {-1}:
                index[c].add(qi * 2 + strand)
    known = np.zeros(4 ** Q, dtype=bool)
    known[list(index)] = True
    qbound = [lemma_bound(len(s), identity, coverage) for s in queries]
    flagged: list[tuple[int, int]] = []
    for ti, t in enumerate(targets):
        codes = qmer_codes(t)
        hit = codes[(codes >= 0) & known[np.maximum(codes, 0)]]
        if not len(hit):
            continue
        counts: dict[int, int] = defaultdict(int)
        for c in hit.tolist():
            for key in index[c]:
                counts[key] += 1
        tb = lemma_bound(len(t), identity, coverage)
        for key, n in counts.items():
            if n >= min(qbound[key // 2], tb):
                flagged.append((key // 2, ti, key % 2))
    linked = sorted({(qi, ti) for qi, ti, strand in flagged
                     if links(targets[ti], queries[qi], identity, coverage, (strand,))})
    return linked, len(flagged)


def random_dna(n: int, rng: np.random.Generator) -> str:
    """n uniform random bases from `rng` (the test worlds' sequences)."""
    return "".join(rng.choice(list("ACGT"), n))


SUBSTITUTE = {"A": "C", "C": "G", "G": "T", "T": "A"}


def substitute(seq: str, positions) -> str:
    """`seq` with the base at each of `positions` replaced by another (A->C->G->T->A)."""
    s = list(seq)
    for p in positions:
        s[p] = SUBSTITUTE[s[p]]
    return "".join(s)
