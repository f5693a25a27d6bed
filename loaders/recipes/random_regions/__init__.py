"""The `random_regions` recipe: `recipe.py` declares it, `sources.py` pins its inputs (its demo is the bare canvas)."""
