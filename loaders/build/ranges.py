"""Genomic range arithmetic (pybedtools/bedtools) and seeded length-matched sampling (numpy).

("Intervals" in this codebase means labelled intervals, what a recipe's `make_intervals` returns
and what a user's BED holds; this module works on plain ranges: chrom, start, end.)

DataFrames use columns chrom,start,end (0-based half-open) plus whatever else a caller
carries. Sampling is our own code rather than `bedtools shuffle -seed`, because
bedtools' random stream differs between releases; ours is identical on every machine.
"""
from __future__ import annotations

import bisect

import numpy as np
import pandas as pd
import pybedtools

BED3 = ["chrom", "start", "end"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"chrom": pd.Series(dtype="object"), "start": pd.Series(dtype="int64"),
                         "end": pd.Series(dtype="int64")})


def _bt(df: pd.DataFrame) -> pybedtools.BedTool:
    df = df[BED3].sort_values(BED3, kind="stable")
    return pybedtools.BedTool.from_dataframe(df)


def _df(bt: pybedtools.BedTool) -> pd.DataFrame:
    rows = [(f.chrom, int(f.start), int(f.end)) for f in bt]
    if not rows:
        return _empty()
    return pd.DataFrame(rows, columns=BED3).astype({"start": "int64", "end": "int64"})


def sort(df: pd.DataFrame) -> pd.DataFrame:
    """Sort by chrom, start, end (stable) and reset the index."""
    return df.sort_values(BED3, kind="stable").reset_index(drop=True)


def merge(df: pd.DataFrame, distance: int = 0) -> pd.DataFrame:
    """Union of intervals, joining those within `distance` bp (bedtools merge -d)."""
    if df.empty:
        return _empty()
    try:
        return _df(_bt(df).merge(d=distance))
    finally:
        pybedtools.cleanup()


def subtract(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Parts of `a` not covered by `b` (bedtools subtract), BED3 only."""
    if a.empty:
        return _empty()
    if b.empty:
        return sort(a[BED3])
    try:
        return _df(_bt(a).subtract(_bt(b)))
    finally:
        pybedtools.cleanup()


def complement(df: pd.DataFrame, sizes: dict[str, int]) -> pd.DataFrame:
    """Genome (`sizes`) minus `df`."""
    genome = pd.DataFrame([(c, 0, n) for c, n in sizes.items()], columns=BED3)
    return subtract(genome, df)


def intersect(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Parts of `a` covered by `b` (BED3)."""
    if a.empty or b.empty:
        return _empty()
    b = merge(b)
    try:
        return _df(_bt(a).intersect(_bt(b)))
    finally:
        pybedtools.cleanup()


def slop(df: pd.DataFrame, flank: int, sizes: dict[str, int]) -> pd.DataFrame:
    """Each interval widened by `flank` on both sides, clipped to the chromosome."""
    out = df[BED3].copy()
    out["start"] = (out["start"] - flank).clip(lower=0)
    out["end"] = [min(e + flank, sizes.get(c, e + flank)) for c, e in zip(out["chrom"], out["end"])]
    return out


def drop_short(df: pd.DataFrame, min_length: int) -> pd.DataFrame:
    """Keep intervals of at least `min_length` bp."""
    return df[(df["end"] - df["start"]) >= min_length].reset_index(drop=True)


def sample_length_matched(lengths: np.ndarray, mask: pd.DataFrame, rng: np.random.Generator,
                          max_tries: int = 200) -> pd.DataFrame:
    """Place one interval per requested length inside `mask`, non-overlapping, seeded.

    For each length a start is drawn uniformly over all mask positions and accepted when
    the interval fits inside that mask interval and overlaps no earlier placement (so
    starts are uniform over the valid positions); after `max_tries` rejections that
    length is skipped. Returns chrom,start,end,template (index into `lengths`), sorted.
    """
    mask = sort(mask[BED3])
    cols = [*BED3, "template"]
    if mask.empty or len(lengths) == 0:
        return pd.DataFrame(columns=cols).astype({"start": "int64", "end": "int64", "template": "int64"})
    m_chrom = mask["chrom"].to_numpy()
    m_start = mask["start"].to_numpy(dtype=np.int64)
    m_end = mask["end"].to_numpy(dtype=np.int64)
    cum = np.concatenate([[0], np.cumsum(m_end - m_start)])
    total = int(cum[-1])
    placed: dict[str, tuple[list[int], list[int]]] = {}
    rows = []
    for idx, length in enumerate(np.asarray(lengths, dtype=np.int64)):
        length = int(length)
        for _ in range(max_tries):
            pos = int(rng.integers(0, total))
            k = int(np.searchsorted(cum, pos, side="right") - 1)
            start = int(m_start[k] + (pos - cum[k]))
            end = start + length
            if end > m_end[k]:
                continue
            chrom = str(m_chrom[k])
            starts, ends = placed.setdefault(chrom, ([], []))
            i = bisect.bisect_left(starts, start)
            if (i > 0 and ends[i - 1] > start) or (i < len(starts) and starts[i] < end):
                continue
            starts.insert(i, start)
            ends.insert(i, end)
            rows.append((chrom, start, end, idx))
            break
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({"start": "int64", "end": "int64", "template": "int64"}).pipe(sort)
