"""Degenerate datasets: refused with one line before anything is trained, scored or written.

A config (or a task) is usable only when it has at least 2 classes with rows, no empty split
(train, validation, test), every class in train, and at least `min_test_per_class` rows of
every class in test. With one class every metric is trivially 1.0 or undefined; with an empty
validation split early stopping has nothing to watch; with a handful of test rows per class the
per-class metrics are noise.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from loaders.core.errors import DatasetError

MIN_TEST_PER_CLASS = 5
"""Default of the `min_test_per_class` build parameter (the smallest demo config has 8)."""
SPLITS = ("train", "validation", "test")


def degenerate_problem(label_names: Sequence[str], labels: Mapping[str, Sequence[int] | np.ndarray | None],
                       min_test_per_class: int = MIN_TEST_PER_CLASS, required: Sequence[str] = SPLITS) -> str | None:
    """What makes these splits unusable (one phrase), or None. `labels[split]` = integer labels (None: no split);
    `required`: the splits that must not be empty (a user's own file may leave out validation)."""
    names = list(label_names)
    counts = {s: np.bincount(np.asarray(labels.get(s) if labels.get(s) is not None else [], dtype=np.int64),
                             minlength=len(names))[:len(names)] for s in SPLITS}
    present = [names[i] for i in range(len(names)) if sum(int(c[i]) for c in counts.values())]
    if len(present) < 2:
        return f"needs at least 2 classes, has {len(present)} ({', '.join(present) or 'no rows'})"
    for split in required:
        if counts[split].sum() == 0:
            return f"the {split} split is empty"
    for split in ("train", "test"):
        for i, name in enumerate(names):
            if counts[split][i] == 0:
                return f"class '{name}' has no {split} rows"
    for i, name in enumerate(names):
        if counts["test"][i] < min_test_per_class:
            return (f"class '{name}' has {int(counts['test'][i])} test row(s), fewer than min_test_per_class="
                    f"{min_test_per_class}")
    return None


def check_min_test_per_class(value: object) -> None:
    """Raise `DatasetError` unless `value` is an integer >= 1."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise DatasetError(f"min_test_per_class must be an integer >= 1, got {value!r}")


def check_config_counts(where: str, label_names: Sequence[str], labels: Mapping[str, Sequence[int] | np.ndarray | None],
                        min_test_per_class: int = MIN_TEST_PER_CLASS) -> None:
    """Raise `DatasetError("<where>: <problem>")` when `degenerate_problem` finds one."""
    check_min_test_per_class(min_test_per_class)
    problem = degenerate_problem(label_names, labels, min_test_per_class)
    if problem:
        hint = "; add data, or lower --param min_test_per_class" if "min_test_per_class" in problem else ""
        raise DatasetError(f"{where}: degenerate dataset: {problem}{hint}")
