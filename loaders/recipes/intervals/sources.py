"""Inputs of the bring-your-own `intervals` recipe: the user's FASTA and BED (build params), or the demo's."""
from __future__ import annotations

from loaders.recipe import SourceFile

USER_SOURCES: tuple[SourceFile, ...] = (
    SourceFile(key="genome", url="{fasta}", release="user-supplied", license="the user's own data",
               description="Genome FASTA (plain or gzip; NCBI/Ensembl/UCSC headers; soft-masked allowed)"),
    SourceFile(key="bed", url="{bed}", release="user-supplied", license="the user's own data",
               description="Labelled BED: chrom, start (0-based), end, name = label[, score, strand]"),
)
"""`url` is a template over the build params (`fasta=`, `bed=`)."""

DEMO_SOURCES: tuple[SourceFile, ...] = (
    SourceFile(key="genome", url="demo:user_genome", release="demo", license="CC0-1.0",
               description="Soft-masked FASTA with NCBI headers (gi|…|ref|NC_000001.11|, NC_012920.1, a patch)"),
    SourceFile(key="bed", url="demo:user_bed", release="demo", license="CC0-1.0",
               description="Labelled BED on both strands, chromosomes spelled chr1 / 1 / NC_000001.11 / MT"),
)
