"""What every sister recipe must show on its demo source: fast, reproducible, well-formed, grouped splits.

(herv_classification has its own module, tests/test_herv_build.py; `intervals` is checked against an
independent reader in tests/test_recipes_intervals.py.)
"""
from __future__ import annotations

import importlib

import pytest
from recipe_checks import BUILD_SECONDS, check_configs, check_grouped_splits, check_reproducible, check_rows, demo_builds

RECIPES = ("regulatory_elements", "immune_loci", "highly_specific_families", "disease_gwas", "random_regions")


@pytest.fixture(scope="module", params=RECIPES)
def recipe_builds(request, tmp_path_factory):
    recipe = importlib.import_module(f"loaders.{request.param}").RECIPE
    return recipe, demo_builds(request.param, tmp_path_factory)


def test_fast_and_reproducible(recipe_builds):
    _, (a, b, seconds) = recipe_builds
    assert seconds < BUILD_SECONDS
    check_reproducible(a, b)


def test_rows_configs_and_splits(recipe_builds, tmp_path):
    recipe, (a, _, _) = recipe_builds
    check_rows(a, recipe.name, recipe.classes)
    check_configs(a, recipe.config("binary").label_map)
    check_grouped_splits(a, tmp_path)
