"""Motif and sequence files: MEME (minimal or full text output), JASPAR (.jaspar / .pfm),
HOCOMOCO (.pcm / .pfm / .motif), MEME background files, FASTA; or JASPAR ids.

Every reader returns `Motif`s (rows A, C, G, T) with the site count FIMO would use:
- MEME: the letter-probability matrix and its `nsites=` (absent: FIMO's default, 20);
- count matrices (JASPAR, HOCOMOCO .pcm): the counts; the site count is the rounded mean
  column total, as MEME's `jaspar2meme` writes it;
- frequency matrices without a site count (HOCOMOCO .pfm): FIMO's default, 20.
Bad input raises `MotifFileError` whose message names the file, the line and the problem.
"""
from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmark.interpret.motifs import DEFAULT_SITES, JASPAR_RELEASE, Motif, load_jaspar
from loaders.core.errors import UserError

DNA = "ACGT"
JASPAR_ID = re.compile(r"^(MA|PB|PF|PH|PL|CN|POL|UN)\d{4}(\.\d+)?$")
"""A JASPAR matrix id, base (`MA0139`) or versioned (`MA0139.2`)."""


class MotifFileError(UserError, ValueError):
    """A motif, background or sequence file that cannot be read (one-line message)."""


@dataclass(frozen=True)
class MotifSet:
    """Motifs read from one source, with the background its file states (MEME files only)."""

    motifs: list[Motif]
    background: np.ndarray | None = None
    source: str = ""


def _open_text(path: Path) -> list[str]:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return fh.read().splitlines()
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise MotifFileError(f"{path}: no such file") from None
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise MotifFileError(f"{path}: not a text file ({type(exc).__name__})") from None


def _floats(path: Path, lineno: int, tokens: Sequence[str]) -> list[float]:
    try:
        vals = [float(t) for t in tokens]
    except ValueError:
        got = " ".join(tokens)
        raise MotifFileError(f"{path}: line {lineno}: expected numbers, got '{got[:40]}{'...' if len(got) > 40 else ''}' "
                             "(not a MEME, JASPAR or HOCOMOCO motif file?)") from None
    if any(not np.isfinite(v) or v < 0 for v in vals):
        raise MotifFileError(f"{path}: line {lineno}: matrix entries must be finite and >= 0")
    return vals


# --- MEME ------------------------------------------------------------------------------------
_KV = re.compile(r"(\w+)\s*=\s*(\S+)")


