"""`disease_gwas`: windows around GWAS Catalog loci vs matched non-disease intervals, genic or intergenic.

Base classes (the study's ids): 0 non-disease genic, 1 disease genic, 2 non-disease
intergenic, 3 disease intergenic.
"""
from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from loaders.build import ranges as iv
from loaders.build.annotations import labelled
from loaders.build.formats import iter_lines, read_gtf
from loaders.build.regions import centred, genome_chroms, length_matched, tile
from loaders.core.errors import FormatError
from loaders.core.recipe import BuildContext, Recipe, binary_and_multiclass
from loaders.sources import STUDY_BIBTEX

from .sources import DEMO_SOURCES, GRCH38_SOURCES, GWAS_RELEASE

CLASSES = ("non_disease_genic", "disease_genic", "non_disease_intergenic", "disease_intergenic")
PRIORITY = (1, 3, 0, 2)
_MULTI = re.compile(r"\s*(?:;|\sx\s)\s*")


def read_gwas_catalog(path: str | os.PathLike, max_p: float | None) -> tuple[pd.DataFrame, dict[str, int]]:
    """GWAS Catalog associations TSV → one row per mapped SNP: chrom (as CHR_ID), start (0-based), end, line.

    Multi-SNP rows (`a;b`, haplotypes `a x b`) give one row per position when CHR_ID and CHR_POS pair up;
    rows without a position (unmapped) or with P-VALUE above `max_p` are skipped and counted.
    """
    stats = {"gwas_rows": 0, "gwas_rows_unmapped": 0, "gwas_rows_above_max_p": 0}
    rows = []
    header: list[str] | None = None
    for n, line in iter_lines(path):
        if not line.strip():
            continue
        fields = line.split("\t")
        if header is None:
            header = fields
            missing = {"CHR_ID", "CHR_POS", "P-VALUE"} - set(header)
            if missing:
                raise FormatError(f"{path}:{n}: not a GWAS Catalog associations file (no {', '.join(sorted(missing))})")
            col = {name: i for i, name in enumerate(header)}
            continue
        stats["gwas_rows"] += 1
        fields += [""] * (len(header) - len(fields))
        chroms = [c for c in _MULTI.split(fields[col["CHR_ID"]].strip()) if c]
        positions = [x for x in _MULTI.split(fields[col["CHR_POS"]].strip()) if x]
        if not chroms or len(chroms) != len(positions) or not all(x.isdigit() for x in positions):
            stats["gwas_rows_unmapped"] += 1
            continue
        try:
            p = float(fields[col["P-VALUE"]])
        except ValueError:
            p = float("nan")
        if max_p is not None and not p <= max_p:
            stats["gwas_rows_above_max_p"] += 1
            continue
        rows += [(c, int(x) - 1, int(x), n) for c, x in zip(chroms, positions)]
    df = pd.DataFrame(rows, columns=["chrom", "start", "end", "line"]).astype({"start": "int64", "end": "int64"})
    return df, stats


def make_intervals(ctx: BuildContext) -> pd.DataFrame:
    """Disease windows split genic/intergenic by their midpoint; matched backgrounds in the same masks."""
    p = ctx.params
    snps, stats = read_gwas_catalog(ctx.inputs["gwas"], p["max_p"])
    ctx.stats.update(stats)
    snps = genome_chroms(snps, ctx.inputs["gwas"], ctx, stat="gwas_snps_off_primary")
    loci = iv.merge(snps, int(p["merge_distance"]))
    ctx.stats["disease_loci"] = int(len(loci))
    width = int(p["window"])
    windows = iv.drop_short(tile(iv.merge(centred(loci, width, ctx.chrom_sizes)), width), p["min_length"])
    path = ctx.inputs["gencode"]
    genes = iv.merge(genome_chroms(read_gtf(path, features={"gene"}), path, ctx))
    mid = windows.assign(start=(windows["start"] + windows["end"]) // 2)
    mid["end"] = mid["start"] + 1
    genic_mid = iv.intersect(mid, genes)
    key = set(zip(genic_mid["chrom"], genic_mid["start"]))
    is_genic = np.array([(c, s) in key for c, s in zip(mid["chrom"], mid["start"])], dtype=bool)
    disease_genic, disease_inter = windows[is_genic], windows[~is_genic]
    genic_mask = iv.subtract(genes, windows)
    inter_mask = iv.subtract(iv.complement(genes, ctx.chrom_sizes), windows)
    parts = {
        1: labelled(disease_genic, 1, "gwas_catalog_genic_window"),
        3: labelled(disease_inter, 3, "gwas_catalog_intergenic_window"),
        0: length_matched(disease_genic, genic_mask, ctx, 0, "gencode_genic_background", "genic_background_unplaced"),
        2: length_matched(disease_inter, inter_mask, ctx, 2, "intergenic_background", "intergenic_background_unplaced"),
    }
    return pd.concat([parts[k] for k in PRIORITY], ignore_index=True)


CARD = f"""
**Disease loci**: every association of the NHGRI-EBI GWAS Catalog (release {GWAS_RELEASE.replace('/', '-')} on
GRCh38) with a mapped position and P-VALUE <= `max_p` (5e-8, genome-wide significance; `max_p=1` keeps every
association with a P-VALUE),
one point per SNP (1-based CHR_POS → 0-based), merged within `merge_distance` (10 bp). A `window`-bp window
(10 kb on GRCh38) is centred on each locus; overlapping windows are merged and cut again into consecutive
`window`-bp windows (the last may be shorter, >= 150 bp kept).

**Classes** (ids as in the study): 1 `disease_genic` / 3 `disease_intergenic` — disease windows whose midpoint lies
inside / outside a GENCODE v43 gene body; 0 `non_disease_genic` / 2 `non_disease_intergenic` — one length-matched
interval per disease window of the same context, placed uniformly (seeded, non-overlapping) inside gene bodies /
intergenic space with every disease window excluded.

**binary**: `non_disease` (0, 2) vs `disease` (1, 3). Sequences are read on the + strand. GWAS hits tag
haplotypes, not causal bases: a window holds the lead SNP, not necessarily the causal variant.
"""

BINARY, MULTICLASS = binary_and_multiclass(
    CLASSES, {1, 3}, "non_disease", "disease", "disease / non-disease, genic / intergenic",
    "GWAS disease locus vs matched non-disease interval")

RECIPE = Recipe(
    name="disease_gwas",
    title="Disease loci from the GWAS Catalog (PhenoSeq Bench)",
    description="Windows around genome-wide significant GWAS Catalog loci vs length-matched non-disease intervals, "
                "in genic and intergenic context.",
    classes=CLASSES,
    configs=(BINARY, MULTICLASS),
    sources={"grch38": GRCH38_SOURCES, "demo": DEMO_SOURCES},
    make_intervals=make_intervals,
    card=CARD,
    citation=STUDY_BIBTEX,
    license="other",
    default_params={"window": 10_000, "merge_distance": 10, "max_p": 5e-8},
    source_params={"demo": {"window": 2_000}},
)
