"""JASPAR motifs (pyjaspar, offline, release pinned) and FIMO scanning (memelite) with q-values.

Motifs: JASPAR CORE vertebrates, non-redundant (the latest version of each matrix), from
the SQLite release bundled with pyjaspar. Scanning: memelite's FIMO at p < 1e-4 on both
strands, uniform background, MEME's motif pseudocount (0.1, times the background).
q-values: Benjamini-Hochberg over every window scanned (all motifs, both strands), so
they equal FIMO's q-values computed with the total number of tests.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from loaders.core.errors import UserError

JASPAR_RELEASE = "JASPAR2026"
"""Pinned JASPAR release (bundled with pyjaspar; no download)."""
P_THRESHOLD = 1e-4
HIT_COLUMNS = ["motif_id", "motif_name", "sequence_name", "start", "end", "strand", "score", "p_value", "q_value"]


@dataclass(frozen=True)
class Motif:
    """A count matrix (rows A, C, G, T) with its JASPAR id and name."""

    id: str
    name: str
    counts: np.ndarray

    @property
    def width(self) -> int:
        return int(self.counts.shape[1])

    def probabilities(self, pseudocount: float = 0.1) -> np.ndarray:
        """Column frequencies with MEME's pseudocount (count + pseudocount * 0.25) / (n + pseudocount)."""
        c = np.asarray(self.counts, dtype=np.float64)
        n = c.sum(axis=0, keepdims=True)
        return (c + pseudocount * 0.25) / (n + pseudocount)

    @property
    def consensus(self) -> str:
        return "".join("ACGT"[i] for i in self.counts.argmax(axis=0))


class MotifError(UserError, KeyError):
    """A motif id not in the pinned JASPAR release (one line; still a KeyError for older callers)."""


@lru_cache(maxsize=8)
def _jaspar_all(release: str, collection: str, tax_group: str) -> tuple[Motif, ...]:
    from pyjaspar import jaspardb

    db = jaspardb(release=release)
    return tuple(_to_motif(m) for m in db.fetch_motifs(collection=collection, tax_group=tax_group))


def _to_motif(m) -> Motif:  # noqa: ANN001 - Bio.motifs.jaspar.Motif
    counts = np.array([list(m.counts[b]) for b in "ACGT"], dtype=np.float64)
    return Motif(str(m.matrix_id), str(m.name), counts)


def load_jaspar(ids: Sequence[str] | None = None, release: str = JASPAR_RELEASE, collection: str = "CORE",
                tax_group: str = "vertebrates") -> list[Motif]:
    """JASPAR CORE vertebrates non-redundant (latest versions); `ids` (base or versioned) selects some."""
    from pyjaspar import jaspardb

    if ids is None:
        return list(_jaspar_all(release, collection, tax_group))
    db = jaspardb(release=release)
    out = []
    for mid in ids:
        m = db.fetch_motif_by_id(mid)
        if m is None:
            raise MotifError(f"motif {mid} not in {release}")
        out.append(_to_motif(m))
    return out


def one_hot(seqs: Sequence[str]) -> np.ndarray:
    """(n, 4, max_len) int8; N and padding are all-zero columns."""
    width = max((len(s) for s in seqs), default=0)
    x = np.zeros((len(seqs), 4, width), dtype=np.int8)
    lut = np.full(256, -1, dtype=np.int64)
    for i, b in enumerate("ACGT"):
        lut[ord(b)] = i
        lut[ord(b.lower())] = i
    for n, s in enumerate(seqs):
        idx = lut[np.frombuffer(s.encode(), dtype=np.uint8)]
        pos = np.flatnonzero(idx >= 0)
        x[n, idx[pos], pos] = 1
    return x


def n_tests(motifs: Sequence[Motif], lengths: Sequence[int], strands: int = 2) -> int:
    """Windows scanned: per motif and strand, `len - width + 1` per sequence."""
    return int(sum(strands * max(0, L - m.width + 1) for m in motifs for L in lengths))


def bh_qvalues(p: Sequence[float] | np.ndarray, m: int | None = None) -> np.ndarray:
    """Benjamini-Hochberg q-values of `p` among `m` tests (m >= len(p); the rest have larger p)."""
    p = np.asarray(p, dtype=np.float64)
    m = len(p) if m is None else max(m, len(p))
    if len(p) == 0:
        return p
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * m / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    out = np.empty_like(q)
    out[order] = q
    return out


@contextmanager
def _torch_threads_kept() -> Iterator[None]:
    """memelite's numba-parallel scan can reset torch's intra-op thread count (shared OpenMP
    runtime); put it back so a model used after a scan keeps its setting."""
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    try:
        yield
    finally:
        if torch is not None and before is not None and torch.get_num_threads() != before:
            torch.set_num_threads(before)


def scan(motifs: Sequence[Motif], sequences: Mapping[str, str], threshold: float = P_THRESHOLD,
         pseudocount: float = 0.1) -> pd.DataFrame:
    """FIMO hits (p < threshold, both strands): columns `HIT_COLUMNS`; start/end half-open, 0-based."""
    from memelite import fimo

    names = list(sequences)
    seqs = [sequences[n].upper() for n in names]
    if not motifs or not seqs or not any(seqs):
        return pd.DataFrame(columns=HIT_COLUMNS)
    pwms = {f"m{i}": m.probabilities(pseudocount) for i, m in enumerate(motifs)}
    with _torch_threads_kept():
        frames = fimo(pwms, one_hot(seqs), threshold=threshold)
    lengths = np.array([len(s) for s in seqs])
    rows = []
    for i, (m, df) in enumerate(zip(motifs, frames)):
        if len(df) == 0:
            continue
        seq_idx = df["sequence_name"].to_numpy().astype(np.int64)
        ends = df["end"].to_numpy().astype(np.int64)
        keep = ends <= lengths[seq_idx]  # windows running into the padding of shorter sequences
        df = df[keep]
        rows.append(pd.DataFrame({
            "motif_id": m.id, "motif_name": m.name,
            "sequence_name": [names[j] for j in seq_idx[keep]],
            "start": df["start"].to_numpy().astype(np.int64), "end": df["end"].to_numpy().astype(np.int64),
            "strand": df["strand"].astype(str).to_numpy(), "score": df["score"].to_numpy().astype(np.float64),
            "p_value": df["p-value"].to_numpy().astype(np.float64),
        }))
    if not rows:
        return pd.DataFrame(columns=HIT_COLUMNS)
    hits = pd.concat(rows, ignore_index=True)
    hits["q_value"] = bh_qvalues(hits["p_value"].to_numpy(), n_tests(motifs, lengths.tolist()))
    return hits.sort_values(["sequence_name", "start", "motif_id", "strand"], kind="mergesort").reset_index(drop=True)[HIT_COLUMNS]
