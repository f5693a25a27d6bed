"""Optional ALT alleles from pangenome VCFs (HPRC v1.1 MC GRCh38, 1000 Genomes SVs).

An ALT allele of >= `min_length` bp whose REF span overlaps a labelled interval becomes
an extra row carrying that interval's label: the same locus as carried by other human
haplotypes. Symbolic alleles (`<DEL>`, `*`, breakends) are skipped. Rows keep the REF
span as coordinates; `length` is the allele's own length.
"""
from __future__ import annotations

import bisect
import hashlib
import os
from collections.abc import Iterator

import pandas as pd

from loaders.build.formats import is_primary, iter_lines
from loaders.core.errors import FormatError
from loaders.build.sequences import clean, gc_fraction

_SYMBOLIC = ("<", "*", "[", "]", ".")


def iter_long_alts(path: str | os.PathLike, min_length: int) -> Iterator[tuple[str, int, int, str, str]]:
    """(chrom, ref_start0, ref_end, alt, vcf_id) for every sequence ALT >= `min_length` on a primary chromosome."""
    for n, line in iter_lines(path):
        if not line or line.startswith("#"):
            continue
        f = line.split("\t", 8)
        if len(f) < 5:
            raise FormatError(f"{path}:{n}: expected at least 5 tab-separated VCF columns, found {len(f)}")
        chrom, pos, vid, ref, alts = f[0], f[1], f[2], f[3], f[4]
        if not is_primary(chrom):
            continue
        try:
            start = int(pos) - 1
        except ValueError:
            raise FormatError(f"{path}:{n}: POS is not an integer: {pos!r}") from None
        if start < 0 or not ref:
            raise FormatError(f"{path}:{n}: invalid POS/REF")
        for alt in alts.split(","):
            if len(alt) >= min_length and not alt.startswith(_SYMBOLIC) and "[" not in alt and "]" not in alt:
                yield chrom, start, start + len(ref), alt, vid


def alt_allele_rows(vcf: str | os.PathLike, intervals: pd.DataFrame, dataset: str, source: str,
                    min_length: int = 150) -> pd.DataFrame:
    """Rows for ALT alleles overlapping `intervals` (chrom,start,end,label; first listed interval wins)."""
    index: dict[str, tuple[list[int], list[tuple[int, int, int]]]] = {}
    for order, rec in enumerate(intervals.itertuples(index=False)):
        starts, items = index.setdefault(rec.chrom, ([], []))
        items.append((int(rec.start), int(rec.end), order))
    max_len: dict[str, int] = {}
    for chrom, (starts, items) in index.items():
        items.sort()
        starts.extend(s for s, _, _ in items)
        max_len[chrom] = max((e - s for s, e, _ in items), default=0)
    labels = intervals["label"].to_numpy()
    rows = []
    seen: set[str] = set()
    for chrom, s, e, alt, vid in iter_long_alts(vcf, min_length):
        if chrom not in index:
            continue
        starts, items = index[chrom]
        lo = bisect.bisect_left(starts, s - max_len[chrom])
        hi = bisect.bisect_left(starts, e)
        hits = [order for (a, b, order) in items[lo:hi] if a < e and s < b]
        if not hits:
            continue
        seq = clean(alt)
        rid = f"{dataset}:{chrom}:{s}-{e}:+:alt-{hashlib.sha1(seq.encode()).hexdigest()[:12]}"
        if rid in seen:
            continue
        seen.add(rid)
        rows.append((rid, seq, int(labels[min(hits)]), chrom, s, e, "+", len(seq), gc_fraction(seq), source))
    cols = ["id", "sequence", "label", "chrom", "start", "end", "strand", "length", "gc", "source"]
    return pd.DataFrame(rows, columns=cols)
