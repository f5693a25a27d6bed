"""immune_loci recipe (see recipe.py)."""
from loaders.immune_loci.recipe import RECIPE

__all__ = ["RECIPE"]
