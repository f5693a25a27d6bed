"""Genome FASTA access: decompress once into the cache, index with pyfaidx, extract slices."""
from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import tempfile
import zlib
from pathlib import Path

import pyfaidx

from loaders.core.dna import reverse_complement
from loaders.core.errors import FormatError


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _is_bgzf(path: Path) -> bool:
    """gzip member with the BGZF `BC` extra subfield (what bgzip/samtools write)."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    return len(head) >= 14 and head[:2] == b"\x1f\x8b" and bool(head[3] & 4) and head[12:14] == b"BC"


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
    if _is_bgzf(path) and Path(f"{path}.fai").exists() and Path(f"{path}.gzi").exists():
        return path  # indexed BGZF (e.g. the demo genome): pyfaidx reads it in place
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


_NCBI_ID = re.compile(r"^gi\|\d+\|(?:ref|gb|emb|dbj)\|([^|]+)\|?$")
_ACCESSION = re.compile(r"^(?:[A-Z]{2}_\d{6,}|[A-Z]{1,2}\d{5,})\.\d+$")
_CHROMOSOME = re.compile(r"\bchromosome ([0-9]+|[XY])(?:,|$)")
GRCH38_REFSEQ: dict[str, str] = {**{f"NC_{i:06d}": f"chr{i}" for i in range(1, 23)},
                                 "NC_000023": "chrX", "NC_000024": "chrY", "NC_012920": "chrM"}
"""RefSeq accessions (version stripped) of the GRCh38 primary chromosomes → UCSC names."""


def header_names(header: str) -> tuple[str, list[str]]:
    """(canonical name, aliases) of one FASTA header line (without `>`).

    `chr1`/`1`/`MT` keep their name and gain the other spelling as alias; NCBI headers
    (`gi|…|ref|NC_000001.11| Homo sapiens chromosome 1, …` or a bare `NC_000001.11 …`)
    become `chrN` when the description names a whole chromosome (`chromosome N,` — not a
    patch or unlocalized scaffold) or the accession is a GRCh38 RefSeq chromosome, else the
    accession; the first token, the accession and the version-less accession stay aliases.
    """
    token, _, desc = header.strip().partition(" ")
    aliases = [token]
    canonical = token
    m = _NCBI_ID.match(token)
    accession = m.group(1) if m else (token if _ACCESSION.match(token) else None)
    if accession:
        bare = accession.split(".")[0]
        aliases += [accession, bare]
        chrom = _CHROMOSOME.search(desc)
        if chrom:
            canonical = f"chr{chrom.group(1)}"
        elif "mitochondrion" in desc.lower() and "complete genome" in desc.lower():
            canonical = "chrM"
        else:
            canonical = GRCH38_REFSEQ.get(bare, accession)
    plain = canonical.removeprefix("chr")
    if plain in {"M", "MT"}:
        aliases += ["chrM", "MT", "M"]
    elif re.fullmatch(r"[0-9]+|[XY]", plain):
        aliases += [f"chr{plain}", plain]
    return canonical, [a for a in dict.fromkeys([canonical, *aliases])]


def _read_headers(path: Path, index) -> dict[str, str]:
    """Full header line of each record, read at the byte offsets of the .fai index."""
    out = {}
    with open(path, "rb") as fh:
        for name, rec in index.items():
            fh.seek(rec.prev_bend)
            raw = fh.read(max(0, rec.offset - rec.prev_bend))
            start = raw.find(b">")
            out[name] = raw[start + 1:].decode("utf-8", "replace").strip() if start >= 0 else name
    return out


class Genome:
    """Random access to a FASTA (plain or gzip), validated on open.

    Records are known by a canonical name (see `header_names`: NCBI headers become
    `chr1`…) and any alias (`resolve`); `sizes` is keyed by canonical names.
    """

    def __init__(self, path: str | os.PathLike, work_dir: str | os.PathLike):
        self.source_path = Path(path)
        self.path = prepare_genome(path, work_dir)
        with (gzip.open(self.path, "rb") if _is_gzip(self.path) else open(self.path, "rb")) as fh:
            first = fh.readline()
        if not first.startswith(b">"):
            raise FormatError(f"{self.source_path}:1: not a FASTA file (first line does not start with '>')")
        try:
            self._fa = pyfaidx.Fasta(str(self.path), as_raw=True, sequence_always_upper=False, rebuild=False)
        except (pyfaidx.FastaIndexingError, ValueError) as exc:
            raise FormatError(f"{self.source_path}: malformed FASTA ({str(exc).splitlines()[0]})") from None
        raw_sizes = {name: rec.rlen for name, rec in self._fa.faidx.index.items()}
        headers = _read_headers(self.path, self._fa.faidx.index)
        self._key: dict[str, str] = {}
        named = {k: header_names(h) for k, h in headers.items()}
        taken = {c for c, _ in named.values()}
        for key, (canonical, _) in named.items():
            if canonical in self._key or (canonical != key and canonical in raw_sizes):
                canonical = key  # two records claim one name: keep the raw ones
            self._key[canonical] = key
        self.sizes = {c: raw_sizes[k] for c, k in self._key.items()}
        canon_of = {k: c for c, k in self._key.items()}
        claims: dict[str, set[str]] = {}
        for key, (_, aliases) in named.items():
            for alias in aliases:
                claims.setdefault(alias, set()).add(canon_of[key])
        self.aliases: dict[str, str] = {c: c for c in self.sizes}
        for alias, owners in claims.items():
            if alias not in self.aliases and len(owners) == 1 and alias not in taken - set(owners):
                self.aliases[alias] = next(iter(owners))

    def resolve(self, name: str) -> str | None:
        """Canonical name of a chromosome given any alias (`1`, `chr1`, `NC_000001.11`, NCBI id), or None."""
        return self.aliases.get(name)

    def __contains__(self, chrom: str) -> bool:
        return chrom in self.sizes

    def fetch(self, chrom: str, start: int, end: int, strand: str = "+") -> str:
        """Sequence of [start, end) on `strand` (reverse complement for '-'), case as stored."""
        chrom = self.aliases.get(chrom, chrom)
        if chrom not in self.sizes:
            raise FormatError(f"{self.source_path}: chromosome '{chrom}' not in FASTA")
        if end > self.sizes[chrom]:
            raise FormatError(f"{self.source_path}: interval {chrom}:{start}-{end} beyond chromosome end {self.sizes[chrom]}")
        seq = str(self._fa[self._key[chrom]][start:end])
        return reverse_complement(seq) if strand == "-" else seq

    def n_runs(self, chrom: str, min_run: int = 1) -> list[tuple[int, int]]:
        """[start, end) of every run of >= `min_run` N/n in `chrom` (reads the whole chromosome)."""
        import numpy as np

        seq = np.frombuffer(str(self._fa[self._key[self.aliases.get(chrom, chrom)]][:]).encode(), dtype=np.uint8)
        is_n = (seq == ord("N")) | (seq == ord("n"))
        edges = np.flatnonzero(np.diff(np.concatenate([[0], is_n.astype(np.int8), [0]])))
        runs = edges.reshape(-1, 2)
        return [(int(a), int(b)) for a, b in runs if b - a >= min_run]

    def close(self) -> None:
        self._fa.close()
