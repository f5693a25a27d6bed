"""High-attribution regions: threshold bases, keep runs >= min_len, pad, write BED + FASTA.

The study's rule (the default): a base is high when its score is above the sequence's
mean and above 10x the sequence's minimum; runs of at least 8 such bases are kept and
padded by 4 bp on each side (clipped to the sequence; overlapping padded runs merge).
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Interval = tuple[int, int]


@dataclass(frozen=True)
class Threshold:
    """Which bases count as high. Conditions combine with AND; NaN bases are never high.

    above_mean: score > mean of the sequence; min_factor: score > factor * min of the sequence;
    quantile: score >= that quantile of the sequence (e.g. 0.9 keeps the top 10 %).
    """

    above_mean: bool = True
    min_factor: float | None = 10.0
    quantile: float | None = None

    def mask(self, scores: Sequence[float] | np.ndarray) -> np.ndarray:
        s = np.asarray(scores, dtype=np.float64)
        ok = np.isfinite(s)
        keep = ok.copy()
        if not ok.any():
            return keep
        vals = s[ok]
        with np.errstate(invalid="ignore"):
            if self.above_mean:
                keep &= s > vals.mean()
            if self.min_factor is not None:
                keep &= s > self.min_factor * vals.min()
            if self.quantile is not None:
                keep &= s >= np.quantile(vals, self.quantile)
        return keep


STUDY_THRESHOLD = Threshold()


def runs(mask: Sequence[bool] | np.ndarray, min_len: int = 8) -> list[Interval]:
    """Half-open `[start, end)` runs of True at least `min_len` long."""
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return [(int(s), int(e)) for s, e in zip(edges[::2], edges[1::2]) if e - s >= min_len]


def pad_intervals(intervals: Iterable[Interval], pad: int, length: int) -> list[Interval]:
    """Grow each interval by `pad` on both sides, clip to `[0, length)`, merge overlaps."""
    out: list[list[int]] = []
    for s, e in sorted((max(0, s - pad), min(length, e + pad)) for s, e in intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


@dataclass(frozen=True)
class Region:
    """A high-attribution region of one sequence (sequence coordinates, half-open)."""

    seq_id: str
    start: int
    end: int
    score: float

    @property
    def name(self) -> str:
        return f"{self.seq_id}:{self.start}-{self.end}"


def find_regions(seq_id: str, scores: Sequence[float] | np.ndarray, threshold: Threshold = STUDY_THRESHOLD,
                 min_len: int = 8, pad: int = 4) -> list[Region]:
    """Regions of one sequence; `score` is the mean attribution inside the region."""
    s = np.asarray(scores, dtype=np.float64)
    out = []
    for a, b in pad_intervals(runs(threshold.mask(s), min_len), pad, len(s)):
        inside = s[a:b]
        out.append(Region(seq_id, a, b, float(np.nanmean(inside)) if np.isfinite(inside).any() else float("nan")))
    return out


def region_sequences(regions: Iterable[Region], sequences: Mapping[str, str]) -> dict[str, str]:
    """`{region.name: subsequence}`."""
    return {r.name: sequences[r.seq_id][r.start : r.end] for r in regions}


def bed_lines(regions: Iterable[Region]) -> list[str]:
    """BED6 in sequence coordinates: chrom = sequence id, name = `<id>:<start>-<end>`, strand '.'."""
    return [f"{r.seq_id}\t{r.start}\t{r.end}\t{r.name}\t{r.score:.6g}\t." for r in regions]


def write_bed(regions: Iterable[Region], path: str | os.PathLike) -> None:
    lines = bed_lines(regions)
    with open(path, "w") as fh:
        fh.write("".join(line + "\n" for line in lines))


def write_fasta(records: Mapping[str, str], path: str | os.PathLike, width: int = 80) -> None:
    """FASTA with `width`-column lines."""
    with open(path, "w") as fh:
        for name, seq in records.items():
            fh.write(f">{name}\n")
            for i in range(0, max(len(seq), 1), width):
                fh.write(seq[i : i + width] + "\n")
