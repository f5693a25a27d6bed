"""Normalised k-mer spectra (k = 1..6) of DNA sequences, as a sparse matrix.

Column layout: for each k in `ks` (ascending), the 4**k k-mers in lexicographic order
over `ACGT` (A=0, C=1, G=2, T=3; the first base is the most significant digit).
A k-mer containing any non-ACGT character (N) is skipped; each k block of a row is
divided by the number of valid k-mers of that size, so it sums to 1 (or 0 when the
sequence has none).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

DEFAULT_KS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)

_LUT = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate("ACGT"):
    _LUT[ord(_c)] = _i
    _LUT[ord(_c.lower())] = _i


def n_features(ks: Sequence[int] = DEFAULT_KS) -> int:
    """Number of spectrum columns for `ks`."""
    return int(sum(4**k for k in ks))


def kmer_names(ks: Sequence[int] = DEFAULT_KS) -> list[str]:
    """Column names (`A`, `C`, ..., `TTTTTT`) in matrix order."""
    names: list[str] = []
    for k in ks:
        for code in range(4**k):
            names.append("".join("ACGT"[(code >> (2 * (k - 1 - j))) & 3] for j in range(k)))
    return names


def _chunk_spectrum(seqs: Sequence[str], ks: Sequence[int]) -> sparse.csr_matrix:
    """Sparse spectrum of a chunk (vectorised over the chunk's concatenated bases)."""
    n = len(seqs)
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=n)
    flat = _LUT[np.frombuffer("".join(seqs).encode("ascii", "replace"), dtype=np.uint8)]
    rows = np.repeat(np.arange(n), lengths)
    room = np.repeat(lengths, lengths) - (np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths))
    code = np.zeros(flat.size, dtype=np.int64)
    valid = np.ones(flat.size, dtype=bool)
    parts_r, parts_c, parts_v = [], [], []
    offset = 0
    for k in range(1, max(ks) + 1):
        # the k-mer starting at p ends at p + k - 1: extend the (k-1)-mer code by one base.
        m = max(flat.size - k + 1, 0)
        nxt = flat[k - 1 :]
        code = code[:m] * 4 + np.maximum(nxt, 0)
        valid = valid[:m] & (nxt >= 0) & (room[:m] >= k)
        if k not in ks:
            continue
        counts = np.bincount(rows[:m][valid] * 4**k + code[valid], minlength=n * 4**k)
        totals = counts.reshape(n, 4**k).sum(axis=1)
        nz = np.flatnonzero(counts)
        r = nz // 4**k
        parts_r.append(r)
        parts_c.append(nz % 4**k + offset)
        parts_v.append((counts[nz] / totals[r]).astype(np.float32))
        offset += 4**k
    return sparse.coo_matrix(
        (np.concatenate(parts_v), (np.concatenate(parts_r), np.concatenate(parts_c))), shape=(n, offset)
    ).tocsr()


def kmer_spectrum(sequences: Sequence[str], ks: Sequence[int] = DEFAULT_KS, chunk: int = 1024) -> sparse.csr_matrix:
    """CSR matrix (len(sequences), sum 4**k) of normalised k-mer frequencies (float32)."""
    ks = tuple(sorted(set(int(k) for k in ks)))
    if not ks or ks[0] < 1:
        raise ValueError(f"k values must be >= 1, got {ks}")
    blocks = [_chunk_spectrum(list(sequences[i : i + chunk]), ks) for i in range(0, len(sequences), chunk)]
    if not blocks:
        return sparse.csr_matrix((0, n_features(ks)), dtype=np.float32)
    return sparse.vstack(blocks, format="csr", dtype=np.float32)
