"""Public API of the loaders: registry lookup, build on first use, read a built dataset."""
from __future__ import annotations

import difflib
import importlib
import os
from pathlib import Path
from typing import Any

from datasets import DatasetDict

from loaders.recipe import Recipe

RECIPE_MODULES: tuple[str, ...] = ("herv_classification", "regulatory_elements", "immune_loci",
                                   "highly_specific_families", "disease_gwas", "random_regions", "byo_intervals")
"""Recipe packages under `loaders/`; each exposes `RECIPE` (named like its package, except
`byo_intervals`, whose recipe is `intervals`: `loaders.intervals` is the interval-arithmetic module)."""
RECIPE_NAMES: dict[str, str] = {"intervals": "byo_intervals"}
"""Recipe name → package, where they differ."""

SOURCES = ("grch38", "demo", "user")


class DatasetError(ValueError):
    """A user-facing dataset problem (one-line message)."""


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """`$PHENOSEQ_CACHE`, else `~/.cache/phenoseq` (or the explicit override)."""
    if override is not None:
        return Path(override)
    env = os.environ.get("PHENOSEQ_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "phenoseq"


def list_recipes() -> list[Recipe]:
    """All registered recipes, in registry order."""
    return [importlib.import_module(f"loaders.{m}").RECIPE for m in RECIPE_MODULES]


def get_recipe(name: str) -> Recipe:
    """The recipe called `name`; a one-line error suggesting the closest name otherwise."""
    names = [next((k for k, v in RECIPE_NAMES.items() if v == m), m) for m in RECIPE_MODULES]
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known datasets: {', '.join(names)}"
        raise DatasetError(f"unknown dataset '{name}'{hint}")
    return importlib.import_module(f"loaders.{RECIPE_NAMES.get(name, name)}").RECIPE


def dataset_dir(name: str, source: str, cache: str | os.PathLike | None = None) -> Path:
    """Where a built dataset lives: `<cache>/datasets/<source>/<name>`."""
    return cache_dir(cache) / "datasets" / source / name


def list_user_datasets(cache: str | os.PathLike | None = None) -> dict[str, Path]:
    """Datasets built from a user's own files (`intervals` recipe): {name: directory}."""
    root = cache_dir(cache) / "datasets" / "user"
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if (p / "build.json").exists()}


def built_dir(name: str, source: str | None = None, cache: str | os.PathLike | None = None) -> Path | None:
    """Directory of an existing build of `name` (a recipe, or a user dataset), else None."""
    users = list_user_datasets(cache)
    if name in users and (source in (None, "user")):
        return users[name]
    path = dataset_dir(name, resolve_source(source), cache)
    return path if (path / "build.json").exists() else None


def build_dataset(name: str, /, source: str | None = None, cache_dir: str | os.PathLike | None = None,
                  rebuild: bool = False, **params: Any) -> Path:
    """Build `name` from `source` unless already built; return the dataset directory.

    `name` is positional-only, so a recipe parameter called `name` (the `intervals` dataset name)
    passes through `**params`.
    """
    from loaders.pipeline import build

    recipe = get_recipe(name)
    if source is None and "grch38" not in recipe.sources and "user" in recipe.sources:
        source = "user"  # bring-your-own recipes (intervals) default to the user's files
    return build(recipe, resolve_source(source), cache=cache_dir, rebuild=rebuild, params=params)


def resolve_source(source: str | None) -> str:
    """`grch38` by default; `demo` is only used when asked for, never substituted silently."""
    source = source or os.environ.get("PHENOSEQ_SOURCE") or "grch38"
    if source not in SOURCES:
        raise DatasetError(f"unknown source '{source}' (sources: {', '.join(SOURCES)})")
    return source


def read_built(path: str | os.PathLike, config: str) -> DatasetDict:
    """Read one config of a built dataset directory into a DatasetDict."""
    from loaders.export import read_config

    return read_config(Path(path), config)


def load_dataset(name: str, /, config: str = "binary", source: str | None = None,
                 cache_dir: str | os.PathLike | None = None, **params: Any) -> DatasetDict:
    """Build on first use (then cached) and return the DatasetDict of one config."""
    get_recipe(name).config(config)
    return read_built(build_dataset(name, source=source, cache_dir=cache_dir, **params), config)
