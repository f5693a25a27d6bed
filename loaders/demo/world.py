"""A recipe's demo world: the canvas plus what the recipe's own `demo.py` plants, written once.

`ensure_demo_world(cache, recipe)` returns the world's files by key (`genome`, `chrom_sizes`,
`rmsk`, `gencode` and the recipe's own keys), generating them the first time into
`<cache>/demo-world/<recipe>-<hash>/` (temp directory, then an atomic rename). The hash covers
the canvas code (`loaders/demo/*.py`), the recipe folder (`loaders.registry.recipe_source_hash`)
and the canvas files it reads, so editing either makes a new world. Each recipe has its own
world: what one recipe plants never changes another recipe's demo data.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from loaders.core.files import temp_dir
from loaders.core.recipe import Recipe
from loaders.demo.canvas import CANVAS_FILES, Canvas
from loaders.registry import demo_module, get_recipe, recipe_source_hash

DEMO_RELEASE = "phenoseq demo canvas v4 (synthetic)"
"""The `release` recorded for every demo input (the world hash identifies the exact bytes)."""
CANVAS_DIR = Path(__file__).resolve().parent


def _canvas_keys(recipe: Recipe) -> set[str] | None:
    """Canvas files the recipe reads (its `demo:<key>` sources); None (all) when it declares none."""
    declared = {f.url.removeprefix("demo:") for f in recipe.sources.get("demo") or ()}
    return (declared & set(CANVAS_FILES)) if declared else None


def world_hash(recipe: Recipe) -> str:
    """sha256 of what a recipe's world is made from: canvas code, recipe folder, canvas files wanted."""
    h = hashlib.sha256()
    for path in sorted(CANVAS_DIR.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    keys = _canvas_keys(recipe)
    h.update(json.dumps([recipe.name, recipe_source_hash(recipe), sorted(keys) if keys is not None else None]).encode())
    return h.hexdigest()


def world_dir(cache: str | os.PathLike, recipe: Recipe) -> Path:
    """`<cache>/demo-world/<recipe>-<world hash[:12]>`."""
    return Path(cache) / "demo-world" / f"{recipe.name}-{world_hash(recipe)[:12]}"


def generate(out: str | os.PathLike, recipe: Recipe) -> dict[str, Path]:
    """Write `recipe`'s demo world into `out` (empty or absent); return its files by key."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    canvas = Canvas(out).for_recipe(recipe.name)
    module = demo_module(recipe)
    if module is not None:
        module.plant(canvas)
    return canvas.save(_canvas_keys(recipe))


def ensure_demo_world(cache: str | os.PathLike, recipe: Recipe | str) -> dict[str, Path]:
    """The demo world of `recipe` under `cache`, generated on first use (see module docstring)."""
    if isinstance(recipe, str):
        recipe = get_recipe(recipe)
    root = world_dir(cache, recipe)
    manifest = root / ".complete"
    if not manifest.exists():
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_dir(root.parent, root.name)
        try:
            files = generate(tmp, recipe)
            (tmp / ".complete").write_text(json.dumps({k: p.name for k, p in sorted(files.items())}, indent=1) + "\n")
            if root.exists() and not manifest.exists():
                shutil.rmtree(root)  # left by an interrupted generator of an older layout
            try:
                os.replace(tmp, root)
            except OSError:
                if not manifest.exists():  # else a concurrent generator finished first: use its world
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    names = json.loads(manifest.read_text())
    return {key: root / name for key, name in names.items()}
