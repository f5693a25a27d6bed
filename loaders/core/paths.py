"""Where things live: the cache root, built datasets, and the dataset source names."""
from __future__ import annotations

import os
from pathlib import Path

from loaders.core.errors import DatasetError

SOURCES: tuple[str, ...] = ("grch38", "demo", "user")
"""Where a dataset's inputs come from: pinned public GRCh38 files, the synthetic demo canvas, the user's files."""


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """`$PHENOSEQ_CACHE`, else `~/.cache/phenoseq` (or the explicit override)."""
    if override is not None:
        return Path(override)
    env = os.environ.get("PHENOSEQ_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "phenoseq"


def dataset_dir(name: str, source: str, cache: str | os.PathLike | None = None) -> Path:
    """Where a built dataset lives: `<cache>/datasets/<source>/<name>`."""
    return cache_dir(cache) / "datasets" / source / name


def dataset_source(source: str | None) -> str:
    """The dataset source to use: `source`, else `$PHENOSEQ_SOURCE`, else `grch38`.

    `demo` is only used when asked for, never substituted silently.
    """
    source = source or os.environ.get("PHENOSEQ_SOURCE") or "grch38"
    if source not in SOURCES:
        raise DatasetError(f"unknown source '{source}' (sources: {', '.join(SOURCES)})")
    return source
