"""Region helpers recipes share: chromosome aliases, windows, flanked backgrounds.

Pure functions over BED-like DataFrames (chrom,start,end 0-based half-open), on top of
`loaders.build.ranges`; the seeded sampler is `ranges.sample_length_matched`.
"""
from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from loaders.build import ranges as iv
from loaders.build.annotations import labelled, require_chroms
from loaders.core.recipe import BuildContext

MAX_FILL = 0.5
"""Largest share of a background mask that length-matched sampling tries to fill."""
_REGION = re.compile(r"^([^:\s]+):([\d,]+)-([\d,]+)$")


def parse_region(text: str) -> tuple[str, int, int]:
    """`chr19:54,015,634-55,094,318` (1-based closed, commas allowed) → (chrom, start0, end)."""
    m = _REGION.match(str(text).strip())
    if not m:
        raise ValueError(f"region must look like chr19:54015634-55094318, got {text!r}")
    return m.group(1), int(m.group(2).replace(",", "")) - 1, int(m.group(3).replace(",", ""))


def genome_chroms(df: pd.DataFrame, path: str | os.PathLike, ctx: BuildContext, stat: str | None = None) -> pd.DataFrame:
    """Rename chromosomes to the genome's names (`1` → `chr1` via `Genome.resolve`); keep primary ones.

    Rows on sequences the genome does not know (e.g. Ensembl scaffolds `KI270728.1`) are dropped
    and counted in `ctx.stats[stat]`; a primary chromosome missing from the genome is an error.
    """
    if ctx.genome is not None and not df.empty:
        mapped = df["chrom"].map(lambda c: ctx.genome.resolve(c) or c)
        df = df.assign(chrom=mapped)
    kept = require_chroms(df, path, ctx.chrom_sizes)
    if stat:
        ctx.stats[stat] = int(len(df) - len(kept))
    return kept


def tile(df: pd.DataFrame, width: int) -> pd.DataFrame:
    """Consecutive `width`-bp windows over each interval (`bedtools makewindows -w`; the last may be shorter)."""
    rows = [(c, s, min(s + width, int(e))) for c, a, e in zip(df["chrom"], df["start"], df["end"])
            for s in range(int(a), int(e), width)]
    return iv.sort(pd.DataFrame(rows, columns=iv.BED3)) if rows else iv._empty()


def centred(df: pd.DataFrame, width: int, sizes: dict[str, int]) -> pd.DataFrame:
    """A `width`-bp window centred on each interval's midpoint, shifted to stay inside the chromosome."""
    mid = (df["start"].to_numpy() + df["end"].to_numpy()) // 2
    size = df["chrom"].map(sizes).to_numpy()
    start = np.clip(mid - width // 2, 0, np.maximum(size - width, 0))
    return pd.DataFrame({"chrom": df["chrom"].to_numpy(), "start": start.astype("int64"),
                         "end": np.minimum(start + width, size).astype("int64")})


def outside(features: pd.DataFrame, flank: int, sizes: dict[str, int]) -> pd.DataFrame:
    """Genome minus every feature widened by `flank` on both sides."""
    return iv.complement(iv.merge(iv.slop(features, flank, sizes)) if not features.empty else features, sizes)


def n_runs(ctx: BuildContext) -> pd.DataFrame:
    """Every run of N on the primary chromosomes (read from the genome once per build, then cached on it)."""
    cached = getattr(ctx.genome, "_n_runs_frame", None)
    if cached is None:
        runs = [(c, a, b) for c in ctx.chrom_sizes for a, b in ctx.genome.n_runs(c)]
        cached = pd.DataFrame(runs, columns=iv.BED3) if runs else iv._empty()
        ctx.genome._n_runs_frame = cached
        ctx.stats["n_bp"] = int((cached["end"] - cached["start"]).sum()) if runs else 0
    return cached


def n_free(mask: pd.DataFrame, ctx: BuildContext) -> pd.DataFrame:
    """`mask` minus every N run, so sampled backgrounds are real sequence (not assembly gaps)."""
    return iv.subtract(mask, n_runs(ctx)) if ctx.genome is not None else mask


def length_matched(templates: pd.DataFrame, mask: pd.DataFrame, ctx: BuildContext, label: int, source: str,
                   stat: str) -> pd.DataFrame:
    """One seeded, non-overlapping interval inside `mask` (minus N runs) per template length; misses counted."""
    mask = n_free(mask, ctx)
    lengths = (templates["end"] - templates["start"]).to_numpy()
    mask_bp = int((mask["end"] - mask["start"]).sum()) if len(mask) else 0
    wanted = lengths
    if lengths.sum() > mask_bp * MAX_FILL:
        # a mask too small for all templates: try a seeded subset filling at most MAX_FILL of it, rather than
        # spending max_tries rejections on every length that cannot fit
        order = ctx.rng.permutation(len(lengths))
        keep = order[np.cumsum(lengths[order]) <= mask_bp * MAX_FILL]
        wanted = lengths[np.sort(keep)]
    placed = iv.sample_length_matched(wanted, mask, ctx.rng)
    ctx.stats[stat] = int(len(lengths) - len(placed))
    ctx.stats[f"{stat.removesuffix('_unplaced')}_mask_bp"] = mask_bp
    return labelled(placed, label, source)
