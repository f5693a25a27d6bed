"""From labelled intervals to sequence rows: extract, uppercase, split at N runs, filter."""
from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
from tqdm.auto import tqdm

from loaders.core.errors import FormatError
from loaders.build.genome import Genome

_NON_ACGT = re.compile(r"[^ACGTN]")
PROGRESS_MIN = 20_000
"""Show a progress bar when extracting at least this many intervals (real builds, not the demo)."""


def clean(seq: str) -> str:
    """Uppercase (soft-masking is not a signal) and map any IUPAC ambiguity code to N."""
    return _NON_ACGT.sub("N", seq.upper())


def split_at_n(seq: str, min_run: int = 1) -> list[tuple[int, int]]:
    """Offsets [a, b) of the pieces of `seq` between runs of >= `min_run` N."""
    pieces = []
    pos = 0
    for m in re.finditer(f"N{{{min_run},}}", seq):
        if m.start() > pos:
            pieces.append((pos, m.start()))
        pos = m.end()
    if pos < len(seq):
        pieces.append((pos, len(seq)))
    return pieces


def gc_fraction(seq: str) -> float:
    """GC fraction over non-N bases (0 for an all-N sequence)."""
    acgt = len(seq) - seq.count("N")
    return round((seq.count("G") + seq.count("C")) / acgt, 6) if acgt else 0.0


def extract_rows(intervals: pd.DataFrame, genome: Genome, dataset: str, min_length: int = 150,
                 n_run: int = 1, annotation_files: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Sequence rows for `intervals` (chrom,start,end,strand,label,source[,line,file]).

    Each interval is read on its strand, cleaned, split at runs of >= `n_run` N and
    fragments shorter than `min_length` dropped. Fragment coordinates are genomic.
    Returns rows (id, sequence, label, chrom, start, end, strand, length, gc, source) and counts.
    """
    missing = sorted(set(intervals["chrom"]) - set(genome.sizes))
    if missing:
        first = intervals[intervals["chrom"] == missing[0]].iloc[0]
        where = f"{first['file']}:{first['line']}" if "file" in intervals and "line" in intervals else "annotation"
        raise FormatError(f"{where}: chromosome '{missing[0]}' is not in the genome FASTA {genome.source_path.name}")
    rows = []
    stats = {"intervals": int(len(intervals)), "fragments_short": 0, "n_split": 0}
    records = intervals.itertuples(index=False)
    if len(intervals) >= PROGRESS_MIN:
        records = tqdm(records, total=len(intervals), desc="extracting sequences", unit="interval", leave=False)
    for rec in records:
        seq = clean(genome.fetch(rec.chrom, int(rec.start), int(rec.end), rec.strand))
        pieces = split_at_n(seq, n_run)
        if len(pieces) != 1 or pieces[0] != (0, len(seq)):
            stats["n_split"] += 1
        for a, b in pieces:
            if b - a < min_length:
                stats["fragments_short"] += 1
                continue
            if rec.strand == "-":
                g0, g1 = int(rec.end) - b, int(rec.end) - a
            else:
                g0, g1 = int(rec.start) + a, int(rec.start) + b
            frag = seq[a:b]
            rows.append((f"{dataset}:{rec.chrom}:{g0}-{g1}:{rec.strand}", frag, int(rec.label), rec.chrom, g0, g1,
                         rec.strand, b - a, gc_fraction(frag), rec.source))
    cols = ["id", "sequence", "label", "chrom", "start", "end", "strand", "length", "gc", "source"]
    return pd.DataFrame(rows, columns=cols), stats


def resolve_duplicates(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The conflicting-label rule, applied after extraction.

    1. Rows with the same id (same fragment reached from two intervals) keep the first
       (recipes list intervals in class-priority order).
    2. Identical sequences carrying different labels are all dropped: the label cannot be
       learned from the sequence, and keeping one would be an arbitrary choice.
    Identical sequences with the same label are kept (clustering puts them in one group).
    """
    before = len(rows)
    rows = rows.drop_duplicates("id", keep="first")
    same_id = before - len(rows)
    labels_per_seq = rows.groupby("sequence")["label"].nunique()
    conflicted = set(labels_per_seq[labels_per_seq > 1].index)
    mask = rows["sequence"].isin(conflicted)
    stats = {"duplicate_ids_dropped": int(same_id), "conflicting_label_rows_dropped": int(mask.sum()),
             "conflicting_label_sequences": int(len(conflicted))}
    return rows[~mask].reset_index(drop=True), stats


def to_fasta(rows: Iterable[tuple[str, str]]) -> str:
    """FASTA text for (name, sequence) pairs."""
    return "".join(f">{name}\n{seq}\n" for name, seq in rows)
