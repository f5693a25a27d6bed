"""What every recipe must show on its demo source: reproducible, well-formed, grouped splits.

Parametrised over `loaders.list_recipes()`, so a new recipe folder is checked with no edit here.
Each recipe's own module (tests/test_recipes_<name>.py, tests/test_herv_build.py) checks what is
particular to it against an independent reading of its demo world. Build speed is not asserted here
(timed tests flake on a shared machine); the first build's seconds are still measured by `demo_builds`.
"""
from __future__ import annotations

import pytest
from recipe_checks import check_configs, check_grouped_splits, check_reproducible, check_rows, demo_builds

import loaders

RECIPES = [r.name for r in loaders.list_recipes() if "demo" in r.sources]


@pytest.fixture(scope="module", params=RECIPES)
def recipe_builds(request, tmp_path_factory):
    return loaders.get_recipe(request.param), demo_builds(request.param, tmp_path_factory)


def test_every_recipe_has_a_demo_source():
    assert RECIPES == [r.name for r in loaders.list_recipes()]


def test_reproducible(recipe_builds):
    _, (a, b, _) = recipe_builds
    check_reproducible(a, b)


def test_rows_configs_and_splits(recipe_builds, tmp_path):
    recipe, (a, _, _) = recipe_builds
    check_rows(a, recipe.name, recipe.classes)
    check_configs(a, recipe)
    check_grouped_splits(a, tmp_path)
