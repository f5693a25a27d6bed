"""`immune_loci`: immunogenetics gene clusters (IG, TR, MHC/HLA, LRC/KIR) in windows vs distant background.

Base classes (the study's ids): 0 non-immune, 1 LRC/KIR, 2 other immunogenetics regions.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from loaders.build import ranges as iv
from loaders.build.annotations import labelled
from loaders.build.formats import read_gtf
from loaders.build.regions import genome_chroms, length_matched, outside, parse_region, tile
from loaders.core.recipe import BuildContext, Recipe, binary_and_multiclass
from loaders.sources import STUDY_BIBTEX

from .sources import DEMO_SOURCES, GRCH38_SOURCES

CLASSES = ("non_immune", "lrc_kir", "other_immune")
IMMUNE_TYPE = re.compile(r"^(IG|TR)_")
"""GENCODE gene types of immunoglobulin and T-cell receptor segments (IG_V_gene, TR_C_gene, IG_V_pseudogene, …)."""
IMMUNE_NAME = re.compile(r"^(HLA-|KIR[23]D|LILR[AB]|LAIR[12]$)")
"""Gene names of the MHC class I/II (HLA-*) and leukocyte receptor complex (KIR*, LILR*, LAIR1/2) genes."""
LRC_GRCH38 = "chr19:54,015,634-55,094,318"


def immune_genes(ctx: BuildContext) -> pd.DataFrame:
    """GENCODE gene rows selected by the rule above (chromosomes mapped to the genome's names)."""
    path = ctx.inputs["gencode"]
    genes = genome_chroms(read_gtf(path, features={"gene"}), path, ctx)
    hit = genes["gene_type"].str.match(IMMUNE_TYPE) | genes["gene_name"].str.match(IMMUNE_NAME)
    return genes[hit].reset_index(drop=True)


def make_intervals(ctx: BuildContext) -> pd.DataFrame:
    """Windows over merged immune gene clusters, labelled LRC/KIR or other; distant background."""
    p = ctx.params
    genes = immune_genes(ctx)
    ctx.stats["immune_genes"] = int(len(genes))
    regions = iv.merge(genes, int(p["merge_gap"]))
    ctx.stats["immune_regions"] = int(len(regions))
    ctx.stats["immune_region_bp"] = int((regions["end"] - regions["start"]).sum()) if len(regions) else 0
    windows = iv.drop_short(tile(regions, int(p["window"])), p["min_length"])
    chrom, lo, hi = parse_region(p["lrc_region"])
    mid = (windows["start"] + windows["end"]) // 2
    in_lrc = ((windows["chrom"] == chrom) & (mid >= lo) & (mid < hi)).to_numpy()
    lrc = labelled(windows[in_lrc], 1, "gencode_lrc_kir_window")
    other = labelled(windows[~in_lrc], 2, "gencode_immune_window")
    mask = outside(regions, int(p["flank"]), ctx.chrom_sizes)
    positives = pd.concat([lrc, other], ignore_index=True)
    background = length_matched(positives, mask, ctx, 0, "background_outside_immune", "background_unplaced")
    ctx.stats["lrc_windows"], ctx.stats["other_immune_windows"] = int(np.sum(in_lrc)), int(np.sum(~in_lrc))
    return pd.concat([positives, background], ignore_index=True)


CARD = """
**Immune regions** (rule): GENCODE v43 `gene` rows whose `gene_type` starts with `IG_` or `TR_` (immunoglobulin and
T-cell receptor V/D/J/C segments and their pseudogenes), or whose `gene_name` starts with `HLA-` (MHC class I/II)
or matches `KIR2D*`/`KIR3D*`, `LILRA*`/`LILRB*`, `LAIR1`/`LAIR2` (leukocyte receptor complex); gene bodies merged
when closer than `merge_gap` (50 kb on GRCh38) into cluster regions, which are cut into consecutive `window`-bp
windows (10 kb on GRCh38; the last window of a region may be shorter, >= 150 bp kept).

**Classes** (ids as in the study): 1 `lrc_kir` — windows whose midpoint lies in the LRC, `lrc_region`
(GRCh38 chr19:54,015,634-55,094,318, 1-based closed; the demo has its own, see build.json params);
2 `other_immune` — every other immune window (IGH/IGK/IGL, TRA/TRB/TRG, MHC/HLA); 0 `non_immune` — one
length-matched interval per immune window, placed uniformly (seeded, non-overlapping) in the genome minus
all immune regions ± `flank` (1 Mb on GRCh38).

**binary**: `non_immune` (0) vs `immune` (1, 2). Sequences are read on the + strand.
"""

BINARY, MULTICLASS = binary_and_multiclass(
    CLASSES, {1, 2}, "non_immune", "immune", "LRC/KIR vs other immunogenetics regions vs distant background",
    "immunogenetics region (IG, TR, MHC/HLA, LRC/KIR) vs distant background")

RECIPE = Recipe(
    name="immune_loci",
    title="Immunogenetics loci (PhenoSeq Bench)",
    description="Windows over the immunogenetics gene clusters (IG, TR, MHC/HLA and the leukocyte receptor "
                "complex with the KIR genes), defined from GENCODE gene types and names, vs distant background.",
    classes=CLASSES,
    configs=(BINARY, MULTICLASS),
    sources={"grch38": GRCH38_SOURCES, "demo": DEMO_SOURCES},
    make_intervals=make_intervals,
    card=CARD,
    citation=STUDY_BIBTEX,
    license="other",
    default_params={"window": 10_000, "merge_gap": 50_000, "flank": 1_000_000, "lrc_region": LRC_GRCH38},
    source_params={"demo": {"window": 2_000, "merge_gap": 5_000, "flank": 20_000,
                            "lrc_region": "chr1:1,100,001-1,200,000"}},
)