def read_meme(path: str | os.PathLike) -> MotifSet:
    """MEME minimal format or MEME/STREME/DREME text output: every `letter-probability matrix`."""
    path = Path(path)
    lines = _open_text(path)
    if not any(line.startswith("MEME version") for line in lines[:50]):
        raise MotifFileError(f"{path}: not a MEME motif file (no 'MEME version' line)")
    motifs: list[Motif] = []
    background = None
    motif_id, motif_alt = None, ""
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("ALPHABET"):
            words = line.replace("=", " ", 1).split()[1:]
            alph = words[0].strip('"').upper() if words else ""
            if alph not in ("ACGT", "DNA"):
                raise MotifFileError(f"{path}: line {i + 1}: only DNA motifs (ALPHABET= ACGT) can be scanned, "
                                     f"not '{' '.join(words)}'")
            if "=" not in line:  # a MEME 5 alphabet definition block: skip to its end
                while i + 1 < len(lines) and not lines[i].strip().startswith("END ALPHABET"):
                    i += 1
        elif line.startswith("Background letter frequencies"):
            freqs: dict[str, float] = {}
            j = i + 1
            while j < len(lines) and len(freqs) < 4 and lines[j].strip():
                toks = lines[j].split()
                for k in range(0, len(toks) - 1, 2):
                    freqs[toks[k].upper()] = _floats(path, j + 1, [toks[k + 1]])[0]
                j += 1
            if sorted(freqs) != list(DNA):
                raise MotifFileError(f"{path}: line {i + 2}: background must give A, C, G and T")
            background = np.array([freqs[b] for b in DNA])
            i = j - 1
        elif line.startswith("MOTIF"):
            toks = line.split()
            if len(toks) < 2:
                raise MotifFileError(f"{path}: line {i + 1}: MOTIF line without an id")
            motif_id = toks[1]
            motif_alt = toks[2] if len(toks) > 2 and toks[2] != "width" and "=" not in toks[2] else ""
        elif line.startswith("letter-probability matrix"):
            if motif_id is None:
                raise MotifFileError(f"{path}: line {i + 1}: letter-probability matrix before any MOTIF line")
            params = dict(_KV.findall(line.split(":", 1)[1] if ":" in line else ""))
            if params.get("alength", "4") != "4":
                raise MotifFileError(f"{path}: line {i + 1}: motif {motif_id} has alength={params['alength']}, not 4 (DNA)")
            rows: list[list[float]] = []
            j = i + 1
            width = int(params["w"]) if "w" in params and params["w"].isdigit() else None
            while not rows and j < len(lines) and not lines[j].strip():
                j += 1
            while j < len(lines):
                toks = lines[j].split()
                if not toks or not re.fullmatch(r"[-+0-9.eE]+", toks[0]) or (width is not None and len(rows) == width):
                    break
                if len(toks) != 4:
                    raise MotifFileError(f"{path}: line {j + 1}: motif {motif_id}: expected 4 probabilities, got {len(toks)}")
                rows.append(_floats(path, j + 1, toks))
                j += 1
            if not rows or (width is not None and len(rows) != width):
                raise MotifFileError(f"{path}: line {i + 1}: motif {motif_id}: expected {width} matrix rows, got {len(rows)}")
            probs = np.array(rows).T
            if np.any(np.abs(probs.sum(axis=0) - 1.0) > 0.01):
                bad = int(np.argmax(np.abs(probs.sum(axis=0) - 1.0)))
                raise MotifFileError(f"{path}: line {i + 2 + bad}: motif {motif_id}: probabilities sum to "
                                     f"{probs[:, bad].sum():g}, not 1")
            nsites = _floats(path, i + 1, [params["nsites"]])[0] if "nsites" in params else None
            motifs.append(Motif(motif_id, motif_alt, probs, nsites=nsites))
            motif_id = None
            i = j - 1
        i += 1
    if not motifs:
        raise MotifFileError(f"{path}: no 'letter-probability matrix' found")
    return MotifSet(motifs, background, str(path))


# --- JASPAR / HOCOMOCO count and frequency matrices ---------------------------------------------
_LABELLED = re.compile(r"^\s*([ACGTacgt])\s*[|:]?\s*\[?\s*([^\]]*?)\s*\]?\s*$")


def _blocks(path: Path, lines: list[str]) -> Iterator[tuple[str, int, list[tuple[int, str]]]]:
    """(header, header line, [(line number, text)]) per '>' block; a file without headers is one block."""
    header, start, body = None, 0, []
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(">"):
            if header is not None or body:
                yield header or path.stem, start, body
            header, start, body = line[1:].strip(), n, []
        else:
            body.append((n, line))
    if header is not None or body:
        yield header or path.stem, start, body


