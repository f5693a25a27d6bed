"""Negative controls: make any task unlearnable on purpose, to catch leakage and memorisation.

`shuffle_train_labels(task, seed)` permutes the train split's labels (seeded); validation and
test are untouched, so the fingerprint and scoring are those of the real task. A model scoring
above chance on a shuffled task has learned something the labels cannot explain: leakage
between splits, or memorised sequences. The `random_regions` dataset is the same check built
into the data.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
from datasets import Dataset, DatasetDict

from benchmark.task import Task


def _with_labels(ds: Dataset, labels: np.ndarray) -> Dataset:
    """`ds` with its `label` column replaced (features, column order and other columns kept)."""
    table = ds.with_format(None).data.table
    if ds._indices is not None:  # a selected/shuffled view: materialise it first
        table = ds.flatten_indices().data.table
    i = table.column_names.index("label")
    new = table.set_column(i, table.schema.field(i), pa.array(labels, type=table.schema.field(i).type))
    return Dataset(new, info=ds.info.copy(), split=ds.split)


def shuffle_train_labels(task: Task, seed: int) -> Task:
    """A copy of `task` whose train labels are a seeded permutation of the originals; other splits untouched.

    The label multiset (class balance) is preserved; the permutation depends only on `seed` and the
    number of train rows. `meta["control"]` records what was done.
    """
    train = task.data["train"]
    labels = np.asarray(train["label"], dtype=np.int64)
    perm = np.random.default_rng(seed).permutation(len(labels))
    data = DatasetDict({name: (_with_labels(ds, labels[perm]) if name == "train" else ds)
                        for name, ds in task.data.items()})
    meta = {**task.meta, "control": {"kind": "shuffled_train_labels", "seed": int(seed),
                                     "train_rows_relabelled": int((labels[perm] != labels).sum())}}
    return dataclasses.replace(task, data=data, meta=meta)
