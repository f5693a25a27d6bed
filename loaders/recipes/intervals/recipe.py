"""`intervals`: a user's genome FASTA + labelled BED through the shared pipeline.

`loaders.build_dataset("intervals", fasta="genome.fa", bed="labels.bed", name="my_task")`
(source `user`, the default for this recipe) builds `<cache>/datasets/user/my_task`: classes
are the BED's name column, sequences are read on the BED strand (reverse complement for `-`),
uppercased, split at N runs, clustered and split by cluster like every other dataset.
"""
from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from loaders.build.formats import read_bed
from loaders.core.errors import DatasetError, FormatError
from loaders.core.recipe import BuildContext, ConfigSpec, Recipe
from loaders.core.schema import label_order
from loaders.registry import recipe_names

from .sources import DEMO_SOURCES, USER_SOURCES

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


def read_labelled_bed(path: str | os.PathLike) -> pd.DataFrame:
    """`read_bed` plus the checks a labelled BED needs (a non-empty name on every line)."""
    bed = read_bed(path)
    if bed.empty:
        raise FormatError(f"{path}: no intervals")
    bed["name"] = bed["name"].str.strip()
    empty = bed[bed["name"] == ""]
    if not empty.empty:
        raise FormatError(f"{path}:{empty.iloc[0]['line']}: BED name column (the label) is empty")
    return bed


def _positive(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v).strip() for v in (value.split(",") if isinstance(value, str) else value)]


def specialize(recipe: Recipe, params: dict[str, Any], inputs: Mapping[str, Any]) -> Recipe:
    """The concrete declaration for one BED: name, classes (its labels) and configs."""
    name = params.get("name") or recipe.name
    reserved = set(recipe_names()) - {recipe.name}
    if not NAME.match(name) or name in reserved:
        raise DatasetError(f"invalid dataset name {name!r}: use letters, digits, _ . - (starting with a letter), "
                           f"not one of {', '.join(sorted(reserved))}")
    classes = tuple(label_order(read_labelled_bed(inputs["bed"])["name"]))
    configs = [ConfigSpec("multiclass", classes, tuple(range(len(classes))), "every BED label")]
    positive = _positive(params.get("positive"))
    unknown = sorted(set(positive) - set(classes))
    if unknown:
        raise DatasetError(f"positive label(s) {', '.join(unknown)} not in the BED (labels: {', '.join(classes)})")
    if positive:
        negatives = [c for c in classes if c not in positive]
        binary = ConfigSpec("binary", ("_".join(negatives) or "negative", "_".join(positive)),
                            tuple(int(c in positive) for c in classes), f"{'/'.join(positive)} vs the rest")
        configs.insert(0, binary)
    elif len(classes) == 2:
        configs.insert(0, ConfigSpec("binary", classes, (0, 1), f"{classes[1]} vs {classes[0]}"))
    return dataclasses.replace(recipe, name=name, title=f"{name} (user intervals, PhenoSeq Bench)",
                               classes=classes, configs=tuple(configs))


def make_intervals(ctx: BuildContext) -> pd.DataFrame:
    """BED rows → labelled intervals on the genome's chromosome names, strand kept ('.' read as '+')."""
    path = ctx.inputs["bed"]
    bed = read_labelled_bed(path)
    classes = label_order(bed["name"])
    chroms = []
    for rec in bed.itertuples(index=False):
        chrom = ctx.genome.resolve(rec.chrom)
        if chrom is None:
            known = ", ".join(list(ctx.genome.sizes)[:5])
            raise FormatError(f"{path}:{rec.line}: chromosome '{rec.chrom}' is not in the genome FASTA "
                              f"(sequences: {known}{', …' if len(ctx.genome.sizes) > 5 else ''})")
        if rec.end > ctx.genome.sizes[chrom]:
            raise FormatError(f"{path}:{rec.line}: interval {rec.chrom}:{rec.start}-{rec.end} runs past the "
                              f"sequence end ({ctx.genome.sizes[chrom]})")
        chroms.append(chrom)
    ctx.stats["bed_intervals"] = int(len(bed))
    ctx.stats["bed_minus_strand"] = int((bed["strand"] == "-").sum())
    ctx.stats["bed_chroms_renamed"] = int(sum(c != r for c, r in zip(chroms, bed["chrom"])))
    index = {c: i for i, c in enumerate(classes)}
    return pd.DataFrame({"chrom": chroms, "start": bed["start"].astype("int64"), "end": bed["end"].astype("int64"),
                         "strand": bed["strand"].replace(".", "+"), "label": bed["name"].map(index).astype(int),
                         "source": os.path.basename(str(path))})


CARD = """
**Inputs**: the user's genome FASTA and labelled BED (see Sources). Classes are the BED name column (numeric labels
in numeric order, otherwise alphabetical); config `multiclass` has every label, `binary` exists for two labels or
when `positive=` names the positive label(s).

**Reading**: BED chromosome names are matched to FASTA records by name or alias (`chr1` / `1` / `NC_000001.11` /
`gi|…|ref|NC_000001.11|`, mitochondrion `chrM` / `MT`); rows carry the canonical name (`chr1` for NCBI chromosome
records). Intervals on `-` are reverse-complemented; `.` is read as `+`. Soft-masked (lowercase) bases are
uppercased. An interval is split at N runs; pieces >= `min_length` are kept, with genomic coordinates.
Two BED lines giving the same fragment keep the first; identical sequences with different labels are dropped.
"""

RECIPE = Recipe(
    name="intervals",
    title="User intervals (PhenoSeq Bench)",
    description="Bring your own genome FASTA and labelled BED: the same pipeline as every PhenoSeq dataset "
                "(uppercase, N-splitting, MMseqs2 clusters, cluster-grouped splits, dataset card).",
    # the static declaration is the demo's; a user build gets its own from `specialize`
    classes=("background", "motif_a", "motif_b"),
    configs=(ConfigSpec("binary", ("background", "motif_a_motif_b"), (0, 1, 1), "motif_a/motif_b vs the rest"),
             ConfigSpec("multiclass", ("background", "motif_a", "motif_b"), (0, 1, 2), "every BED label")),
    sources={"user": USER_SOURCES, "demo": DEMO_SOURCES},
    make_intervals=make_intervals,
    card=CARD,
    citation="% cite the source of your own intervals",
    license="other",
    default_params={"name": None, "fasta": None, "bed": None, "positive": None},
    source_params={"demo": {"positive": "motif_a,motif_b"}},
    specialize=specialize,
)
