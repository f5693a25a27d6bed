"""Bring your own data: `csv:path` and `fasta:path` tasks in the suite's row schema.

CSV: columns `sequence`, `label` and optionally `split` (train/validation/test) and `id`.
FASTA: labels in the headers, `>ID label=NAME [split=train]` or `>ID|NAME`.
Without a split column the rows are grouped with the builds' clustering code
(`loaders.build.cluster.cluster`: either sequence covered >= 80 % at >= 95 % identity by the
other, either strand) and a group-stratified 80/10/10 split is drawn with a fixed seed (default 0),
so no near-duplicate straddles train and test and every model seed sees the same split. The
study's per-class random split (leaky) only with `random_split=True` (`--random-split`); the
results' `dataset.split` block records which split was used. Sequences are upper-cased and must be ACGTN.
Files must be UTF-8 text; a degenerate file (one class, no train or test rows, a class missing
from train or test) is refused in one line (`loaders.core.degenerate`).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from datasets import Dataset, DatasetDict

from benchmark.task import Task
from loaders.core.degenerate import degenerate_problem
from loaders.core.errors import DatasetError
from loaders.core.fingerprint import fingerprint_split
from loaders.core.schema import features, label_order

ALLOWED = frozenset("ACGTN")
SPLIT_NAMES = {"train": "train", "validation": "validation", "valid": "validation", "val": "validation",
               "dev": "validation", "test": "test"}
DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)


def illegal_characters(seq: str) -> str:
    """The distinct characters of `seq` outside ACGTN, in order of appearance."""
    return "".join(dict.fromkeys(c for c in seq if c not in ALLOWED))


def check_sequences(ids: list[str], sequences: list[str], where: str) -> None:
    """Raise `DatasetError` naming the first sequence that is empty or not ACGTN."""
    for rid, seq in zip(ids, sequences):
        if not seq:
            raise DatasetError(f"{where}: sequence '{rid}' is empty")
        bad = illegal_characters(seq)
        if bad:
            shown = ", ".join(repr(c) for c in bad[:5])
            raise DatasetError(f"{where}: sequence '{rid}' contains illegal character(s) {shown} (allowed: A, C, G, T, N); "
                               f"first at position {seq.index(bad[0]) + 1}")


def check_task_sequences(task: Task) -> None:
    """`check_sequences` over every split of a task."""
    for split, ds in task.data.items():
        check_sequences(list(ds["id"]), list(ds["sequence"]), f"{task.id} [{split}]")


def check_task_usable(task: Task) -> None:
    """Raise `DatasetError` when a task cannot be trained and scored (see `loaders.core.degenerate`)."""
    labels = {split: task.data[split]["label"] if split in task.data else None for split in ("train", "validation", "test")}
    problem = degenerate_problem(task.label_names, labels, min_test_per_class=1, required=("train", "test"))
    if problem:
        raise DatasetError(f"{task.id}: degenerate dataset: {problem}")


SPLIT_ORDER = ("train", "validation", "test")


def choose_splits(ids: list[str], sequences: list[str], labels: list[int], seed: int = 0,
                  random_split: bool = False) -> tuple[list[str], list[str], dict[str, Any]]:
    """Split name and group (cluster) per row, and the results' `dataset.split` block, for a file without a split column.

    Grouped (default): groups from `loaders.build.cluster.cluster` (the builds' code and thresholds),
    then `grouped_stratified_split`, so each group lies in one split. `random_split`: the study's
    per-class random split; the block then says it leaks and counts the test rows grouped with train rows.
    """
    from loaders.build.cluster import cluster
    from loaders.build.pipeline import COMMON_DEFAULTS, LEAK_WARNING
    from loaders.build.splits import grouped_stratified_split, random_stratified_split, rows_grouped_across

    identity, coverage = COMMON_DEFAULTS["cluster_identity"], COMMON_DEFAULTS["cluster_coverage"]
    groups = cluster(list(zip(ids, sequences)), min_seq_id=identity, coverage=coverage)
    group = np.asarray([groups[i] for i in ids])
    if random_split:
        split = random_stratified_split(labels, DEFAULT_FRACTIONS, seed, keys=ids)
    else:
        split = grouped_stratified_split(group, labels, DEFAULT_FRACTIONS, seed)
    sizes = np.unique(group, return_counts=True)[1]
    block = {"by": "random" if random_split else "cluster", "grouped": not random_split, "leaks": random_split,
             "seed": seed, "fractions": list(DEFAULT_FRACTIONS), "identity": identity, "coverage": coverage,
             "groups": int(len(sizes)), "multi_member_groups": int((sizes > 1).sum()),
             "test_rows_grouped_with_train": rows_grouped_across(group, split)}
    if random_split:
        block["warning"] = LEAK_WARNING.replace("split_by=random", "--random-split")
    return [SPLIT_ORDER[i] for i in split.tolist()], group.tolist(), block


def rows_to_task(records: pd.DataFrame, task_id: str, name: str, kind: str, where: str, split_seed: int = 0,
                 random_split: bool = False) -> Task:
    """A Task from columns id, sequence, label (strings) and optional split."""
    if records.empty:
        raise DatasetError(f"{where}: no sequences")
    ids = records["id"].astype(str).tolist()
    dup = records["id"][records["id"].duplicated()].tolist()
    if dup:
        raise DatasetError(f"{where}: duplicate id '{dup[0]}'")
    seqs = [s.strip().upper() for s in records["sequence"].astype(str)]
    check_sequences(ids, seqs, where)
    raw_labels = [str(x).strip() for x in records["label"]]
    names = label_order(raw_labels)
    if len(names) < 2:
        raise DatasetError(f"{where}: need at least 2 classes, found {names}")
    index = {n: i for i, n in enumerate(names)}
    labels = [index[x] for x in raw_labels]
    groups = ids
    if "split" in records.columns:
        if random_split:
            raise DatasetError(f"{where}: --random-split applies only to files without a split column")
        block: dict[str, Any] = {"by": "column"}
        splits = [SPLIT_NAMES.get(str(s).strip().lower(), "?") for s in records["split"]]
        bad = [s for s, m in zip(records["split"], splits) if m == "?"]
        if bad:
            raise DatasetError(f"{where}: unknown split '{bad[0]}' (use train, validation or test)")
        for needed in ("train", "test"):
            if needed not in splits:
                raise DatasetError(f"{where}: the split column has no '{needed}' rows")
    else:
        splits, groups, block = choose_splits(ids, seqs, labels, split_seed, random_split)
        if "test" not in splits or "train" not in splits:
            raise DatasetError(f"{where}: too few sequences per class to split (need at least 3 per class, "
                               f"in at least 3 groups of near-duplicates; found {block['groups']} groups)")
    by_split = {s: [lab for lab, sp in zip(labels, splits) if sp == s] for s in ("train", "validation", "test")}
    problem = degenerate_problem(names, by_split, min_test_per_class=1, required=("train", "test"))
    if problem:
        raise DatasetError(f"{where}: degenerate dataset: {problem}")
    rows: dict[str, list[dict[str, Any]]] = {"train": [], "validation": [], "test": []}
    for rid, seq, lab, sp, grp in zip(ids, seqs, labels, splits, groups):
        gc = (seq.count("G") + seq.count("C")) / len(seq)
        rows[sp].append({"id": rid, "sequence": seq, "label": lab, "chrom": ".", "start": 0, "end": len(seq),
                         "strand": "+", "length": len(seq), "gc": gc, "source": kind, "cluster": grp})
    feats = features(names)
    data = DatasetDict({k: Dataset.from_list(v, features=feats) for k, v in rows.items() if v})
    return Task(id=task_id, dataset_name=name, config=kind, data=data, label_names=names,
                fingerprint=fingerprint_split(data["test"]), source=kind, synthetic=False,
                meta={"path": where, "split_seed": None if "split" in records.columns else split_seed, "split": block})


def read_csv_records(path: Path) -> pd.DataFrame:
    """CSV -> DataFrame with id, sequence, label[, split]; one-line errors for missing columns/values."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read CSV ({str(exc).strip().splitlines()[0] if str(exc).strip() else 'empty'})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for col in ("sequence", "label"):
        if col not in frame.columns:
            raise DatasetError(f"{path}: missing column '{col}' (found: {', '.join(frame.columns) or 'none'}; "
                            "need sequence,label[,split])")
    for col in ("sequence", "label"):
        empty = frame.index[frame[col].str.strip() == ""].tolist()
        if empty:
            raise DatasetError(f"{path}: row {empty[0] + 2} has no {col}")
    if "id" not in frame.columns:
        frame["id"] = [f"{path.stem}:{i}" for i in range(len(frame))]
    return frame


_LABEL = re.compile(r"(?:^|\s)label=(\S+)")
_SPLIT = re.compile(r"(?:^|\s)split=(\S+)")


def read_fasta_records(path: Path) -> pd.DataFrame:
    """FASTA -> DataFrame; labels from `label=NAME` in the header or `>ID|NAME`."""
    records: list[dict[str, str]] = []
    header: str | None = None
    chunks: list[str] = []

    def flush(lineno: int) -> None:
        if header is None:
            return
        first = header.split()[0] if header.split() else ""
        m = _LABEL.search(header)
        if m:
            rid, label = first, m.group(1)
        elif "|" in first:
            rid, label = first.rsplit("|", 1)
        else:
            raise DatasetError(f"{path}: header '>{header}' (line {lineno}) has no label (use '>ID label=NAME' or '>ID|NAME')")
        rec = {"id": rid, "sequence": "".join(chunks), "label": label}
        s = _SPLIT.search(header)
        if s:
            rec["split"] = s.group(1)
        records.append(rec)

    start = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise DatasetError(f"{path}:{lineno}: not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None
            if not line:
                continue
            if line.startswith(">"):
                flush(start)
                header, chunks, start = line[1:].strip(), [], lineno
            elif header is None:
                raise DatasetError(f"{path}: not FASTA (line {lineno} comes before any '>' header)")
            else:
                chunks.append(line)
    flush(start)
    frame = pd.DataFrame(records)
    if "split" in frame.columns and frame["split"].isna().any():
        raise DatasetError(f"{path}: some headers have split= and some do not")
    return frame


def load_byo_task(task_id: str, split_seed: int = 0, random_split: bool = False) -> Task:
    """`csv:path` or `fasta:path` -> Task (see module docstring; `random_split`: the leaky per-class split)."""
    kind, _, raw = task_id.partition(":")
    if kind not in ("csv", "fasta") or not raw:
        raise DatasetError(f"task '{task_id}': expected csv:PATH or fasta:PATH")
    path = Path(raw).expanduser()
    if path.is_dir():
        raise DatasetError(f"{kind} file '{raw}' is a directory, not a file")
    if not path.is_file():
        raise DatasetError(f"{kind} file '{raw}' does not exist")
    frame = read_csv_records(path) if kind == "csv" else read_fasta_records(path)
    return rows_to_task(frame, task_id, path.stem, kind, str(path), split_seed, random_split)
