"""regulatory_elements recipe (see recipe.py)."""
from loaders.regulatory_elements.recipe import RECIPE

__all__ = ["RECIPE"]
