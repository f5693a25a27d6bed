"""regulatory_elements on the demo source: reproducible, grouped splits, single-type parts, distant background."""
from __future__ import annotations

import gzip

import pandas as pd
import pytest
from recipe_checks import all_rows, build_info, demo_builds, kmer_score, overlaps, world_dir

from loaders.recipes.regulatory_elements.recipe import CLASSES, ENSEMBL_TYPES, RECIPE

NAME = "regulatory_elements"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    return demo_builds(NAME, tmp_path_factory)


def _features() -> pd.DataFrame:
    rows = []
    with gzip.open(world_dir("regulatory_elements") / "homo_sapiens.DEMO.Regulatory_Build.regulatory_features.demo.gff.gz", "rt") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.split("\t")
            rows.append(("chr" + f[0], int(f[3]) - 1, int(f[4]), ENSEMBL_TYPES[f[2]]))
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "label"])




def test_class_ids_follow_the_study():
    assert CLASSES == ("non_regulatory", "tf_binding_site", "enhancer", "ctcf_binding_site", "promoter",
                       "open_chromatin")
    assert RECIPE.config("binary").label_map == (0, 1, 1, 1, 1, 1)


def test_single_type_parts_and_background(builds):
    """A feature row overlaps features of its own type only; background keeps `flank` away from all."""
    a, _, _ = builds
    rows = all_rows(a)
    feats = _features()
    flank = build_info(a)["params"]["flank"]
    for k in range(1, len(CLASSES)):
        sel = rows[rows["label"] == k]
        assert overlaps(sel, feats[feats["label"] == k]).all()
        assert not overlaps(sel, feats[feats["label"] != k]).any(), CLASSES[k]
    bg = rows[rows["label"] == 0]
    wide = feats.assign(start=feats["start"] - flank, end=feats["end"] + flank)
    assert not overlaps(bg, wide).any()
    # the demo does plant features of two types that overlap (their shared bases were dropped above)
    mixed = [overlaps(feats[feats["label"] == k], feats[feats["label"] != k]).sum() for k in range(1, len(CLASSES))]
    assert sum(mixed) > 0


def test_background_length_matched(builds):
    a, _, _ = builds
    rows = all_rows(a)
    stats = build_info(a)["stats"]
    assert stats["background_unplaced"] == 0
    pos, bg = rows[rows["label"] > 0], rows[rows["label"] == 0]
    assert abs(len(bg) - len(pos)) <= 5
    assert abs(bg["length"].median() - pos["length"].median()) < 100


def test_demo_is_learnable(builds):
    a, _, _ = builds
    assert kmer_score(a, "multiclass") > 0.45  # chance: 1/6
