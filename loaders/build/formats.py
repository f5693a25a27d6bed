"""Readers for the public annotation formats, with one-line errors naming file and line.

All readers return pandas DataFrames with 0-based half-open coordinates and a `line`
column (1-based line number in the file) so later checks can point at the culprit.
"""
from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from loaders.core.errors import FormatError


def open_text(path: str | os.PathLike) -> io.TextIOBase:
    """Open plain or gzip text (detected by magic bytes)."""
    path = Path(path)
    if not path.exists():
        raise FormatError(f"{path}: file not found")
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def iter_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """(line number, line without newline); gzip truncation/corruption becomes a FormatError."""
    n = 0
    try:
        with open_text(path) as fh:
            for n, line in enumerate(fh, start=1):
                yield n, line.rstrip("\n").rstrip("\r")
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise FormatError(f"{path}: file not found") from None
        raise FormatError(f"{path}:{n + 1}: corrupt or truncated gzip ({exc})") from None


def _int(value: str, path, n: int, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise FormatError(f"{path}:{n}: {what} is not an integer: {value!r}") from None


def _check_interval(start: int, end: int, path, n: int) -> None:
    if start < 0 or end <= start:
        raise FormatError(f"{path}:{n}: invalid interval start={start} end={end}")


def _strand(value: str, path, n: int) -> str:
    if value not in {"+", "-", "."}:
        raise FormatError(f"{path}:{n}: strand must be '+', '-' or '.', got {value!r}")
    return value


RMSK_COLUMNS = 17


def read_rmsk(path: str | os.PathLike) -> pd.DataFrame:
    """UCSC `rmsk.txt(.gz)` (17 columns, genoStart 0-based) → chrom,start,end,strand,rep_name,rep_class,rep_family,line."""
    rows = []
    for n, line in iter_lines(path):
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != RMSK_COLUMNS:
            raise FormatError(f"{path}:{n}: expected {RMSK_COLUMNS} tab-separated rmsk columns, found {len(f)}")
        start, end = _int(f[6], path, n, "genoStart"), _int(f[7], path, n, "genoEnd")
        _check_interval(start, end, path, n)
        rows.append((f[5], start, end, _strand(f[9], path, n), f[10], f[11], f[12], n))
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "strand", "rep_name", "rep_class", "rep_family", "line"])


_ATTR = re.compile(r'\s*([A-Za-z0-9_.\-]+)\s+"?([^";]*)"?\s*;?')


def parse_gtf_attributes(text: str) -> dict[str, str]:
    """`key "value"; key2 "value2";` → dict (first occurrence wins)."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition(" ")
        out.setdefault(key, value.strip().strip('"'))
    return out


def parse_gff3_attributes(text: str) -> dict[str, str]:
    """`key=value;key2=value2` → dict."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            out.setdefault(key.strip(), value.strip())
    return out


GTF_KEEP = ("gene_id", "gene_name", "gene_type", "transcript_id")


def read_gtf(path: str | os.PathLike, features: set[str] | None = None,
             keep: tuple[str, ...] = GTF_KEEP) -> pd.DataFrame:
    """GTF/GFF3 (1-based closed) → chrom,start(0-based),end,strand,feature,<keep attrs>,line.

    GFF3 attributes (`key=value`) are read too, with `ID`/`Name`/`biotype` mapped onto
    gene_id/gene_name/gene_type when those are absent.
    """
    rows = []
    for n, line in iter_lines(path):
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 9:
            raise FormatError(f"{path}:{n}: expected 9 tab-separated GTF/GFF columns, found {len(f)}")
        if features is not None and f[2] not in features:
            continue
        start, end = _int(f[3], path, n, "start"), _int(f[4], path, n, "end")
        if start < 1 or end < start:
            raise FormatError(f"{path}:{n}: invalid 1-based interval start={start} end={end}")
        attrs = parse_gtf_attributes(f[8]) if '"' in f[8] or "=" not in f[8] else parse_gff3_attributes(f[8])
        if "gene_name" not in attrs and "Name" in attrs:
            attrs["gene_name"] = attrs["Name"]
        if "gene_id" not in attrs and "ID" in attrs:
            attrs["gene_id"] = attrs["ID"]
        if "gene_type" not in attrs and "biotype" in attrs:
            attrs["gene_type"] = attrs["biotype"]
        rows.append((f[0], start - 1, end, _strand(f[6], path, n), f[2], *(attrs.get(k, "") for k in keep), n))
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "strand", "feature", *keep, "line"])


def read_bed(path: str | os.PathLike) -> pd.DataFrame:
    """BED3..BED12 → chrom,start,end,name,score,strand,line (missing columns filled: '', 0, '.')."""
    rows = []
    for n, line in iter_lines(path):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        f = line.split("\t")
        if len(f) < 3:
            raise FormatError(f"{path}:{n}: expected at least 3 tab-separated BED columns, found {len(f)}")
        start, end = _int(f[1], path, n, "start"), _int(f[2], path, n, "end")
        _check_interval(start, end, path, n)
        name = f[3] if len(f) > 3 else ""
        score = f[4] if len(f) > 4 else "0"
        strand = _strand(f[5], path, n) if len(f) > 5 else "."
        rows.append((f[0], start, end, name, score, strand, n))
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "name", "score", "strand", "line"])


def read_chrom_sizes(path: str | os.PathLike) -> dict[str, int]:
    """UCSC `chrom.sizes` → {chrom: length}."""
    sizes: dict[str, int] = {}
    for n, line in iter_lines(path):
        if not line.strip():
            continue
        f = line.split("\t")
        if len(f) < 2:
            raise FormatError(f"{path}:{n}: expected 'chrom<TAB>size'")
        sizes[f[0]] = _int(f[1], path, n, "size")
    return sizes


PRIMARY = re.compile(r"^(chr)?([0-9]+|X|Y)$")


def is_primary(chrom: str) -> bool:
    """chr1..chr22, chrX, chrY (with or without the `chr` prefix)."""
    return bool(PRIMARY.match(chrom))
