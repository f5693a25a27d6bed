"""Public API of the loaders: build a dataset on first use, read a built one.

Recipes come from `loaders.registry` (discovered, never listed by hand), paths from
`loaders.core.paths`, errors from `loaders.core.errors`; this module only composes them.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loaders.core.paths import cache_dir, dataset_dir, dataset_source
from loaders.registry import get_recipe

if TYPE_CHECKING:
    from datasets import DatasetDict


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
    path = dataset_dir(name, dataset_source(source), cache)
    return path if (path / "build.json").exists() else None


def build_dataset(name: str, /, source: str | None = None, cache_dir: str | os.PathLike | None = None,
                  rebuild: bool = False, **params: Any) -> Path:
    """Build `name` from `source` unless already built; return the dataset directory.

    `name` is positional-only, so a recipe parameter called `name` (the `intervals` dataset name)
    passes through `**params`.
    """
    from loaders.build.pipeline import build

    recipe = get_recipe(name)
    if source is None and "grch38" not in recipe.sources and "user" in recipe.sources:
        source = "user"  # bring-your-own recipes (intervals) default to the user's files
    return build(recipe, dataset_source(source), cache=cache_dir, rebuild=rebuild, params=params)


def read_built(path: str | os.PathLike, config: str) -> DatasetDict:
    """Read one config of a built dataset directory into a DatasetDict."""
    from loaders.build.export import read_config

    return read_config(Path(path), config)


def load_dataset(name: str, /, config: str = "binary", source: str | None = None,
                 cache_dir: str | os.PathLike | None = None, **params: Any) -> DatasetDict:
    """Build on first use (then cached) and return the DatasetDict of one config."""
    get_recipe(name).config(config)
    return read_built(build_dataset(name, source=source, cache_dir=cache_dir, **params), config)
