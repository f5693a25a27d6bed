"""Inputs of highly_specific_families: the GRCh38 genome and GENCODE genes (as for immune_loci)."""
from __future__ import annotations

from loaders.immune_loci.sources import DEMO_SOURCES, GRCH38_SOURCES

__all__ = ["DEMO_SOURCES", "GRCH38_SOURCES"]
