"""Pinned public inputs of the real (`grch38`) disease_gwas build, and its demo inputs.

The GWAS Catalog publishes dated releases (`releases/YYYY/MM/DD/`) without checksums; the
sha256 is recorded in the lock on first download and any later change is an error.
"""
from __future__ import annotations

from loaders.core.recipe import SourceFile
from loaders.sources import GENCODE, GENOME, demo_file

GWAS_RELEASE = "2022/02/21"
GWAS_URL = (f"https://ftp.ebi.ac.uk/pub/databases/gwas/releases/{GWAS_RELEASE}/"
            "gwas-catalog-associations_ontology-annotated.tsv")
GWAS_LICENSE = ("NHGRI-EBI GWAS Catalog: freely available under the EMBL-EBI terms of use; cite Sollis et al. 2023 "
                "(Nucleic Acids Res 51:D977)")

GRCH38_SOURCES: tuple[SourceFile, ...] = (
    GENOME,
    GENCODE,
    SourceFile(key="gwas", url=GWAS_URL,
               release=f"NHGRI-EBI GWAS Catalog release {GWAS_RELEASE.replace('/', '-')} (associations, ontology "
                       "annotated, v1.0.2 columns; GRCh38 CHR_POS)",
               license=GWAS_LICENSE,
               description="All curated SNP-trait associations (CHR_ID, 1-based CHR_POS, P-VALUE)"),
)

DEMO_SOURCES: tuple[SourceFile, ...] = (demo_file("genome"), demo_file("gencode"), demo_file("gwas"))
"""Demo-world files this recipe reads (`demo:<world key>`)."""
