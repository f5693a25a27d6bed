"""Dataset recipes, one folder each: `recipe.py` (RECIPE), `sources.py`, optional `demo.py`."""
