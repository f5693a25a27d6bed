"""Readers, pipeline steps and bad input: one-line errors naming file and line, nothing half-written."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest

import loaders
from loaders.build import pipeline
from loaders.build.formats import read_bed, read_gtf, read_rmsk
from loaders.build.genome import Genome
from loaders.build.ranges import sample_length_matched
from loaders.build.sequences import clean, extract_rows, resolve_duplicates, split_at_n
from loaders.build.splits import chromosome_split, grouped_stratified_split
from loaders.core.dna import reverse_complement
from loaders.core.errors import FormatError

RMSK_OK = "585\t1000\t100\t5\t3\tchr1\t10\t400\t-99\t+\tLTR7\tLTR\tERV1\t1\t390\t0\t1\n"


def _write(path: Path, text: str, gz: bool = False) -> Path:
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def test_read_rmsk_ok_and_malformed(tmp_path):
    df = read_rmsk(_write(tmp_path / "rmsk.txt", RMSK_OK))
    assert df.iloc[0][["chrom", "start", "end", "strand", "rep_family", "line"]].tolist() == ["chr1", 10, 400, "+", "ERV1", 1]
    bad = _write(tmp_path / "bad.txt", RMSK_OK + "585\t1000\tchr1\t10\n")
    with pytest.raises(FormatError, match=r"bad\.txt:2: expected 17 tab-separated rmsk columns, found 4"):
        read_rmsk(bad)
    bad2 = _write(tmp_path / "bad2.txt", RMSK_OK.replace("\t400\t", "\tfour\t"))
    with pytest.raises(FormatError, match=r"bad2\.txt:1: genoEnd is not an integer: 'four'"):
        read_rmsk(bad2)


def test_truncated_gzip_named(tmp_path):
    path = _write(tmp_path / "rmsk.txt.gz", RMSK_OK * 5000, gz=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match=r"rmsk\.txt\.gz:\d+: corrupt or truncated gzip"):
        read_rmsk(path)


def test_read_gtf_converts_to_zero_based_and_rejects_bad_lines(tmp_path):
    line = 'chr21\ttaco\ttranscript\t9120961\t9127550\t86\t+\t.\ttranscript_id "T1"; gene_id "G1";\n'
    df = read_gtf(_write(tmp_path / "a.gtf", line), features={"transcript"})
    assert df.iloc[0][["chrom", "start", "end", "transcript_id", "gene_id"]].tolist() == ["chr21", 9120960, 9127550, "T1", "G1"]
    with pytest.raises(FormatError, match=r"b\.gtf:1: expected 9 tab-separated GTF/GFF columns, found 5"):
        read_gtf(_write(tmp_path / "b.gtf", "chr1\tx\ty\t1\t2\n"))
    with pytest.raises(FormatError, match=r"c\.gtf:1: invalid 1-based interval start=0 end=5"):
        read_gtf(_write(tmp_path / "c.gtf", line.replace("9120961\t9127550", "0\t5")))


def test_read_bed_rejects_inverted_interval(tmp_path):
    df = read_bed(_write(tmp_path / "a.bed", "track name=x\nchr1\t5\t10\tenhancer\t0\t-\n"))
    assert df.iloc[0][["chrom", "start", "end", "name", "strand", "line"]].tolist() == ["chr1", 5, 10, "enhancer", "-", 2]
    with pytest.raises(FormatError, match=r"b\.bed:1: invalid interval start=10 end=5"):
        read_bed(_write(tmp_path / "b.bed", "chr1\t10\t5\n"))


def test_genome_extract_strands_and_cleaning(tmp_path):
    fa = _write(tmp_path / "g.fa", ">chrA desc\nacgtNNNNACGTRYAC\nGGCC\n", gz=True)
    g = Genome(fa, tmp_path / "work", iupac="n")  # R, Y read as N only when asked for
    assert g.sizes == {"chrA": 20}
    assert g.fetch("chrA", 0, 4) == "acgt"
    assert g.fetch("chrA", 8, 12, "-") == reverse_complement("ACGT") == "ACGT"
    assert clean(g.fetch("chrA", 8, 16)) == "ACGTNNAC"
    assert split_at_n("AAANNCCCNG", 1) == [(0, 3), (5, 8), (9, 10)]
    assert split_at_n("AAANNCCCNG", 2) == [(0, 3), (5, 10)]
    iv = pd.DataFrame({"chrom": ["chrA", "chrA"], "start": [0, 8], "end": [20, 20], "strand": ["+", "-"],
                       "label": [1, 0], "source": ["t", "t"]})
    rows, stats = extract_rows(iv, g, "ds", min_length=4)
    # IUPAC R/Y become N, and every N run splits (fragment coordinates stay genomic on both strands)
    assert rows[["id", "sequence", "label"]].values.tolist() == [
        ["ds:chrA:0-4:+", "ACGT", 1], ["ds:chrA:8-12:+", "ACGT", 1], ["ds:chrA:14-20:+", "ACGGCC", 1],
        ["ds:chrA:14-20:-", "GGCCGT", 0], ["ds:chrA:8-12:-", "ACGT", 0]]
    assert stats["n_split"] == 2
    g.close()


def test_corrupt_genome_leaves_nothing(tmp_path):
    fa = _write(tmp_path / "g.fa.gz", ">chr1\n" + "ACGT" * 50000 + "\n", gz=True)
    fa.write_bytes(fa.read_bytes()[:200])
    with pytest.raises(FormatError, match=r"g\.fa\.gz: corrupt or truncated gzip"):
        Genome(fa, tmp_path / "work")
    assert list((tmp_path / "work").iterdir()) == []


def test_conflicting_label_rule():
    rows = pd.DataFrame({"id": ["a", "b", "c", "d", "a"], "sequence": ["AAA", "AAA", "CCC", "CCC", "GGG"],
                         "label": [1, 0, 2, 2, 3]})
    kept, stats = resolve_duplicates(rows)
    assert kept["id"].tolist() == ["c", "d"]
    assert stats == {"duplicate_ids_dropped": 1, "conflicting_label_rows_dropped": 2, "conflicting_label_sequences": 1}


def test_grouped_split_keeps_groups_whole_and_is_seeded():
    rng = np.random.default_rng(0)
    groups = np.repeat([f"g{i:03d}" for i in range(200)], rng.integers(1, 5, size=200))
    labels = np.array([int(g[1:]) % 3 for g in groups])
    a = grouped_stratified_split(groups, labels, [0.7, 0.1, 0.2], seed=7)
    b = grouped_stratified_split(groups, labels, [0.7, 0.1, 0.2], seed=7)
    assert (a == b).all()
    for g in np.unique(groups):
        assert len(set(a[groups == g])) == 1
    for c in range(3):
        frac = (a[labels == c] == 2).mean()
        assert 0.17 <= frac <= 0.23


def test_chromosome_split_moves_straddling_clusters():
    split, moved = chromosome_split(["chr1", "chr2", "chr3", "chr1"], ["x", "y", "x", "z"], ["chr3"], ["chr2"])
    assert split.tolist() == [2, 1, 2, 0] and moved == 1


def test_sampler_is_length_matched_inside_mask_and_seeded():
    mask = pd.DataFrame({"chrom": ["c1", "c1", "c2"], "start": [0, 30000, 0], "end": [20000, 50000, 30000]})
    lengths = np.array([300, 500, 800, 200, 150] * 4)
    a = sample_length_matched(lengths, mask, np.random.default_rng(1))
    b = sample_length_matched(lengths, mask, np.random.default_rng(1))
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == len(lengths)
    assert ((a["end"] - a["start"]).to_numpy() == lengths[a["template"].to_numpy()]).all()
    for r in a.itertuples():
        m = mask[mask["chrom"] == r.chrom]
        assert ((m["start"] <= r.start) & (r.end <= m["end"])).any()
    for chrom, grp in a.groupby("chrom"):
        s = grp.sort_values("start")
        assert (s["start"].to_numpy()[1:] >= s["end"].to_numpy()[:-1]).all()


def _broken_world(demo_cache: Path, tmp_path: Path, edit) -> dict:
    from loaders.demo.world import ensure_demo_world

    src = ensure_demo_world(demo_cache, "herv_classification")
    paths = {}
    for key, p in src.items():
        dst = tmp_path / "world" / Path(p).name
        dst.parent.mkdir(exist_ok=True)
        shutil.copy(p, dst)
        paths[key] = dst
    edit(paths)
    return paths


@pytest.mark.parametrize("case", ["missing_chrom", "malformed_gtf", "truncated_rmsk", "wrong_assembly"])
def test_bad_input_build_fails_cleanly(case, demo_cache, tmp_path):
    def edit(paths):
        if case == "missing_chrom":
            with gzip.open(paths["rmsk"], "at") as fh:
                fh.write(RMSK_OK.replace("chr1", "chr9"))
        elif case == "malformed_gtf":
            with open(paths["serve:Liver"], "a") as fh:
                fh.write("chr1\ttaco\ttranscript\t100\n")
        elif case == "truncated_rmsk":
            data = paths["rmsk"].read_bytes()
            paths["rmsk"].write_bytes(data[: len(data) - 300])
        else:
            paths["chrom_sizes"].write_text(paths["chrom_sizes"].read_text().replace("chr2\t1200000", "chr2\t1200500"))

    paths = _broken_world(demo_cache, tmp_path, edit)
    cache = tmp_path / "cache"
    expected = {"missing_chrom": r"rmsk\.txt\.gz:\d+: chromosome 'chr9' is not in the genome FASTA",
                "malformed_gtf": r"Liver_HERV\.gtf:\d+: expected 9 tab-separated GTF/GFF columns, found 4",
                "truncated_rmsk": r"rmsk\.txt\.gz:\d+: corrupt or truncated gzip",
                "wrong_assembly": r"demo\.fa\.gz: chr2 is 1,200,000 bp but demo\.chrom\.sizes says 1,200,500 bp"}[case]
    with mock.patch.object(pipeline, "resolve_inputs", return_value=(paths, {})):
        with pytest.raises(FormatError, match=expected) as info:
            loaders.build_dataset("herv_classification", source="demo", cache_dir=cache)
    assert "\n" not in str(info.value)
    built = cache / "datasets" / "demo"
    assert not built.exists() or list(built.iterdir()) == []


def test_push_uses_hub_api_only_for_network(demo_cache):
    from loaders.publish import push_dataset

    path = loaders.dataset_dir("herv_classification", "demo", demo_cache)
    api = mock.MagicMock()
    api.create_repo.return_value = "https://huggingface.co/datasets/org/herv"
    url = push_dataset(path, "org/herv", api=api)
    assert url == "https://huggingface.co/datasets/org/herv"
    api.create_repo.assert_called_once_with(repo_id="org/herv", repo_type="dataset", private=False, exist_ok=True)
    kwargs = api.upload_folder.call_args.kwargs
    assert kwargs["folder_path"] == str(path) and kwargs["repo_id"] == "org/herv" and kwargs["repo_type"] == "dataset"
    with pytest.raises(ValueError, match="org/name"):
        push_dataset(path, "not a repo", api=api)


def test_clustering_keeps_sequences_longer_than_mmseqs_default(tmp_path):
    """70 kb sequences (over MMseqs2's 65,535 default, which it would cut into pieces) align whole and cluster."""
    from loaders.build.cluster import cluster, similar_pairs

    rng = np.random.default_rng(5)
    a = "".join(rng.choice(list("ACGT"), size=70_000))
    b = a[:35_000] + ("A" if a[35_000] != "A" else "C") + a[35_001:]
    other = "".join(rng.choice(list("ACGT"), size=500))
    clusters = cluster([("x1", a), ("x2", b), ("y", other)], work_dir=tmp_path)
    assert clusters == {"x1": "x1", "x2": "x1", "y": "y"}
    (pair,) = similar_pairs([("x1", a)], [("x2", b)], work_dir=tmp_path)  # one whole-length alignment
    assert pair[:2] == ("x1", "x2") and pair[2] >= 0.999
