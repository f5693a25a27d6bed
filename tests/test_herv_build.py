"""herv_classification on the demo source: reproducibility, leakage, schema, labels, API."""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pytest
from recipe_checks import demo_builds, world_dir

import loaders
from loaders.build.cluster import similar_pairs
from loaders.core.schema import SPLITS

NAME = "herv_classification"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The demo dataset built twice from scratch, in two caches (shared with tests/test_recipes_common.py)."""
    a, b, _ = demo_builds(NAME, tmp_path_factory)
    return a, b


def _frames(path: Path, config: str) -> dict[str, pd.DataFrame]:
    return {s: pd.read_parquet(path / config / f"{s}-00000-of-00001.parquet") for s in SPLITS}


def test_two_builds_identical(builds):
    a, b = builds
    ja, jb = (json.loads((p / "build.json").read_text()) for p in builds)
    assert ja["fingerprints"] == jb["fingerprints"]
    assert set(ja["fingerprints"]) == {"binary", "multiclass"}
    for cfg in ("binary", "multiclass"):
        for s in SPLITS:
            name = f"{cfg}/{s}-00000-of-00001.parquet"
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "README.md").read_text() == (b / "README.md").read_text()
    assert ja == jb


def test_demo_is_labelled_synthetic(builds):
    a, _ = builds
    build = json.loads((a / "build.json").read_text())
    assert build["synthetic"] is True and build["source"] == "demo"
    assert "SYNTHETIC DEMO DATA" in (a / "README.md").read_text()


def test_rows_schema_and_content(builds):
    a, _ = builds
    for cfg in ("binary", "multiclass"):
        for s, df in _frames(a, cfg).items():
            assert list(df.columns) == ["id", "sequence", "label", "chrom", "start", "end", "strand", "length",
                                        "gc", "source", "cluster"]
            assert df["sequence"].map(lambda x: re.fullmatch(r"[ACGTN]+", x) is not None).all()
            assert (df["length"] >= 150).all()
            assert (df["length"] == df["sequence"].str.len()).all()
            assert (df["length"] == df["end"] - df["start"]).all()
            assert df["id"].is_unique


def test_soft_masking_removed(builds):
    """The demo genome is soft-masked (repeats lowercase); no sequence keeps lowercase."""
    a, _ = builds
    with gzip.open(world_dir(NAME) / "demo.fa.gz", "rt") as fh:
        head = fh.read(2_000_000)
    assert re.search("[acgt]{50}", head)
    df = pd.concat(_frames(a, "multiclass").values())
    assert not df["sequence"].str.contains("[acgtn]").any()


def test_binary_and_multiclass_consistent(builds):
    a, _ = builds
    for s in SPLITS:
        b = _frames(a, "binary")[s].set_index("id")
        m = _frames(a, "multiclass")[s].set_index("id")
        assert list(b.index) == list(m.index)
        assert (b["sequence"] == m["sequence"]).all()
        assert (b["label"].to_numpy() == np.isin(m["label"].to_numpy(), [1, 3]).astype(int)).all()


def test_no_cluster_straddles_splits(builds):
    a, _ = builds
    frames = _frames(a, "multiclass")
    seen: dict[str, str] = {}
    for s, df in frames.items():
        for c in df["cluster"]:
            assert seen.setdefault(c, s) == s, f"cluster {c} in {seen[c]} and {s}"


def test_no_test_sequence_similar_to_train(builds, tmp_path):
    """Re-cluster test against train+validation: no pair at >= 95 % identity (either strand)."""
    a, _ = builds
    frames = _frames(a, "multiclass")
    test = list(zip(frames["test"]["id"], frames["test"]["sequence"]))
    rest = pd.concat([frames["train"], frames["validation"]])
    pairs = similar_pairs(test, list(zip(rest["id"], rest["sequence"])), min_seq_id=0.95, coverage=0.8,
                          work_dir=tmp_path)
    assert pairs == []
    # and the demo really has near-duplicates for the grouping to handle
    build = json.loads((a / "build.json").read_text())
    assert build["stats"]["multi_member_clusters"] >= 20


def test_labels_match_planted_truth(builds):
    """herv_coding rows overlap only expressed HERV copies; background rows overlap none."""
    a, _ = builds
    herv = pd.read_csv(world_dir(NAME) / "truth.tsv", sep="\t")
    df = pd.concat(_frames(a, "multiclass").values())

    def overlaps(row, copies):
        c = copies[copies["chrom"] == row.chrom]
        return ((c["start"] < row.end) & (row.start < c["end"])).any()

    expressed = herv[herv["expressed"] == 1]
    for row in df[df["label"] == 1].itertuples():
        assert overlaps(row, expressed), row.id
    for row in df[df["label"].isin([0, 2])].itertuples():
        assert not overlaps(row, herv), row.id
    counts = df["label"].value_counts().to_dict()
    assert all(counts[k] > 150 for k in range(4)), counts


def test_split_proportions(builds):
    a, _ = builds
    build = json.loads((a / "build.json").read_text())
    for cls, n_test in build["counts"]["multiclass"]["test"].items():
        total = sum(build["counts"]["multiclass"][s][cls] for s in SPLITS)
        assert 0.15 <= n_test / total <= 0.25, (cls, n_test, total)


def test_load_dataset_api_and_plain_datasets(builds):
    a, _ = builds
    cache = a.parents[2]
    dd = loaders.load_dataset(NAME, "multiclass", source="demo", cache_dir=cache)
    assert isinstance(dd, datasets.DatasetDict) and set(dd) == set(SPLITS)
    assert dd["train"].features["label"].names == ["non_herv_coding", "herv_coding", "non_herv_noncoding", "herv_noncoding"]
    plain = datasets.load_dataset(str(a), "binary", cache_dir=str(cache / "hf"))
    assert plain["test"].features["label"].names == ["non_herv", "herv"]
    assert len(plain["test"]) == len(dd["test"])


def test_default_source_is_not_silently_demo(tmp_path, monkeypatch):
    monkeypatch.delenv("PHENOSEQ_SOURCE", raising=False)
    from loaders.core.paths import dataset_source

    assert dataset_source(None) == "grch38"


def test_chromosome_split(builds):
    a, _ = builds
    cache = a.parents[2]
    path = loaders.build_dataset(NAME, source="demo", cache_dir=cache, split_by="chromosome")
    assert path != a
    build = json.loads((path / "build.json").read_text())
    frames = _frames(path, "binary")
    moved = build["stats"]["rows_moved_to_keep_clusters_whole"]
    test_off_chrom = int((frames["test"]["chrom"] != "chr4").sum())
    assert test_off_chrom == moved - int((frames["validation"]["chrom"] != "chr3").sum())
    assert set(frames["train"]["chrom"]) <= {"chr1", "chr2"}
    assert (frames["test"]["chrom"] == "chr4").mean() > 0.8
