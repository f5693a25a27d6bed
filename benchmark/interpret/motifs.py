"""Motifs (JASPAR via pyjaspar, offline, release pinned; or motif files) and FIMO scanning.

Motifs: JASPAR CORE vertebrates, non-redundant (the latest version of each matrix), from
the SQLite release bundled with pyjaspar; files via `benchmark.interpret.motif_files`.
Scanning: `benchmark.interpret.fimo`, which computes what MEME suite FIMO 5.4 computes
(p < 1e-4, both strands, pseudocount 0.1, FIMO's default NRDB background unless another is
given, exact p-values of the integer-scaled score, per-motif q-values as FIMO's).
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from benchmark.interpret.pwm import DEFAULT_SITES, Motif  # noqa: F401  (re-exported: the motif type lives in pwm)
from loaders.core.errors import UserError

JASPAR_RELEASE = "JASPAR2026"
"""Pinned JASPAR release (bundled with pyjaspar; no download)."""
P_THRESHOLD = 1e-4
HIT_COLUMNS = ["motif_id", "motif_name", "sequence_name", "start", "end", "strand", "score", "p_value", "q_value"]


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
        with warnings.catch_warnings():  # pyjaspar warns before returning None for an unknown id
            warnings.simplefilter("ignore")
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


def scan(motifs: Sequence[Motif], sequences: Mapping[str, str], threshold: float = P_THRESHOLD,
         pseudocount: float = 0.1, background: str | np.ndarray | None = "nrdb",
         motif_background: np.ndarray | None = None) -> pd.DataFrame:
    """FIMO hits (p <= threshold, both strands): columns `HIT_COLUMNS`; start/end half-open, 0-based;
    q-values per motif as FIMO computes them. `background` as `fimo.resolve_background`."""
    from benchmark.interpret.fimo import scan_fimo

    if not motifs or not sequences or not any(sequences.values()):
        return pd.DataFrame(columns=HIT_COLUMNS)
    hits = scan_fimo(motifs, sequences, background=background, motif_background=motif_background,
                     pseudocount=pseudocount, threshold=threshold)
    out = pd.DataFrame({
        "motif_id": hits["motif_id"], "motif_name": hits["motif_alt_id"], "sequence_name": hits["sequence_name"],
        "start": hits["start"].astype(np.int64) - 1, "end": hits["stop"].astype(np.int64),
        "strand": hits["strand"].astype(str), "score": hits["score"].astype(np.float64),
        "p_value": hits["p-value"].astype(np.float64), "q_value": hits["q-value"].astype(np.float64),
    })
    return out.sort_values(["sequence_name", "start", "motif_id", "strand"], kind="mergesort").reset_index(drop=True)
