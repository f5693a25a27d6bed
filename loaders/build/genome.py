"""Genome FASTA access: index (and decompress) into the cache, validate letters, extract slices.

Nothing is ever written beside the user's FASTA. Its index lives in the cache, in a folder keyed
by the file's identity (size, mtime and sha256): `<work>/<name>-<key>/` holds `genome.fai`
(`genome.gzi` for BGZF, read in place; `genome.fa` for plain gzip, decompressed once). A FASTA that
changed gets a new key, so a stale index is never used; the folder is built in a temp folder and
renamed into place, so a failed or killed build leaves no index at all (and the temp is swept at
the next run, `loaders.core.leftovers`). A read-only input folder is fine.

Letters: A, C, G, T, N (any case) are read as they are. IUPAC ambiguity codes (R Y S W K M B D H V)
are refused unless `iupac="n"` (`bench data build --iupac-as-n`), which reads them as N: a
SNP-masked or consensus genome carries one at every variant, and turning each into N without
being asked would split rows at every SNP. Any other character (X, digits, `*`, `-`...) is refused:
the message names the file, the record and the 1-based position.
"""
from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import re
import shutil
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import pyfaidx

from loaders.core.dna import reverse_complement
from loaders.core.errors import FormatError
from loaders.core.files import sha256_file, temp_dir

