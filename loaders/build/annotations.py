"""Small helpers recipes share to turn annotation tables into BED3 frames."""
from __future__ import annotations

import os

import pandas as pd

from loaders.build.formats import is_primary
from loaders.core.errors import FormatError


def require_chroms(df: pd.DataFrame, path: str | os.PathLike, chrom_sizes: dict[str, int]) -> pd.DataFrame:
    """Keep primary-chromosome rows; a primary chromosome absent from the genome is an error naming file:line."""
    prim = df[df["chrom"].map(is_primary)]
    missing = prim[~prim["chrom"].isin(list(chrom_sizes))]
    if not missing.empty:
        row = missing.iloc[0]
        raise FormatError(f"{path}:{row['line']}: chromosome '{row['chrom']}' is not in the genome FASTA")
    too_long = prim[prim["end"] > prim["chrom"].map(chrom_sizes)]
    if not too_long.empty:
        row = too_long.iloc[0]
        raise FormatError(f"{path}:{row['line']}: interval {row['chrom']}:{row['start']}-{row['end']} "
                          f"runs past the chromosome end ({chrom_sizes[row['chrom']]})")
    return prim.reset_index(drop=True)


def labelled(df: pd.DataFrame, label: int, source: str, strand: str = "+") -> pd.DataFrame:
    """BED3 rows → the recipe interval frame (chrom,start,end,strand,label,source)."""
    out = df[["chrom", "start", "end"]].copy()
    out["strand"] = strand
    out["label"] = label
    out["source"] = source
    return out.reset_index(drop=True)
