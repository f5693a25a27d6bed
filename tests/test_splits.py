"""Split functions: the study's per-class random split (`split_by=random`, for audits) beside the grouped one."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from recipe_checks import fresh_cache

import loaders
from loaders.build.splits import grouped_stratified_split, random_stratified_split, rows_grouped_across
from loaders.core.errors import DatasetError
from loaders.core.schema import SPLITS


def test_random_split_cuts_each_class_by_the_fractions():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 3)
    split = random_stratified_split(labels, [0.7, 0.1, 0.2], seed=5)
    counts = {c: np.bincount(split[labels == c], minlength=3).tolist() for c in (0, 1, 2)}
    # per class: round(0.2 n) test, round(0.1 n) validation (at least 1 each when n >= 3), the rest train
    assert counts == {0: [35, 5, 10], 1: [21, 3, 6], 2: [1, 1, 1]}
    assert (random_stratified_split(labels, [0.7, 0.1, 0.2], seed=5) == split).all()
    assert not (random_stratified_split(labels, [0.7, 0.1, 0.2], seed=6) == split).all()


def test_random_split_with_keys_ignores_row_order():
    rng = np.random.default_rng(0)
    ids = np.array([f"r{i:03d}" for i in range(60)])
    labels = rng.integers(0, 2, 60)
    perm = rng.permutation(60)
    a = random_stratified_split(labels, [0.8, 0.1, 0.1], 3, keys=ids)
    b = random_stratified_split(labels[perm], [0.8, 0.1, 0.1], 3, keys=ids[perm])
    assert dict(zip(ids, a)) == dict(zip(ids[perm], b))


def test_random_split_separates_groups_the_grouped_split_keeps_whole():
    """20 families of 5 copies: the random split puts copies of most families on both sides; the grouped never."""
    groups = np.repeat([f"fam{i:02d}" for i in range(20)], 5)
    labels = np.repeat(np.arange(20) % 2, 5)
    rand = random_stratified_split(labels, [0.7, 0.1, 0.2], 1, keys=[f"{g}_{i}" for i, g in enumerate(groups)])
    grouped = grouped_stratified_split(groups, labels, [0.7, 0.1, 0.2], 1)
    assert rows_grouped_across(groups, grouped) == 0
    assert rows_grouped_across(groups, rand) == 20  # every test row has a sibling in train or validation
    assert rows_grouped_across(["a", "b", "c"], [0, 2, 2]) == 0
    assert rows_grouped_across(["a", "a", "c"], [0, 2, 2]) == 1


def test_unknown_split_by_is_one_line(tmp_path):
    with pytest.raises(DatasetError, match="split_by must be one of cluster, chromosome, random, got 'shuffle'"):
        loaders.build_dataset("highly_specific_families", source="demo", cache_dir=fresh_cache(tmp_path / "c"),
                              split_by="shuffle")


@pytest.fixture(scope="module")
def random_build(tmp_path_factory):
    cache = fresh_cache(tmp_path_factory.mktemp("rand"))
    grouped = loaders.build_dataset("highly_specific_families", source="demo", cache_dir=cache)
    leaky = loaders.build_dataset("highly_specific_families", source="demo", cache_dir=cache, split_by="random")
    return grouped, leaky


def test_split_by_random_build_says_it_leaks(random_build):
    """The paralog copies of highly_specific_families straddle the random split; build.json, stats and card say so."""
    grouped, leaky = random_build
    assert leaky != grouped
    g, r = (json.loads((p / "build.json").read_text()) for p in (grouped, leaky))
    assert g["split"] == {"by": "cluster", "grouped": True, "leaks": False, "test_rows_grouped_with_train": 0}
    assert r["split"]["by"] == "random" and r["split"]["leaks"] is True and r["split"]["grouped"] is False
    assert "leakage audits only" in r["split"]["warning"]
    n = r["split"]["test_rows_grouped_with_train"]
    assert n == r["stats"]["test_rows_grouped_with_train"] > 0
    card = (leaky / "README.md").read_text()
    assert "LEAKY SPLIT" in card and f"{n} test rows share a group" in card
    assert "LEAKY" not in (grouped / "README.md").read_text()
    # same rows, same groups: only the split differs; per class the test share is round(0.2 n)
    rows = {p: pd.concat([pd.read_parquet(p / "multiclass" / f"{s}-00000-of-00001.parquet").assign(split=s)
                          for s in SPLITS]).set_index("id").sort_index() for p in (grouped, leaky)}
    assert (rows[grouped]["cluster"] == rows[leaky]["cluster"]).all()
    for _, part in rows[leaky].groupby("label"):
        assert (part["split"] == "test").sum() == round(0.2 * len(part))
    test = rows[leaky][rows[leaky]["split"] == "test"]
    others = set(rows[leaky][rows[leaky]["split"] != "test"]["cluster"])
    assert int(test["cluster"].isin(others).sum()) == n


def test_leaky_build_is_flagged_in_task_results(random_build):
    from benchmark.tasks import task_from_dir

    grouped, leaky = random_build
    assert "split" not in task_from_dir(grouped, "binary").describe()
    block = task_from_dir(leaky, "binary").describe()["split"]
    assert block["by"] == "random" and block["leaks"] is True
