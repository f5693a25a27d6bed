"""HERV classification recipe (see recipe.py)."""
from loaders.herv_classification.recipe import RECIPE

__all__ = ["RECIPE"]
