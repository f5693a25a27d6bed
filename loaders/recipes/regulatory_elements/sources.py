"""Pinned public inputs of the real (`grch38`) regulatory_elements build, and its demo inputs.

Ensembl publishes no checksum for the Regulatory Build GFF: `loaders.fetch` records its sha256
in the lock on first download and treats a later change as an error unless drift is allowed.
"""
from __future__ import annotations

from loaders.herv_classification.sources import UCSC_HG38, UCSC_LICENSE
from loaders.recipe import SourceFile

ENSEMBL_RELEASE = "110"
REGULATORY_BUILD = "20221007"
REGULATORY_URL = (f"https://ftp.ensembl.org/pub/release-{ENSEMBL_RELEASE}/regulation/homo_sapiens/"
                  f"homo_sapiens.GRCh38.Regulatory_Build.regulatory_features.{REGULATORY_BUILD}.gff.gz")
ENSEMBL_LICENSE = ("Ensembl data: no restrictions on use (EMBL-EBI terms of use); cite Zerbino et al. 2015 "
                   "(The Ensembl Regulatory Build) and Martin et al. 2023 (Ensembl 2023)")

GENOME = SourceFile(key="genome", url=f"{UCSC_HG38}/bigZips/hg38.fa.gz",
                    release="UCSC hg38 (GRCh38 Dec. 2013, GCA_000001405.15), initial bigZips release",
                    license=UCSC_LICENSE,
                    description="GRCh38 soft-masked genome, FASTA.gz (uppercased before use); sha256 recorded on "
                                "first download")

GRCH38_SOURCES: tuple[SourceFile, ...] = (
    GENOME,
    SourceFile(key="regulatory", url=REGULATORY_URL,
               release=f"Ensembl Regulatory Build {REGULATORY_BUILD} (GRCh38), as shipped with Ensembl "
                       f"{ENSEMBL_RELEASE}",
               license=ENSEMBL_LICENSE,
               description="Regulatory features GFF (Ensembl chromosome names 1..22, X, Y; types promoter, "
                           "enhancer, CTCF_binding_site, TF_binding_site, open_chromatin_region)"),
)

DEMO_SOURCES: tuple[SourceFile, ...] = (
    SourceFile(key="genome", url="demo:genome", release="demo", license="CC0-1.0"),
    SourceFile(key="regulatory", url="demo:regulatory", release="demo", license="CC0-1.0"),
)
"""Demo-world files this recipe reads (`demo:<world key>`)."""
