"""Row schema shared by every PhenoSeq dataset (see docs/ARCHITECTURE.md), and how labels are ordered."""
from __future__ import annotations

import re
from collections.abc import Iterable

import datasets

SPLITS: tuple[str, ...] = ("train", "validation", "test")
COLUMNS: tuple[str, ...] = (
    "id", "sequence", "label", "chrom", "start", "end", "strand", "length", "gc", "source", "cluster",
)


def features(label_names: list[str]) -> datasets.Features:
    """Explicit features (pandas 3 would otherwise give `large_string`)."""
    return datasets.Features(
        {
            "id": datasets.Value("string"),
            "sequence": datasets.Value("string"),
            "label": datasets.ClassLabel(names=list(label_names)),
            "chrom": datasets.Value("string"),
            "start": datasets.Value("int64"),
            "end": datasets.Value("int64"),
            "strand": datasets.Value("string"),
            "length": datasets.Value("int64"),
            "gc": datasets.Value("float64"),
            "source": datasets.Value("string"),
            "cluster": datasets.Value("string"),
        }
    )


def label_order(labels: Iterable[str]) -> list[str]:
    """Distinct labels, numerically ordered when all are integers (`0`, `1`, `10`), else alphabetically.

    Class ids of a user's dataset (BED name column, CSV/FASTA labels) are positions in this list.
    """
    uniq = sorted(set(labels))
    if all(re.fullmatch(r"-?\d+", x) for x in uniq):
        return sorted(uniq, key=int)
    return uniq
