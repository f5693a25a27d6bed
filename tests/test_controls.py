"""benchmark.controls.shuffle_train_labels: seeded, train-only, label multiset kept."""
from __future__ import annotations

from collections import Counter

from conftest import make_tiny_task

from benchmark.controls import shuffle_train_labels


def test_shuffle_train_labels_only_train_and_seeded():
    task = make_tiny_task()
    a, b, c = shuffle_train_labels(task, 1), shuffle_train_labels(task, 1), shuffle_train_labels(task, 2)
    train, new = task.data["train"], a.data["train"]
    assert new["label"] == b.data["train"]["label"] != c.data["train"]["label"]
    assert new["label"] != train["label"]
    assert Counter(new["label"]) == Counter(train["label"])
    assert new["id"] == train["id"] and new["sequence"] == train["sequence"]
    assert new.features == train.features and new.column_names == train.column_names
    for split in ("validation", "test"):
        assert a.data[split]["label"] == task.data[split]["label"]
    assert a.fingerprint == task.fingerprint and a.label_names == task.label_names
    assert a.meta["control"]["kind"] == "shuffled_train_labels" and a.meta["control"]["seed"] == 1
    assert task.data["train"]["label"] == train["label"]  # the original task is not modified


def test_shuffle_on_a_selected_view():
    task = make_tiny_task()
    task.data["train"] = task.data["train"].shuffle(seed=0).select(range(30))
    out = shuffle_train_labels(task, 0)
    assert len(out.data["train"]) == 30
    assert Counter(out.data["train"]["label"]) == Counter(task.data["train"]["label"])
    assert out.data["train"]["id"] == task.data["train"]["id"]
