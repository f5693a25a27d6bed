"""Pinned public inputs of the real (`grch38`) immune_loci build, and its demo inputs."""
from __future__ import annotations

from loaders.herv_classification.sources import GENCODE_LICENSE, GENCODE_RELEASE, GENCODE_URL
from loaders.recipe import SourceFile
from loaders.regulatory_elements.sources import GENOME

GENCODE = SourceFile(key="gencode", url=GENCODE_URL,
                     release=f"GENCODE {GENCODE_RELEASE} (GRCh38, Ensembl 109), comprehensive CHR annotation",
                     license=GENCODE_LICENSE,
                     description="Gene annotation GTF (gene rows: gene_type, gene_name); sha256 recorded on first "
                                 "download")

GRCH38_SOURCES: tuple[SourceFile, ...] = (GENOME, GENCODE)

DEMO_SOURCES: tuple[SourceFile, ...] = (
    SourceFile(key="genome", url="demo:genome", release="demo", license="CC0-1.0"),
    SourceFile(key="gencode", url="demo:gencode", release="demo", license="CC0-1.0"),
)
"""Demo-world files this recipe reads (`demo:<world key>`)."""
