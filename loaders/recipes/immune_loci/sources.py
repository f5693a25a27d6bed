"""Pinned public inputs of the real (`grch38`) immune_loci build, and its demo inputs."""
from __future__ import annotations

from loaders.core.recipe import SourceFile
from loaders.sources import GENCODE, GENOME, demo_file

GRCH38_SOURCES: tuple[SourceFile, ...] = (GENOME, GENCODE)

DEMO_SOURCES: tuple[SourceFile, ...] = (demo_file("genome"), demo_file("gencode"))
"""Demo-world files this recipe reads (`demo:<world key>`)."""
