"""disease_gwas recipe (see recipe.py)."""
from loaders.disease_gwas.recipe import RECIPE

__all__ = ["RECIPE"]
