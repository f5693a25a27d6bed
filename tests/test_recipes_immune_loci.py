"""immune_loci on the demo source: reproducible, grouped splits, LRC region per source, gene rule."""
from __future__ import annotations

import pandas as pd
import pytest
from recipe_checks import all_rows, build_info, demo_builds, kmer_score, overlaps, world_dir

from loaders.build.regions import parse_region
from loaders.recipes.immune_loci.recipe import CLASSES, IMMUNE_NAME, IMMUNE_TYPE, RECIPE

NAME = "immune_loci"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    return demo_builds(NAME, tmp_path_factory)


def test_segmental_duplicates_grouped(builds):
    assert build_info(builds[0])["stats"]["multi_member_clusters"] >= 1


def test_class_ids_and_lrc_region():
    assert CLASSES == ("non_immune", "lrc_kir", "other_immune")
    assert parse_region(RECIPE.default_params["lrc_region"]) == ("chr19", 54_015_633, 55_094_318)
    assert RECIPE.source_params["demo"]["lrc_region"] != RECIPE.default_params["lrc_region"]


def test_gene_rule():
    for name, gtype in [("IGHV1-2", "IG_V_gene"), ("TRBV5-1", "TR_V_gene"), ("IGKV1-5", "IG_V_pseudogene")]:
        assert IMMUNE_TYPE.match(gtype), name
    for name in ["HLA-A", "HLA-DRB1", "KIR2DL1", "KIR3DL2", "LILRB1", "LAIR1"]:
        assert IMMUNE_NAME.match(name), name
    for name in ["KIRREL1", "LAIR3", "HLAA", "TP53"]:
        assert not IMMUNE_NAME.match(name), name


def test_labels_follow_regions(builds):
    """LRC rows lie in the demo LRC; other immune rows overlap immune genes outside it; background is far."""
    a, _, _ = builds
    rows = all_rows(a)
    params = build_info(a)["params"]
    chrom, lo, hi = parse_region(params["lrc_region"])
    truth = pd.read_csv(world_dir("immune_loci") / "truth.tsv", sep="\t")
    genes = truth[(truth["kind"] == "gene") & truth["name"].str.match(r"^(IG|TR|HLA-|KIR|LILR|LAIR)")]
    lrc = rows[rows["label"] == 1]
    assert ((lrc["chrom"] == chrom) & (lrc["end"] > lo) & (lrc["start"] < hi)).all()
    other = rows[rows["label"] == 2]
    assert overlaps(other, genes).all() and not ((other["chrom"] == chrom) & (other["start"] >= lo)
                                                   & (other["end"] <= hi)).any()
    flank = params["flank"]
    wide = genes.assign(start=genes["start"] - flank, end=genes["end"] + flank)
    assert not overlaps(rows[rows["label"] == 0], wide).any()
    assert (rows.loc[rows["label"] > 0, "length"] <= params["window"]).all()


def test_demo_is_learnable(builds):
    a, _, _ = builds
    assert kmer_score(a, "multiclass") > 0.55  # chance: 1/3
