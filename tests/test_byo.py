"""Bring-your-own data (csv:/fasta:), sequence checks, and task-id typo suggestions."""
from __future__ import annotations

import numpy as np
import pytest

from benchmark import tasks
from benchmark.byo import check_sequences, load_byo_task
from benchmark.tasks import TaskError, load_task, parse_task_id
from loaders.core.errors import DatasetError
from loaders.core.fingerprint import fingerprint_split


def write_csv(path, rows, header="sequence,label"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_csv_with_split_column(tmp_path):
    path = write_csv(tmp_path / "mine.csv", ["ACGT,b,train", "acgg,a,train", "TTTT,a,validation", "CCCC,b,test", "GGGG,a,test"],
                     header="sequence,label,split")
    task = load_task(f"csv:{path}")
    assert task.id == f"csv:{path}" and task.label_names == ["a", "b"] and task.num_labels == 2
    assert {k: len(v) for k, v in task.data.items()} == {"train": 2, "validation": 1, "test": 2}
    train = task.data["train"]
    assert train["sequence"] == ["ACGT", "ACGG"]  # upper-cased
    assert train["label"] == [1, 0] and train["id"] == ["mine:0", "mine:1"]
    assert train.features["label"].names == ["a", "b"]
    assert set(train.column_names) == {"id", "sequence", "label", "chrom", "start", "end", "strand", "length", "gc",
                                       "source", "cluster"}
    assert train["gc"][1] == pytest.approx(0.75)
    assert task.fingerprint == fingerprint_split(task.data["test"])


def distinct(n: int, length: int = 60, seed: int = 0) -> list[str]:
    """`n` unrelated random sequences (without a split column, near-duplicates would be grouped)."""
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def test_csv_without_split_gets_seeded_stratified_split(tmp_path):
    rows = [f"{seq},{i % 2}" for i, seq in enumerate(distinct(40))]
    path = write_csv(tmp_path / "nosplit.csv", rows)
    a, b = load_byo_task(f"csv:{path}"), load_byo_task(f"csv:{path}")
    assert {k: len(v) for k, v in a.data.items()} == {"train": 32, "validation": 4, "test": 4}
    assert a.data["test"]["id"] == b.data["test"]["id"]  # same seed, same split
    assert sorted(a.data["test"]["label"]) == [0, 0, 1, 1]  # stratified
    assert a.label_names == ["0", "1"]
    assert (load_byo_task(f"csv:{path}", split_seed=1).data["test"]["id"]
            != load_byo_task(f"csv:{path}", split_seed=2).data["test"]["id"])  # the seed draws the split


def test_integer_labels_sort_numerically(tmp_path):
    rows = [f"{seq},{lab}" for seq, lab in zip(distinct(8), [10, 2, 10, 2, 10, 2, 10, 2])]
    assert load_byo_task(f"csv:{write_csv(tmp_path / 'n.csv', rows)}").label_names == ["2", "10"]


def test_fasta_labels_in_headers(tmp_path):
    path = tmp_path / "seqs.fa"
    path.write_text(">s1 label=herv split=train\nACGT\nAC\n>s2 label=other split=train\nGGGG\n"
                    ">s3|herv split=test\nTTTT\n>s4 label=other split=test\nCCCC\n")
    task = load_task(f"fasta:{path}")
    assert task.data["train"]["id"] == ["s1", "s2"] and task.data["train"]["sequence"][0] == "ACGTAC"
    assert task.data["test"]["id"] == ["s3", "s4"] and task.data["test"]["label"] == [0, 1]
    assert task.label_names == ["herv", "other"]


def test_fasta_header_without_label(tmp_path):
    path = tmp_path / "bad.fa"
    path.write_text(">s1\nACGT\n")
    with pytest.raises(DatasetError, match="has no label"):
        load_byo_task(f"fasta:{path}")


@pytest.mark.parametrize("header,rows,pattern", [
    ("sequence,class", ["ACGT,a"], r"missing column 'label' \(found: sequence, class"),
    ("seq,label", ["ACGT,a"], "missing column 'sequence'"),
    ("sequence,label", ["ACGT,a", "ACGT,"], "row 3 has no label"),
    ("sequence,label,split", ["ACGT,a,train", "ACGT,b,holdout"], "unknown split 'holdout'"),
    ("sequence,label,split", ["ACGT,a,train", "ACGT,b,train"], "no 'test' rows"),
    ("sequence,label", ["ACGT,a", "ACGT,a", "ACGT,a"], "at least 2 classes"),
])
def test_csv_errors_are_one_line(tmp_path, header, rows, pattern):
    path = write_csv(tmp_path / "bad.csv", rows, header)
    with pytest.raises(DatasetError, match=pattern) as info:
        load_byo_task(f"csv:{path}")
    assert "\n" not in str(info.value)


def test_illegal_characters_name_the_sequence(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["ACGT,a", "ACXGTZ,b", "ACGT,a", "ACGT,b"])
    with pytest.raises(DatasetError, match=r"sequence 'x:1' contains illegal character\(s\) 'X', 'Z' \(allowed: A, C, G, T, N\)"):
        load_byo_task(f"csv:{path}")
    with pytest.raises(DatasetError, match="is empty"):
        check_sequences(["e"], [""], "here")
    check_sequences(["ok"], ["ACGTN"], "here")


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_task(f"csv:{tmp_path / 'nope.csv'}")


def test_task_typo_suggests_closest(monkeypatch):
    registry = [{"task": "herv_classification/binary"}, {"task": "herv_classification/multiclass"}]
    monkeypatch.setattr(tasks, "list_tasks", lambda: registry)
    with pytest.raises(TaskError, match=r"unknown task 'herv_clasification/binary'; did you mean 'herv_classification/binary'\?"):
        parse_task_id("herv_clasification/binary")
    with pytest.raises(TaskError, match="did you mean 'herv_classification/multiclass'"):
        parse_task_id("herv_classification/multiclas")
    with pytest.raises(TaskError, match="known tasks: herv_classification/binary"):
        parse_task_id("zzz")
    assert parse_task_id("herv_classification/binary") == ("herv_classification", "binary")
