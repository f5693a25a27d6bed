"""Dataset recipes and the shared build pipeline.

>>> import loaders
>>> ds = loaders.load_dataset("herv_classification", "binary", source="demo")
"""
from loaders.api import build_dataset, cache_dir, dataset_dir, get_recipe, list_recipes, load_dataset, read_built

__all__ = ["build_dataset", "cache_dir", "dataset_dir", "get_recipe", "list_recipes", "load_dataset", "read_built"]
