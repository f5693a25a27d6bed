"""The `intervals` recipe: `recipe.py` declares it, `sources.py` pins its inputs, `demo.py` plants its demo features."""
