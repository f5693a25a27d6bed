"""highly_specific_families on the demo source: reproducible, grouped splits, OR/DEF rule, 1 kb windows."""
from __future__ import annotations

import pandas as pd
import pytest
from recipe_checks import all_rows, build_info, demo_builds, kmer_score, overlaps, world_dir

from loaders.recipes.highly_specific_families.recipe import CLASSES, FAMILIES

NAME = "highly_specific_families"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    return demo_builds(NAME, tmp_path_factory)


def test_recent_duplicates_grouped(builds):
    assert build_info(builds[0])["stats"]["multi_member_clusters"] >= 1


def test_family_rule():
    assert CLASSES == ("non_def_or", "olfactory_receptor", "defensin")
    for name in ["OR1A1", "OR7E14P", "OR52N4"]:
        assert FAMILIES[1].match(name)
    for name in ["DEFA1", "DEFB4A", "DEFB103B", "DEFA10P"]:
        assert FAMILIES[2].match(name)
    for name in ["ORAI1", "ORC1", "DEFT", "DEF6", "TP53"]:
        assert not FAMILIES[1].match(name) and not FAMILIES[2].match(name), name


def test_windows_and_labels(builds):
    a, _, _ = builds
    rows = all_rows(a)
    truth = pd.read_csv(world_dir("highly_specific_families") / "truth.tsv", sep="\t")
    genes = truth[truth["kind"] == "gene"]
    ors, defs = genes[genes["name"].str.match(r"^OR\d")], genes[genes["name"].str.match(r"^DEF")]
    assert overlaps(rows[rows["label"] == 1], ors).all() and not overlaps(rows[rows["label"] == 1], defs).any()
    assert overlaps(rows[rows["label"] == 2], defs).all() and not overlaps(rows[rows["label"] == 2], ors).any()
    assert (rows["length"] <= 1_000).all()
    flank = build_info(a)["params"]["flank"]
    both = pd.concat([ors, defs])
    assert not overlaps(rows[rows["label"] == 0], both.assign(start=both["start"] - flank,
                                                              end=both["end"] + flank)).any()


def test_demo_is_learnable(builds):
    a, _, _ = builds
    assert kmer_score(a, "multiclass") > 0.55  # chance: 1/3
