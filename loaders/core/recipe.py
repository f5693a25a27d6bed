"""How a dataset is declared: classes, configs and sources as data, plus one function.

A recipe says *what* (classes, configs, sources, card text, how to turn its inputs into
labelled intervals); `loaders.build.pipeline` does the shared *how* (sequences, clusters,
splits, export). Adding a dataset = one folder `loaders/recipes/<name>/` whose `recipe.py`
declares `RECIPE` (see docs/ARCHITECTURE.md); `loaders.registry` finds it.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loaders.core.errors import DatasetError


@dataclass(frozen=True)
class ConfigSpec:
    """One config of a dataset, e.g. `binary` or `multiclass`.

    `label_map[i]` is this config's label for the recipe's base class id `i`.
    """

    name: str
    label_names: tuple[str, ...]
    label_map: tuple[int, ...]
    description: str = ""


@dataclass(frozen=True)
class SourceFile:
    """One pinned public input: where it lives, what it must hash to, its license."""

    key: str
    url: str
    release: str
    license: str
    sha256: str | None = None
    size: int | None = None
    git_blob: str | None = None
    description: str = ""
    optional: bool = False


INTERVAL_COLUMNS = ("chrom", "start", "end", "strand", "label", "source")
"""Columns of the DataFrame a recipe's `make_intervals` returns (0-based half-open, base class ids)."""


@dataclass
class BuildContext:
    """What a recipe's `make_intervals` gets: resolved inputs, params, a seeded RNG, a stats sink."""

    inputs: Mapping[str, Path | list[Path]]
    params: dict[str, Any]
    rng: np.random.Generator
    chrom_sizes: dict[str, int]
    source: str
    stats: dict[str, Any] = field(default_factory=dict)
    genome: Any = None
    """The open `loaders.build.genome.Genome` (aliases via `genome.resolve`, all record sizes, N runs)."""


@dataclass(frozen=True)
class Recipe:
    """A dataset declaration; see module docstring."""

    name: str
    title: str
    description: str
    classes: tuple[str, ...]
    configs: tuple[ConfigSpec, ...]
    sources: Mapping[str, tuple[SourceFile, ...]]
    make_intervals: Callable[[BuildContext], pd.DataFrame]
    card: str
    citation: str
    license: str
    default_params: Mapping[str, Any] = field(default_factory=dict)
    source_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per-source defaults (e.g. region coordinates, flank sizes), applied over `default_params`."""
    specialize: Callable[["Recipe", dict[str, Any], Mapping[str, Any]], "Recipe"] | None = None
    """Optional hook `(recipe, params, inputs) -> recipe` run once inputs are resolved: a recipe
    whose classes come from its inputs (e.g. a user's BED) returns its concrete declaration."""
    version: str = "1"
    """Bump to redo cached builds on purpose. Any edit of the recipe folder's files redoes them anyway:
    the cache key is this version plus a hash of those files (`loaders.registry.recipe_source_hash`)."""

    def config(self, name: str) -> ConfigSpec:
        for cfg in self.configs:
            if cfg.name == name:
                return cfg
        raise DatasetError(f"{self.name} has no config '{name}' (configs: {', '.join(c.name for c in self.configs)})")


def binary_and_multiclass(classes: tuple[str, ...], positive: set[int], neg_name: str, pos_name: str,
                          multi_desc: str, bin_desc: str) -> tuple[ConfigSpec, ConfigSpec]:
    """The usual pair of configs: all base classes, and positive-vs-rest."""
    multi = ConfigSpec("multiclass", classes, tuple(range(len(classes))), multi_desc)
    binary = ConfigSpec("binary", (neg_name, pos_name), tuple(int(i in positive) for i in range(len(classes))), bin_desc)
    return binary, multi