def _matrix(path: Path, name: str, body: list[tuple[int, str]], position_rows: bool | None) -> np.ndarray:
    """4 x w matrix from a block: labelled rows (`A [ ... ]`, `A| ...`), 4 letter rows, or w position rows."""
    if not body:
        raise MotifFileError(f"{path}: motif '{name}' has no matrix")
    labelled = [_LABELLED.match(t) for _, t in body]
    if all(m is not None and m.group(1).upper() in DNA for m in labelled) and len(body) == 4:
        rows = {m.group(1).upper(): _floats(path, n, m.group(2).split()) for (n, _), m in zip(body, labelled)}
        if sorted(rows) != list(DNA):
            raise MotifFileError(f"{path}: line {body[0][0]}: motif '{name}' needs rows A, C, G and T")
        if len({len(r) for r in rows.values()}) != 1:
            raise MotifFileError(f"{path}: line {body[0][0]}: motif '{name}' rows differ in length")
        return np.array([rows[b] for b in DNA])
    rows_num = [_floats(path, n, t.replace("\t", " ").split()) for n, t in body]
    if len({len(r) for r in rows_num}) != 1:
        raise MotifFileError(f"{path}: line {body[0][0]}: motif '{name}' rows differ in length")
    m = np.array(rows_num)
    n_rows, n_cols = m.shape
    if position_rows is None:
        if n_rows == 4 and n_cols != 4:
            position_rows = False
        elif n_cols == 4 and n_rows != 4:
            position_rows = True
        else:  # 4 x 4: the orientation whose position totals agree (MEME's MotifUtils rule)
            position_rows = float(np.var(m.sum(axis=1))) <= float(np.var(m.sum(axis=0)))
    if position_rows:
        if n_cols != 4:
            raise MotifFileError(f"{path}: line {body[0][0]}: motif '{name}': expected 4 columns (A C G T), got {n_cols}")
        return m.T
    if n_rows != 4:
        raise MotifFileError(f"{path}: line {body[0][0]}: motif '{name}': expected 4 rows (A C G T), got {n_rows}")
    return m


def read_matrices(path: str | os.PathLike, position_rows: bool | None = None) -> MotifSet:
    """JASPAR (.jaspar, .pfm; letter rows) and HOCOMOCO (.pcm/.pfm/.motif; position rows) matrices.

    Orientation: labelled rows are letters; otherwise 4 rows are letters and 4 columns are
    positions (`position_rows` forces one). Count matrices keep their counts; frequency
    matrices (columns summing to 1) get FIMO's default site count.
    """
    path = Path(path)
    lines = _open_text(path)
    motifs = []
    for header, start, body in _blocks(path, lines):
        toks = header.split()
        mid, name = (toks[0], " ".join(toks[1:])) if toks else (path.stem, "")
        m = _matrix(path, mid, body, position_rows)
        totals = m.sum(axis=0)
        if np.any(totals <= 0):
            raise MotifFileError(f"{path}: line {start or body[0][0]}: motif '{mid}' has a position with no counts")
        motifs.append(Motif(mid, name, m))
    if not motifs:
        raise MotifFileError(f"{path}: no motif matrix found")
    return MotifSet(motifs, None, str(path))


_LOG_ODDS_SUFFIXES = (".pwm",)


def read_motif_file(path: str | os.PathLike) -> MotifSet:
    """Any supported motif file, by content: MEME text, else JASPAR/HOCOMOCO matrices."""
    path = Path(path)
    if not path.is_file():
        raise MotifFileError(f"{path}: no such file")
    lines = _open_text(path)
    if any(line.startswith("MEME version") for line in lines[:50]):
        return read_meme(path)
    if path.suffix.lower() in _LOG_ODDS_SUFFIXES:
        raise MotifFileError(f"{path}: a log-odds matrix (.pwm) has no frequencies to scan FIMO-style; "
                             "use the .pcm, .pfm or MEME file of the same motif")
    position_rows = True if path.suffix.lower() in (".pcm", ".motif") else None
    if path.suffix.lower() == ".pfm" and lines and not lines[0].startswith(">") and len(lines[0].split()) == 4:
        position_rows = None
    return read_matrices(path, position_rows=position_rows)


