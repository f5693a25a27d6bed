"""`regulatory_elements`: Ensembl Regulatory Build features by type, vs distant background.

Base classes (the study's ids): 0 non-regulatory, 1 TF binding site, 2 enhancer,
3 CTCF binding site, 4 promoter, 5 open chromatin.
"""
from __future__ import annotations

import pandas as pd

from loaders.build import ranges as iv
from loaders.build.annotations import labelled
from loaders.build.formats import read_gtf
from loaders.build.regions import genome_chroms, length_matched, outside
from loaders.core.recipe import BuildContext, Recipe, binary_and_multiclass
from loaders.sources import STUDY_BIBTEX

from .sources import DEMO_SOURCES, GRCH38_SOURCES, REGULATORY_BUILD

CLASSES = ("non_regulatory", "tf_binding_site", "enhancer", "ctcf_binding_site", "promoter", "open_chromatin")
ENSEMBL_TYPES: dict[str, int] = {"TF_binding_site": 1, "enhancer": 2, "CTCF_binding_site": 3, "promoter": 4,
                                 "open_chromatin_region": 5}
"""Ensembl GFF column-3 type → base class id."""


def single_type_parts(features: pd.DataFrame, min_length: int) -> dict[int, pd.DataFrame]:
    """Per class: its merged intervals minus every base annotated with another type, >= `min_length`."""
    merged = {k: iv.merge(features[features["label"] == k]) for k in sorted(ENSEMBL_TYPES.values())}
    out = {}
    for k, df in merged.items():
        others = pd.concat([d for j, d in merged.items() if j != k], ignore_index=True)
        out[k] = iv.drop_short(iv.subtract(df, others), min_length)
    return out


def make_intervals(ctx: BuildContext) -> pd.DataFrame:
    """Labelled intervals of the six classes (see module docstring and card)."""
    p = ctx.params
    path = ctx.inputs["regulatory"]
    gff = read_gtf(path, features=set(ENSEMBL_TYPES), keep=())
    gff = genome_chroms(gff, path, ctx, stat="regulatory_rows_off_primary")
    gff["label"] = gff["feature"].map(ENSEMBL_TYPES)
    ctx.stats["regulatory_features"] = int(len(gff))
    parts = single_type_parts(gff, p["min_length"])
    for k, df in parts.items():
        ctx.stats[f"single_type_{CLASSES[k]}"] = int(len(df))
    positives = pd.concat([labelled(df, k, f"ensembl_regulatory_build_{REGULATORY_BUILD}") for k, df in parts.items()],
                          ignore_index=True)
    mask = outside(gff, int(p["flank"]), ctx.chrom_sizes)
    background = length_matched(positives, mask, ctx, 0, "background_outside_features", "background_unplaced")
    return pd.concat([positives, background], ignore_index=True)


CARD = """
**Classes** (ids as in the study): 0 `non_regulatory` — length-matched intervals sampled outside every regulatory
feature widened by `flank` (1 Mb on GRCh38) on both sides; 1 `tf_binding_site`, 2 `enhancer`,
3 `ctcf_binding_site`, 4 `promoter`, 5 `open_chromatin` — the Ensembl Regulatory Build (GRCh38, build 20221007)
features of GFF type `TF_binding_site`, `enhancer`, `CTCF_binding_site`, `promoter`, `open_chromatin_region`
(core region, columns 4-5; 1-based GFF converted to 0-based).

**Single-type parts only**: features of one type are merged; every base also annotated with another type is
removed, and the remaining parts >= 150 bp are kept (counts: `single_type_<class>`). Ensembl chromosome names
(`1`, `X`) are mapped to the genome's (`chr1`, `chrX`); features on scaffolds are dropped
(`regulatory_rows_off_primary`).

**Background**: one interval per regulatory interval, same length, placed uniformly (seeded, non-overlapping)
in the genome minus all features ± `flank`. The Regulatory Build covers the genome densely, so on GRCh38 the
± 1 Mb mask is small (`background_mask_bp`) and some lengths may not be placed (`background_unplaced`); pass a
smaller `flank` for a larger background.

**binary**: `non_regulatory` (0) vs `regulatory` (1-5). Sequences are read on the + strand.
"""

BINARY, MULTICLASS = binary_and_multiclass(
    CLASSES, {1, 2, 3, 4, 5}, "non_regulatory", "regulatory",
    "TF binding site / enhancer / CTCF / promoter / open chromatin vs distant background",
    "regulatory feature (any type) vs distant background")

RECIPE = Recipe(
    name="regulatory_elements",
    title="Regulatory elements (PhenoSeq Bench)",
    description="Ensembl Regulatory Build features (GRCh38, build 20221007) by type — TF binding site, enhancer, "
                "CTCF binding site, promoter, open chromatin — vs length-matched background far from any feature.",
    classes=CLASSES,
    configs=(BINARY, MULTICLASS),
    sources={"grch38": GRCH38_SOURCES, "demo": DEMO_SOURCES},
    make_intervals=make_intervals,
    card=CARD,
    citation=STUDY_BIBTEX,
    license="other",
    default_params={"flank": 1_000_000},
    source_params={"demo": {"flank": 20_000}},
)
