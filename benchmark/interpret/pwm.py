"""The motif type: a letter-count (or probability) matrix with its id, name and site count, and
FIMO's pseudocount rule. A leaf module: motif files, JASPAR loading and scanning all build on it."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_SITES = 20
"""Sites FIMO assumes for a motif whose file states none (it weights the pseudocount by the site count)."""
PSEUDOCOUNT = 0.1
"""FIMO's default motif pseudocount (`--motif-pseudo`)."""


@dataclass(frozen=True)
class Motif:
    """A matrix (rows A, C, G, T; counts or probabilities) with its id, name and site count.

    `nsites`: the number of sites the matrix was built from (MEME's `nsites=`); None for a
    count matrix means the rounded mean column total (as `jaspar2meme` writes it)."""

    id: str
    name: str
    counts: np.ndarray
    nsites: float | None = None

    @property
    def width(self) -> int:
        return int(self.counts.shape[1])

    @property
    def site_count(self) -> float | None:
        """Sites behind the matrix: `nsites`, else a count matrix's rounded mean column total, else None."""
        if self.nsites is not None:
            return float(self.nsites)
        mean_total = float(np.asarray(self.counts, dtype=np.float64).sum(axis=0).mean())
        return float(int(mean_total + 0.5)) if int(mean_total + 0.5) > 1 else None

    def probabilities(self, pseudocount: float = 0.1, background: Sequence[float] | None = None) -> np.ndarray:
        """(4, w) letter probabilities with FIMO's pseudocount, (p * n + pseudocount * bg) / (n + pseudocount)
        (n: `site_count` as an integer, 20 when unknown; bg uniform unless given)."""
        bg = np.full(4, 0.25) if background is None else np.asarray(background, dtype=np.float64)
        return motif_frequencies(self, bg, pseudocount).T

    @property
    def consensus(self) -> str:
        return "".join("ACGT"[i] for i in self.counts.argmax(axis=0))


def motif_frequencies(motif: Motif, background: np.ndarray, pseudocount: float = PSEUDOCOUNT) -> np.ndarray:
    """(w, 4) letter probabilities after FIMO's pseudocount (step 2)."""
    f = np.asarray(motif.counts, dtype=np.float64).T
    totals = f.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise ValueError(f"motif {motif.id} has a position with no counts")
    f = np.where(np.abs(totals - 1.0) > 1e-5, f / totals, f)  # MEME's normalize_motif(tolerance 1e-5)
    if pseudocount == 0:
        return f
    if pseudocount < 0:
        raise ValueError("the pseudocount must be >= 0")
    sites = motif.site_count
    n = int(sites) if sites and sites > 0 else DEFAULT_SITES
    return (f * n + pseudocount * background[None, :]) / (n + pseudocount)
