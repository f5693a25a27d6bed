"""random_regions (negative control) on the demo source: N-free seeded windows, balanced arbitrary labels."""
from __future__ import annotations

import pytest
from recipe_checks import all_rows, build_info, demo_builds, kmer_score

from loaders.recipes.random_regions.recipe import RECIPE

NAME = "random_regions"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    return demo_builds(NAME, tmp_path_factory)


def test_binary_groups_labels_0_1_vs_2_3():
    assert RECIPE.config("binary").label_map == (0, 0, 1, 1)


def test_windows_n_free_balanced_non_overlapping(builds):
    a, _, _ = builds
    rows = all_rows(a)
    info = build_info(a)
    assert len(rows) == info["params"]["n_windows"] and info["stats"]["windows_unplaced"] == 0
    assert (rows["length"] == info["params"]["window"]).all()
    assert not rows["sequence"].str.contains("N").any()
    assert rows["label"].value_counts().tolist() == [len(rows) // 4] * 4
    for _, grp in rows.sort_values(["chrom", "start"]).groupby("chrom"):
        assert (grp["start"].to_numpy()[1:] >= grp["end"].to_numpy()[:-1]).all()


def test_seed_changes_windows(builds, tmp_path_factory):
    from recipe_checks import fresh_cache

    import loaders

    a, _, _ = builds
    other = loaders.build_dataset(NAME, source="demo", cache_dir=fresh_cache(tmp_path_factory.mktemp("seed")),
                                  seed=7, n_windows=40, min_test_per_class=1)  # a tiny build: 4 test rows a class
    assert set(all_rows(other)["id"]) - set(all_rows(a)["id"])


def test_control_is_at_chance(builds):
    a, _, _ = builds
    assert kmer_score(a, "multiclass") < 0.45  # chance: 1/4
