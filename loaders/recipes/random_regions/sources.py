"""Inputs of random_regions: only the genome."""
from __future__ import annotations

from loaders.core.recipe import SourceFile
from loaders.sources import GENOME, demo_file

GRCH38_SOURCES: tuple[SourceFile, ...] = (GENOME,)
DEMO_SOURCES: tuple[SourceFile, ...] = (demo_file("genome"),)
