"""Seeded train/validation/test assignment grouped by cluster (or by chromosome).

Pure functions over arrays: no row of a cluster is ever on two sides of a split.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

def grouped_stratified_split(groups: Sequence[str], labels: Sequence[int], fractions: Sequence[float],
                             seed: int) -> np.ndarray:
    """Split index (0 train, 1 validation, 2 test) per row, whole groups at a time.

    Groups are visited largest first (ties in a seeded random order); each goes to the
    split whose per-label quota (fraction x label total) is most unfilled, weighted by
    the group's label counts. Deterministic for a given seed.
    """
    groups = np.asarray(groups)
    labels = np.asarray(labels, dtype=np.int64)
    frac = np.asarray(fractions, dtype=np.float64)
    frac = frac / frac.sum()
    uniq, inverse = np.unique(groups, return_inverse=True)
    n_labels = int(labels.max()) + 1 if len(labels) else 0
    counts = np.zeros((len(uniq), n_labels), dtype=np.int64)
    np.add.at(counts, (inverse, labels), 1)
    totals = counts.sum(axis=0).astype(np.float64)
    target = frac[:, None] * totals[None, :]
    filled = np.zeros_like(target)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(uniq))
    order = order[np.argsort(-counts[order].sum(axis=1), kind="stable")]
    assign = np.zeros(len(uniq), dtype=np.int64)
    safe = np.where(target > 0, target, 1.0)
    for g in order:
        c = counts[g]
        score = ((target - filled) / safe * c[None, :]).sum(axis=1)
        best = int(np.argmax(score))
        assign[g] = best
        filled[best] += c
    return assign[inverse]


def chromosome_split(chroms: Sequence[str], groups: Sequence[str], test_chroms: Sequence[str],
                     validation_chroms: Sequence[str]) -> tuple[np.ndarray, int]:
    """Hold out named chromosomes; a cluster spanning splits moves wholly to its most held-out side.

    Returns the split index per row and how many rows were moved to keep clusters whole.
    """
    chroms = np.asarray(chroms)
    groups = np.asarray(groups)
    split = np.zeros(len(chroms), dtype=np.int64)
    split[np.isin(chroms, list(validation_chroms))] = 1
    split[np.isin(chroms, list(test_chroms))] = 2
    uniq, inverse = np.unique(groups, return_inverse=True)
    most = np.zeros(len(uniq), dtype=np.int64)
    np.maximum.at(most, inverse, split)
    new = most[inverse]
    return new, int((new != split).sum())


def random_stratified_split(labels: Sequence[int], fractions: Sequence[float], seed: int,
                            keys: Sequence[str] | None = None) -> np.ndarray:
    """The study's split: each class shuffled (seeded) and cut by `fractions`, ignoring groups.

    Split index per row (0 train, 1 validation, 2 test). Near-identical copies land on both
    sides, so scores on it are inflated: for leakage audits only (`split_by=random`).
    Per class of n rows: round(f_test n) test rows, round(f_val n) validation rows (each at least 1
    when n >= 3 and its fraction is not 0), the rest train. With `keys` (row ids) a class's rows are
    taken in key order before the shuffle, so the split does not depend on the order rows come in.
    """
    labels = np.asarray(labels, dtype=np.int64)
    frac = np.asarray(fractions, dtype=np.float64)
    frac = frac / frac.sum()
    rng = np.random.default_rng(seed)
    split = np.zeros(len(labels), dtype=np.int64)
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        if keys is not None:
            idx = idx[np.argsort(np.asarray(keys)[idx], kind="stable")]
        idx = idx[rng.permutation(len(idx))]
        n_test, n_val = (int(round(f * len(idx))) for f in (frac[2], frac[1]))
        if len(idx) >= 3:
            n_test, n_val = max(n_test, int(frac[2] > 0)), max(n_val, int(frac[1] > 0))
        split[idx[:n_test]] = 2
        split[idx[n_test:n_test + n_val]] = 1
    return split


def rows_grouped_across(groups: Sequence[str], split: Sequence[int], side: int = 2) -> int:
    """How many rows on `side` (default test) share a group with a row on another side (0 for a grouped split)."""
    groups = np.asarray(groups)
    split = np.asarray(split)
    other = set(groups[split != side].tolist())
    return int(sum(g in other for g in groups[split == side].tolist()))
