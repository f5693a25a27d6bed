"""Dataset recipes and the shared build pipeline.

>>> import loaders
>>> ds = loaders.load_dataset("herv_classification", "binary", source="demo")

Layout: `core/` (errors, paths, declaration types, row schema), `build/` (the pipeline pieces),
`demo/` (the synthetic canvas), `recipes/<name>/` (one folder per dataset), `sources.py` (shared
pins), `registry.py` (recipe discovery), `api.py` (this package's functions), `cli.py` (`bench data`).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {"build_dataset": "loaders.api", "load_dataset": "loaders.api", "read_built": "loaders.api",
            "cache_dir": "loaders.core.paths", "dataset_dir": "loaders.core.paths",
            "get_recipe": "loaders.registry", "list_recipes": "loaders.registry"}
"""Imported on first use (PEP 562), so `import loaders.core.errors` and `bench --help` stay light."""
__all__ = ["build_dataset", "cache_dir", "dataset_dir", "get_recipe", "list_recipes", "load_dataset", "read_built"]

if TYPE_CHECKING:
    from loaders.api import build_dataset, load_dataset, read_built
    from loaders.core.paths import cache_dir, dataset_dir
    from loaders.registry import get_recipe, list_recipes


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'loaders' has no attribute {name!r}")
