"""random_regions recipe (see recipe.py)."""
from loaders.random_regions.recipe import RECIPE

__all__ = ["RECIPE"]