def resolve_motifs(specs: Sequence[str], release: str = JASPAR_RELEASE) -> MotifSet:
    """Motif files and/or JASPAR ids (from the bundled pyjaspar release), in the order given."""
    motifs: list[Motif] = []
    background = None
    ids: list[str] = []
    for spec in specs:
        spec = spec.strip()
        if not spec:
            continue
        if Path(spec).expanduser().is_file():
            got = read_motif_file(Path(spec).expanduser())
            motifs.extend(got.motifs)
            background = got.background if background is None else background
        elif JASPAR_ID.match(spec):
            ids.append(spec)
            motifs.extend(load_jaspar([spec], release=release))
        else:
            raise MotifFileError(f"'{spec}' is neither a motif file nor a JASPAR id (e.g. MA0139 or MA0139.2)")
    if not motifs:
        raise MotifFileError("no motifs given")
    dup = sorted({m.id for m in motifs if sum(x.id == m.id for x in motifs) > 1})
    if dup:
        raise MotifFileError(f"motif id {dup[0]} is given more than once")
    return MotifSet(motifs, background, ",".join(specs))


def to_meme(motifs: Sequence[Motif], background: Sequence[float] | None = None) -> str:
    """MEME minimal format (what `jaspar2meme` writes): probabilities to 6 decimals, nsites = site count."""
    out = ["MEME version 4", "", "ALPHABET= ACGT", "", "strands: + -", ""]
    if background is not None:
        out += ["Background letter frequencies", " ".join(f"{b} {f:.6g}" for b, f in zip(DNA, background)), ""]
    for m in motifs:
        f = np.asarray(m.counts, dtype=np.float64)
        f = f / f.sum(axis=0, keepdims=True)
        sites = m.site_count
        out += [f"MOTIF {m.id}" + (f" {m.name}" if m.name and " " not in m.name else ""), "",
                f"letter-probability matrix: alength= 4 w= {m.width} nsites= {sites if sites is not None else DEFAULT_SITES:g} E= 0"]
        out += [" " + "  ".join(f"{x:.6f}" for x in col) for col in f.T]
        out.append("")
    return "\n".join(out)


def load_motifs(specs: Sequence[str] | None, release: str = JASPAR_RELEASE) -> list[Motif]:
    """Every JASPAR CORE vertebrates motif (`specs` None) or the given motif files and/or JASPAR ids."""
    return load_jaspar(None, release=release) if specs is None else resolve_motifs(specs, release=release).motifs


# --- backgrounds and sequences ----------------------------------------------------------------
def read_background(path: str | os.PathLike) -> np.ndarray:
    """0-order letter frequencies (A, C, G, T) of a MEME background file (`fasta-get-markov`);
    higher-order lines are ignored, as FIMO does."""
    path = Path(path)
    freqs: dict[str, float] = {}
    for n, raw in enumerate(_open_text(path), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        toks = line.split()
        if len(toks) != 2:
            raise MotifFileError(f"{path}: line {n}: expected '<letter(s)> <frequency>', got '{line}'")
        if len(toks[0]) == 1:
            if toks[0].upper() not in DNA:
                raise MotifFileError(f"{path}: line {n}: '{toks[0]}' is not a DNA letter")
            freqs[toks[0].upper()] = _floats(path, n, [toks[1]])[0]
    if sorted(freqs) != list(DNA):
        raise MotifFileError(f"{path}: a background file must give A, C, G and T frequencies")
    bg = np.array([freqs[b] for b in DNA])
    if bg.sum() <= 0:
        raise MotifFileError(f"{path}: background frequencies sum to 0")
    return bg / bg.sum()


def read_fasta(path: str | os.PathLike) -> list[tuple[str, str]]:
    """(name, sequence) per record; the name is the header's first word, as FIMO reports it."""
    path = Path(path)
    out: list[tuple[str, str]] = []
    name, chunks = None, []
    for n, raw in enumerate(_open_text(path), 1):
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith(">"):
            if name is not None:
                out.append((name, "".join(chunks)))
            words = line[1:].split()
            if not words:
                raise MotifFileError(f"{path}: line {n}: FASTA header without a name")
            name, chunks = words[0], []
        elif name is None:
            raise MotifFileError(f"{path}: not FASTA (line {n} comes before any '>' header)")
        else:
            chunks.append(line.replace(" ", ""))
    if name is not None:
        out.append((name, "".join(chunks)))
    if not out:
        raise MotifFileError(f"{path}: no FASTA records")
    return out
