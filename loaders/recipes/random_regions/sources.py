"""Inputs of random_regions: only the genome."""
from __future__ import annotations

from loaders.recipe import SourceFile
from loaders.regulatory_elements.sources import GENOME

GRCH38_SOURCES: tuple[SourceFile, ...] = (GENOME,)
DEMO_SOURCES: tuple[SourceFile, ...] = (SourceFile(key="genome", url="demo:genome", release="demo", license="CC0-1.0"),)
