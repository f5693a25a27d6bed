"""The sister recipes are registered, declare study class ids, and pin their real sources."""
from __future__ import annotations

import pytest

import loaders
from benchmark.tasks import list_tasks
from loaders.core.errors import DatasetError

NEW = ("regulatory_elements", "immune_loci", "highly_specific_families", "disease_gwas", "random_regions",
       "intervals")


def test_registered_and_listed():
    names = [r.name for r in loaders.list_recipes()]
    assert set(NEW) <= set(names)
    tasks = {t["task"] for t in list_tasks()}
    for name in NEW:
        assert loaders.get_recipe(name).name == name
        assert {f"{name}/binary", f"{name}/multiclass"} <= tasks
    with pytest.raises(DatasetError, match="did you mean 'immune_loci'"):
        loaders.get_recipe("immune_loc")


@pytest.mark.parametrize("name", NEW[:-1])
def test_real_sources_pinned(name):
    recipe = loaders.get_recipe(name)
    files = recipe.sources["grch38"]
    assert "genome" in {f.key for f in files}
    for f in files:
        assert f.url.startswith("https://") and f.release and f.license, f.key
    assert all(f.url.startswith("demo:") for f in recipe.sources["demo"])
    binary = recipe.config("binary")
    assert len(binary.label_map) == len(recipe.classes) == len(recipe.config("multiclass").label_names)
    assert set(binary.label_map) == {0, 1}


def test_intervals_sources_are_user_files():
    recipe = loaders.get_recipe("intervals")
    assert [f.url for f in recipe.sources["user"]] == ["{fasta}", "{bed}"]
    assert recipe.specialize is not None
