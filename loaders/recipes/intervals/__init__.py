"""Bring-your-own `intervals` recipe (see recipe.py); the package is not called `intervals` because
`loaders.intervals` is the interval-arithmetic module."""
from loaders.byo_intervals.recipe import RECIPE

__all__ = ["RECIPE"]
