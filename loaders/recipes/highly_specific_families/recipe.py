"""`highly_specific_families`: olfactory receptor (OR*) and defensin (DEF*) genes in windows vs background.

Base classes (the study's ids): 0 non-DEF/OR background, 1 olfactory receptor, 2 defensin.
"""
from __future__ import annotations

import re

import pandas as pd

from loaders.build import ranges as iv
from loaders.build.annotations import labelled
from loaders.build.formats import read_gtf
from loaders.build.regions import genome_chroms, length_matched, outside, tile
from loaders.core.recipe import BuildContext, Recipe, binary_and_multiclass
from loaders.sources import STUDY_BIBTEX

from .sources import DEMO_SOURCES, GRCH38_SOURCES

CLASSES = ("non_def_or", "olfactory_receptor", "defensin")
FAMILIES: dict[int, re.Pattern[str]] = {
    1: re.compile(r"^OR\d+[A-Z]+\d+"),  # OR1A1, OR7E14P, …
    2: re.compile(r"^DEF[AB]\d+"),  # DEFA1, DEFB4A, DEFB103B, DEFA10P, …
}
"""Base class id → GENCODE `gene_name` pattern (HGNC family nomenclature; pseudogenes included)."""


def make_intervals(ctx: BuildContext) -> pd.DataFrame:
    """Windows over OR and DEF gene bodies; background outside both families ± flank."""
    p = ctx.params
    path = ctx.inputs["gencode"]
    genes = genome_chroms(read_gtf(path, features={"gene"}), path, ctx)
    parts, bodies = [], []
    for label, pattern in FAMILIES.items():
        fam = genes[genes["gene_name"].str.match(pattern)]
        ctx.stats[f"{CLASSES[label]}_genes"] = int(len(fam))
        merged = iv.merge(fam)
        bodies.append(merged)
        windows = iv.drop_short(tile(merged, int(p["window"])), p["min_length"])
        parts.append(labelled(windows, label, f"gencode_{CLASSES[label]}_window"))
    positives = pd.concat(parts, ignore_index=True)
    family_bp = iv.merge(pd.concat(bodies, ignore_index=True))
    mask = outside(family_bp, int(p["flank"]), ctx.chrom_sizes)
    background = length_matched(positives, mask, ctx, 0, "background_outside_families", "background_unplaced")
    return pd.concat([positives, background], ignore_index=True)


CARD = """
**Families** (rule): GENCODE v43 `gene` rows whose `gene_name` matches `^OR\\d+[A-Z]+\\d+` (olfactory receptors,
HGNC `OR<family><subfamily><member>`, pseudogenes such as `OR7E14P` included) or `^DEF[AB]\\d+` (alpha and beta
defensins, e.g. `DEFA1`, `DEFB4A`). Gene bodies of a family are merged and cut into consecutive `window`-bp
windows (1 kb; the last window of a body may be shorter, >= 150 bp kept).

**Classes** (ids as in the study): 1 `olfactory_receptor`, 2 `defensin`; 0 `non_def_or` — one length-matched
interval per family window, placed uniformly (seeded, non-overlapping) in the genome minus every OR/DEF gene
± `flank` (1 Mb on GRCh38).

**binary**: `non_def_or` (0) vs `def_or` (1, 2). Sequences are read on the + strand. OR genes sit in large
clusters of paralogs: the cluster-grouped split keeps near-identical copies on one side.
"""

BINARY, MULTICLASS = binary_and_multiclass(
    CLASSES, {1, 2}, "non_def_or", "def_or", "olfactory receptor vs defensin vs background",
    "OR or DEF family gene vs background")

RECIPE = Recipe(
    name="highly_specific_families",
    title="Highly specific gene families: olfactory receptors and defensins (PhenoSeq Bench)",
    description="1 kb windows over olfactory receptor (OR*) and defensin (DEF*) genes named in GENCODE, vs "
                "length-matched background far from both families.",
    classes=CLASSES,
    configs=(BINARY, MULTICLASS),
    sources={"grch38": GRCH38_SOURCES, "demo": DEMO_SOURCES},
    make_intervals=make_intervals,
    card=CARD,
    citation=STUDY_BIBTEX,
    license="other",
    default_params={"window": 1_000, "flank": 1_000_000},
    source_params={"demo": {"flank": 20_000}},
)
