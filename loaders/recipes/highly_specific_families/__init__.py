"""highly_specific_families recipe (see recipe.py)."""
from loaders.highly_specific_families.recipe import RECIPE

__all__ = ["RECIPE"]
