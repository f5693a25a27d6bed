"""Pinned public inputs of the real (`grch38`) regulatory_elements build, and its demo inputs.

Ensembl publishes no checksum for the Regulatory Build GFF: `loaders.build.fetch` records its sha256
in the lock on first download and treats a later change as an error unless drift is allowed.
"""
from __future__ import annotations

from loaders.core.recipe import SourceFile
from loaders.sources import GENOME, demo_file

ENSEMBL_RELEASE = "110"
REGULATORY_BUILD = "20221007"
REGULATORY_URL = (f"https://ftp.ensembl.org/pub/release-{ENSEMBL_RELEASE}/regulation/homo_sapiens/"
                  f"homo_sapiens.GRCh38.Regulatory_Build.regulatory_features.{REGULATORY_BUILD}.gff.gz")
ENSEMBL_LICENSE = ("Ensembl data: no restrictions on use (EMBL-EBI terms of use); cite Zerbino et al. 2015 "
                   "(The Ensembl Regulatory Build) and Martin et al. 2023 (Ensembl 2023)")

GRCH38_SOURCES: tuple[SourceFile, ...] = (
    GENOME,
    SourceFile(key="regulatory", url=REGULATORY_URL,
               release=f"Ensembl Regulatory Build {REGULATORY_BUILD} (GRCh38), as shipped with Ensembl "
                       f"{ENSEMBL_RELEASE}",
               license=ENSEMBL_LICENSE,
               description="Regulatory features GFF (Ensembl chromosome names 1..22, X, Y; types promoter, "
                           "enhancer, CTCF_binding_site, TF_binding_site, open_chromatin_region)"),
)

DEMO_SOURCES: tuple[SourceFile, ...] = (demo_file("genome"), demo_file("regulatory"))
"""Demo-world files this recipe reads (`demo:<world key>`)."""
