"""Dataset recipes and the shared build pipeline.

>>> import loaders
>>> ds = loaders.load_dataset("herv_classification", "binary", source="demo")

Layout: `core/` (errors, paths, declaration types, row schema), `build/` (the pipeline pieces),
`demo/` (the synthetic canvas), `recipes/<name>/` (one folder per dataset), `sources.py` (shared
pins), `registry.py` (recipe discovery), `api.py` (this package's functions), `cli.py` (`bench data`).
"""
from loaders.api import build_dataset, load_dataset, read_built
from loaders.core.paths import cache_dir, dataset_dir
from loaders.registry import get_recipe, list_recipes

__all__ = ["build_dataset", "cache_dir", "dataset_dir", "get_recipe", "list_recipes", "load_dataset", "read_built"]
