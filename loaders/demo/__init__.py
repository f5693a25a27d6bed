"""The built-in `demo` source: a synthetic canvas genome each recipe plants its own features on.

`canvas.Canvas` is the shared base (genome, genes, gaps, repeats, file writers); a recipe's
`demo.py` plants on it; `world.ensure_demo_world(cache, recipe)` writes that recipe's world once.
"""
