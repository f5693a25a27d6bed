"""Inputs of the bring-your-own `intervals` recipe: the user's FASTA and BED (build params), or the demo's."""
from __future__ import annotations

from loaders.core.recipe import SourceFile
from loaders.sources import demo_file

USER_SOURCES: tuple[SourceFile, ...] = (
    SourceFile(key="genome", url="{fasta}", release="user-supplied", license="the user's own data",
               description="Genome FASTA (plain or gzip; NCBI/Ensembl/UCSC headers; soft-masked allowed)"),
    SourceFile(key="bed", url="{bed}", release="user-supplied", license="the user's own data",
               description="Labelled BED: chrom, start (0-based), end, name = label[, score, strand]"),
)
"""`url` is a template over the build params (`fasta=`, `bed=`)."""

DEMO_SOURCES: tuple[SourceFile, ...] = (
    demo_file("genome", "user_genome",
              "Soft-masked FASTA with NCBI headers (gi|…|ref|NC_000001.11|, NC_012920.1, a patch)"),
    demo_file("bed", "user_bed", "Labelled BED on both strands, chromosomes spelled chr1 / 1 / NC_000001.11 / MT"),
)
