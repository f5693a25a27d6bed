"""`herv_classification`: HERV vs non-HERV, and the study's 4-class split.

Base classes (the study's ids): 0 non-HERV genic, 1 HERV expressed ("coding"),
2 non-HERV intergenic, 3 HERV not expressed ("non-coding").
"""
from __future__ import annotations

import pandas as pd

from loaders.build import ranges as iv
from loaders.build.annotations import labelled, require_chroms
from loaders.build.formats import read_bed, read_gtf, read_rmsk
from loaders.core.errors import FormatError
from loaders.core.recipe import BuildContext, ConfigSpec, Recipe
from loaders.sources import STUDY_BIBTEX

from .sources import GRCH38_SOURCES

HERV_REPFAMILIES = ("ERV1", "ERVK", "ERVL", "ERVL-MaLR")
CLASSES = ("non_herv_coding", "herv_coding", "non_herv_noncoding", "herv_noncoding")
PRIORITY = (1, 3, 0, 2)  # order rows are listed in; the first of two identical ids wins


def herv_loci(ctx: BuildContext) -> pd.DataFrame:
    """All HERV loci (BED3, merged within `merge_distance`) from the chosen HERV annotation."""
    herv_set = ctx.params["herv_set"]
    if herv_set == "rmsk":
        path = ctx.inputs["rmsk"]
        rm = read_rmsk(path)
        df = rm[(rm["rep_class"] == "LTR") & rm["rep_family"].isin(HERV_REPFAMILIES)]
    elif herv_set == "telescope":
        path = ctx.inputs["telescope_genes"]
        df = read_gtf(path, features={"gene"})
    elif herv_set == "serve":
        path = ctx.inputs["serve_noncoding"]
        df = read_bed(path)
    else:
        raise FormatError(f"herv_set must be rmsk, telescope or serve, got {herv_set!r}")
    df = require_chroms(df, path, ctx.chrom_sizes)
    ctx.stats["herv_annotation_rows"] = int(len(df))
    return iv.merge(df, ctx.params["merge_distance"])


def expressed_loci(ctx: BuildContext) -> pd.DataFrame:
    """Union of SERVE tissue `transcript` rows (1-based → 0-based), merged, >= min_length."""
    frames = []
    keys = sorted(k for k in ctx.inputs if k.startswith("serve:"))
    if not keys:
        raise FormatError("no SERVE expression GTFs among the inputs")
    for key in keys:
        path = ctx.inputs[key]
        frames.append(require_chroms(read_gtf(path, features={"transcript"}), path, ctx.chrom_sizes))
    ctx.stats["serve_tissues"] = len(keys)
    merged = iv.merge(pd.concat(frames, ignore_index=True), ctx.params["merge_distance"])
    return iv.drop_short(merged, ctx.params["min_length"])


def make_intervals(ctx: BuildContext) -> pd.DataFrame:
    """Labelled intervals of the four classes (see module docstring and card)."""
    p = ctx.params
    loci = herv_loci(ctx)
    expressed = expressed_loci(ctx)
    touched = iv.intersect(loci, expressed)
    ctx.stats["herv_loci"] = int(len(loci))
    ctx.stats["herv_loci_with_expressed_part"] = int(
        len(loci.merge(touched, on="chrom").query("start_x < end_y and start_y < end_x")[["chrom", "start_x"]].drop_duplicates()))
    noncoding = iv.drop_short(iv.subtract(loci, expressed), p["min_length"])
    all_herv = iv.merge(pd.concat([loci, expressed], ignore_index=True))
    genes = require_chroms(read_gtf(ctx.inputs["gencode"], features={"gene"}), ctx.inputs["gencode"], ctx.chrom_sizes)
    genes = iv.merge(genes)
    genic_mask = iv.subtract(genes, all_herv)
    intergenic_mask = iv.subtract(iv.complement(genes, ctx.chrom_sizes), all_herv)
    genic = iv.sample_length_matched((expressed["end"] - expressed["start"]).to_numpy(), genic_mask, ctx.rng)
    intergenic = iv.sample_length_matched((noncoding["end"] - noncoding["start"]).to_numpy(), intergenic_mask, ctx.rng)
    ctx.stats["background_unplaced"] = int(len(expressed) - len(genic) + len(noncoding) - len(intergenic))
    parts = {
        1: labelled(expressed, 1, "serve_expressed_herv"),
        3: labelled(noncoding, 3, f"{p['herv_set']}_herv_not_expressed"),
        0: labelled(genic, 0, "gencode_genic_background"),
        2: labelled(intergenic, 2, "intergenic_background"),
    }
    return pd.concat([parts[k] for k in PRIORITY], ignore_index=True)


CARD = """
**Classes** (ids as in the study): 0 `non_herv_coding` — length-matched intervals sampled inside GENCODE gene
bodies; 1 `herv_coding` — expressed HERV loci: the union of SERVE GTEx tissue `transcript` rows (1-based
GTF converted to 0-based, fixing the study's off-by-one), merged within 10 bp, >= 150 bp; 2 `non_herv_noncoding`
— length-matched intervals sampled in intergenic space; 3 `herv_noncoding` — the remaining HERV loci
(RepeatMasker `repClass=LTR`, `repFamily` in ERV1/ERVK/ERVL/ERVL-MaLR, merged within 10 bp; or the Telescope
HERV_rmsk.hg38.v2 loci with `herv_set=telescope`, or SERVE/HERVd `HERV_noncoding.bed.gz` with
`herv_set=serve`) minus every expressed base, >= 150 bp.

**Backgrounds** exclude every HERV base (annotated loci and expressed transcripts). Genic samples match the
lengths of the expressed HERVs, intergenic samples those of the non-expressed HERVs; placement is uniform over
valid positions, non-overlapping, seeded (our own sampler: `bedtools shuffle -seed` differs between releases).

**Loci with two labels**: a HERV locus partly covered by an expressed transcript is split — expressed bases
are `herv_coding`, the rest (if >= 150 bp) `herv_noncoding` (count: `herv_loci_with_expressed_part`).
Identical sequences with different labels are dropped (count: `conflicting_label_rows_dropped`).

**binary**: `non_herv` (0, 2) vs `herv` (1, 3). Sequences are read on the + strand (`strand` = `+`).
"""

RECIPE = Recipe(
    name="herv_classification",
    title="HERV classification (PhenoSeq Bench)",
    description="Human endogenous retrovirus (HERV) loci vs non-HERV genomic background, and the study's "
                "4-class split by expression (SERVE, 42 GTEx tissues) and genic/intergenic context.",
    classes=CLASSES,
    configs=(
        ConfigSpec("binary", ("non_herv", "herv"), (0, 1, 0, 1), "HERV (expressed or not) vs non-HERV background"),
        ConfigSpec("multiclass", CLASSES, (0, 1, 2, 3), "expressed / non-expressed HERV, genic / intergenic background"),
    ),
    sources={"grch38": GRCH38_SOURCES, "demo": ()},
    make_intervals=make_intervals,
    card=CARD,
    citation=STUDY_BIBTEX,
    license="other",
    default_params={"herv_set": "rmsk", "merge_distance": 10},
)
