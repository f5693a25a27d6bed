"""Genome FASTA access: decompress once into the cache, index with pyfaidx, extract slices."""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import zlib
from pathlib import Path

import pyfaidx

from loaders.formats import FormatError

_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def reverse_complement(seq: str) -> str:
    """Reverse complement (ACGTN, case kept)."""
    return seq.translate(_COMPLEMENT)[::-1]


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def prepare_genome(path: str | os.PathLike, work_dir: str | os.PathLike) -> Path:
    """Return an indexable plain FASTA for `path` (decompressing gzip/BGZF into `work_dir` once).

    Decompression goes to a temp file renamed into place, so a corrupt or truncated
    archive never leaves a half-written genome behind.
    """
    path = Path(path)
    if not path.exists():
        raise FormatError(f"{path}: genome FASTA not found")
    if not _is_gzip(path):
        return path
    st = path.stat()
    tag = hashlib.sha256(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:12]
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{path.name.removesuffix('.gz')}.{tag}.fa"
    if out.exists():
        return out
    fd, tmp = tempfile.mkstemp(dir=work, prefix=".genome.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as dst, gzip.open(path, "rb") as src:
            shutil.copyfileobj(src, dst, length=1 << 22)
        os.replace(tmp, out)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        Path(tmp).unlink(missing_ok=True)
        raise FormatError(f"{path}: corrupt or truncated gzip ({exc})") from None
    return out


class Genome:
    """Random access to a FASTA (plain or gzip), validated on open."""

    def __init__(self, path: str | os.PathLike, work_dir: str | os.PathLike):
        self.source_path = Path(path)
        self.path = prepare_genome(path, work_dir)
        with open(self.path, "rb") as fh:
            first = fh.readline()
        if not first.startswith(b">"):
            raise FormatError(f"{self.source_path}:1: not a FASTA file (first line does not start with '>')")
        try:
            self._fa = pyfaidx.Fasta(str(self.path), as_raw=True, sequence_always_upper=False, rebuild=False)
        except (pyfaidx.FastaIndexingError, ValueError) as exc:
            raise FormatError(f"{self.source_path}: malformed FASTA ({str(exc).splitlines()[0]})") from None
        self.sizes = {name: len(rec) for name, rec in self._fa.records.items()} if hasattr(self._fa, "records") \
            else {name: len(self._fa[name]) for name in self._fa.keys()}

    def __contains__(self, chrom: str) -> bool:
        return chrom in self.sizes

    def fetch(self, chrom: str, start: int, end: int, strand: str = "+") -> str:
        """Sequence of [start, end) on `strand` (reverse complement for '-'), case as stored."""
        if chrom not in self.sizes:
            raise FormatError(f"{self.source_path}: chromosome '{chrom}' not in FASTA")
        if end > self.sizes[chrom]:
            raise FormatError(f"{self.source_path}: interval {chrom}:{start}-{end} beyond chromosome end {self.sizes[chrom]}")
        seq = str(self._fa[chrom][start:end])
        return reverse_complement(seq) if strand == "-" else seq

    def close(self) -> None:
        self._fa.close()