NUCLEOTIDES = "ACGTN"
IUPAC_AMBIGUITY = "RYSWKMBDHV"
IUPAC_POLICIES = ("error", "n")
"""`iupac` values: refuse ambiguity codes (default) or read them as N."""
INDEX_VERSION = "1"
_ENVIRONMENT = {errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EROFS, errno.EDQUOT}


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _is_bgzf(path: Path) -> bool:
    """gzip member with the BGZF `BC` extra subfield (what bgzip/samtools write)."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    return len(head) >= 14 and head[:2] == b"\x1f\x8b" and bool(head[3] & 4) and head[12:14] == b"BC"


def _check_input(path: Path) -> None:
    if path.is_dir():
        raise FormatError(f"{path}: genome FASTA is a directory, not a file")
    if not path.exists():
        raise FormatError(f"{path}: genome FASTA not found")
    if not os.access(path, os.R_OK):
        raise FormatError(f"{path}: genome FASTA is not readable (permission denied)")


def genome_key(path: str | os.PathLike) -> str:
    """Identity of a FASTA file: sha256 over its size, mtime and content sha256 (16 hex digits)."""
    st = Path(path).stat()
    ident = json.dumps([INDEX_VERSION, st.st_size, st.st_mtime_ns, sha256_file(path)])
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class GenomeFiles:
    """What pyfaidx opens: the FASTA (the user's file, or its decompressed copy) and its cache-held index,
    with the full header line of each record (keyed by the record's first word)."""

    fasta: Path
    fai: Path
    gzi: Path | None
    headers: dict[str, str]


def _files(folder: Path, source: Path) -> GenomeFiles:
    meta = json.loads((folder / "index.json").read_text())
    fasta = folder / "genome.fa" if meta["kind"] == "gzip" else source
    return GenomeFiles(fasta, folder / "genome.fai", folder / "genome.gzi" if meta["kind"] == "bgzf" else None,
                       meta["headers"])


def _decompress(path: Path, out: Path) -> None:
    try:
        with open(out, "wb") as dst, gzip.open(path, "rb") as src:
            shutil.copyfileobj(src, dst, length=1 << 22)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise FormatError(f"{path}: corrupt or truncated gzip ({exc})") from None
    except OSError as exc:
        if exc.errno in _ENVIRONMENT:
            raise
        raise FormatError(f"{path}: corrupt or truncated gzip ({exc})") from None


def _first_line(path: Path, gz: bool) -> bytes:
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as fh:
            return fh.readline(4096)
    except (EOFError, OSError, zlib.error) as exc:
        raise FormatError(f"{path}: corrupt or truncated gzip ({exc})") from None


def _index(fasta: Path, fai: Path, gzi: Path | None, source: Path) -> dict[str, str]:
    """Write the .fai (and .gzi) of `fasta`; return the full header line of each record."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            faidx = pyfaidx.Faidx(str(fasta), indexname=str(fai), gzi_indexname=str(gzi) if gzi else None,
                                  rebuild=True, build_index=True)
            try:
                return _scan_headers(fasta) if gzi else _read_headers(fasta, faidx.index)
            finally:
                faidx.close()
    except UnicodeDecodeError as exc:
        raise FormatError(f"{source}: not a text FASTA (byte 0x{exc.object[exc.start]:02x} is not UTF-8)") from None
    except (pyfaidx.FastaIndexingError, ValueError, EOFError, zlib.error) as exc:
        raise FormatError(f"{source}: malformed FASTA ({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})") from None
    except OSError as exc:
        if exc.errno in _ENVIRONMENT:
            raise
        raise FormatError(f"{source}: unreadable FASTA ({exc})") from None


def prepare_genome(path: str | os.PathLike, work_dir: str | os.PathLike) -> GenomeFiles:
    """Index `path` (plain, gzip or BGZF FASTA) into `work_dir`, keyed by its identity; see module docstring."""
    path = Path(path).expanduser()
    _check_input(path)
    path = path.resolve()
    work = Path(work_dir)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.name.removesuffix(".gz").removesuffix(".bgz"))[:80] or "genome"
    final = work / f"{stem}-{genome_key(path)}"
    if (final / "index.json").is_file():
        return _files(final, path)
    tmp = temp_dir(work, final.name)
    try:
        kind = ("bgzf" if _is_bgzf(path) else "gzip") if _is_gzip(path) else "plain"
        fasta = tmp / "genome.fa" if kind == "gzip" else path
        if kind == "gzip":
            _decompress(path, fasta)
        first = _first_line(path if kind == "bgzf" else fasta, kind == "bgzf")
        if not first.startswith(b">"):
            raise FormatError(f"{path}:1: not a FASTA file (first line does not start with '>')")
        headers = _index(fasta, tmp / "genome.fai", tmp / "genome.gzi" if kind == "bgzf" else None, path)
        (tmp / "index.json").write_text(json.dumps({"source": str(path), "kind": kind, "size": path.stat().st_size,
                                                    "sha256": sha256_file(path), "headers": headers}, indent=1) + "\n")
        try:
            os.replace(tmp, final)
        except OSError:
            if not (final / "index.json").is_file():  # else a concurrent build finished first: use its index
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _files(final, path)


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
    """Full header line of each record of a plain FASTA, read at the byte offsets of the .fai index."""
    out = {}
    with open(path, "rb") as fh:
        for name, rec in index.items():
            fh.seek(rec.prev_bend)
            raw = fh.read(max(0, rec.offset - rec.prev_bend))
            start = raw.find(b">")
            out[name] = raw[start + 1:].decode("utf-8", "replace").strip() if start >= 0 else name
    return out


def _scan_headers(path: Path) -> dict[str, str]:
    """Full header line of each record of a compressed FASTA (one streaming pass)."""
    out = {}
    with gzip.open(path, "rb") as fh:
        for line in fh:
            if line.startswith(b">"):
                header = line[1:].decode("utf-8", "replace").strip()
                out.setdefault(header.split()[0] if header.split() else header, header)
    return out


class Genome:
    """Random access to a FASTA (plain, gzip or BGZF), validated on open and on every read.

    Records are known by a canonical name (see `header_names`: NCBI headers become
    `chr1`…) and any alias (`resolve`); `sizes` is keyed by canonical names. `iupac` is
    "error" (refuse ambiguity codes) or "n" (read them as N); see the module docstring.
    """

    def __init__(self, path: str | os.PathLike, work_dir: str | os.PathLike, iupac: str = "error"):
        if iupac not in IUPAC_POLICIES:
            raise FormatError(f"iupac must be one of {', '.join(IUPAC_POLICIES)}, got {iupac!r}")
        self.source_path = Path(path)
        self.files = prepare_genome(path, work_dir)
        self.path = self.files.fasta
        self.iupac = iupac
        allowed = NUCLEOTIDES + (IUPAC_AMBIGUITY if iupac == "n" else "")
        self._strip = {ord(c): None for c in allowed + allowed.lower()}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # index older than the FASTA: the key already says it is current
                self._fa = pyfaidx.Fasta(str(self.path), indexname=str(self.files.fai),
                                         gzi_indexname=str(self.files.gzi) if self.files.gzi else None,
                                         as_raw=True, sequence_always_upper=False, rebuild=False, build_index=False)
        except (pyfaidx.FastaIndexingError, ValueError) as exc:
            raise FormatError(f"{self.source_path}: malformed FASTA ({str(exc).splitlines()[0]})") from None
        raw_sizes = {name: rec.rlen for name, rec in self._fa.faidx.index.items()}
        headers = {k: self.files.headers.get(k, k) for k in raw_sizes}
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
        """Sequence of [start, end) on `strand` (reverse complement for '-'), case as stored.

        Raises `FormatError` naming the record and 1-based position of the first letter that is
        not a nucleotide (or an IUPAC code, unless `iupac="n"`).
        """
        chrom = self.aliases.get(chrom, chrom)
        if chrom not in self.sizes:
            raise FormatError(f"{self.source_path}: chromosome '{chrom}' not in FASTA")
        if end > self.sizes[chrom]:
            raise FormatError(f"{self.source_path}: interval {chrom}:{start}-{end} beyond chromosome end {self.sizes[chrom]}")
        key = self._key[chrom]
        seq = str(self._fa[key][start:end])
        if seq.translate(self._strip):
            self._refuse(key, start, seq)
        return reverse_complement(seq) if strand == "-" else seq

    def _refuse(self, key: str, start: int, seq: str) -> None:
        letter = seq.translate(self._strip)[0]
        where = f"{self.source_path}: record '{key}' position {start + seq.index(letter) + 1}"
        if letter.upper() in IUPAC_AMBIGUITY:
            raise FormatError(f"{where}: IUPAC ambiguity code {letter!r}; pass --iupac-as-n (param iupac=n) "
                              "to read ambiguity codes as N")
        raise FormatError(f"{where}: {letter!r} is not a nucleotide letter (A, C, G, T, N or an IUPAC code)")

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
