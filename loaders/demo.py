"""The built-in `demo` source: a deterministic synthetic mini-genome in real formats.

`ensure_demo_world(cache)` writes (once, atomically) a ~4 Mb, 4-chromosome genome as
gzip FASTA with soft-masked repeats and N gaps, a UCSC rmsk table, a GENCODE-like GTF,
SERVE-like per-tissue HERV GTFs, a chrom.sizes file and `truth.tsv` (what was planted
where). Everything derives from `DEMO_SEED`, so every machine writes identical bytes.

The world is built so the HERV task is learnable for the right reasons:
- HERV copies descend from four family consensus sequences (LTR + internal region),
  diverged 4-14 % per copy, inserted on either strand, some as recent near-identical
  paralogs (to exercise cluster-grouped splits) and a few exact duplicates carrying the
  opposite expression status (to exercise the conflicting-label rule);
- expressed ("coding") copies carry intact transcription-factor motifs in their 5' LTR,
  the others carry the same motifs shuffled (same composition, no motif);
- genic background has higher GC (0.50) than intergenic background (0.38).
It is synthetic: every output built from it says so.
"""
from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEMO_SEED = 20231205
DEMO_VERSION = "1"
CHROM_SIZES: dict[str, int] = {"chr1": 1_500_000, "chr2": 1_200_000, "chr3": 900_000, "chr4": 600_000}
TISSUES: tuple[str, ...] = ("Liver", "Testis", "Brain_Cortex")
HERV_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("HERVK-int", "LTR5_Hs", "ERVK"),
    ("HERVH-int", "LTR7", "ERV1"),
    ("HERVL-int", "MLT2A1", "ERVL"),
    ("THE1B-int", "THE1B", "ERVL-MaLR"),
)
MOTIFS: dict[str, str] = {
    # Consensus-like instances of JASPAR CORE motifs (ID, TF) planted in expressed LTRs.
    "MA0079.5_SP1": "GGGGCGGGGC",
    "MA0060.4_NFYA": "AGCCAATCAGA",
    "MA0095.4_YY1": "AAGATGGCGGC",
    "MA0108.3_TBP": "CTATAAAAGG",
    "MA0050.3_IRF1": "GAAAGTGAAAGT",
    "MA0139.2_CTCF": "CCACCAGGGGGCGC",
}
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
_COMP = bytes.maketrans(b"ACGTNacgtn", b"TGCANtgcan")


@dataclass
class _Copy:
    chrom: str
    start: int
    end: int
    strand: str
    family: int
    kind: str  # full | solo
    expressed: bool
    paralog_of: int
    ltr_len: int
    int_len: int
    motifs: str


def _random_seq(rng: np.random.Generator, n: int, gc: float) -> np.ndarray:
    p = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    return _BASES[rng.choice(4, size=n, p=p)]


def _mutate(rng: np.random.Generator, seq: np.ndarray, rate: float) -> np.ndarray:
    out = seq.copy()
    hit = rng.random(len(out)) < rate
    out[hit] = _BASES[rng.integers(0, 4, size=int(hit.sum()))]
    return out


def _revcomp(seq: np.ndarray) -> np.ndarray:
    return np.frombuffer(seq.tobytes().translate(_COMP)[::-1], dtype=np.uint8).copy()


def _to_arr(s: str) -> np.ndarray:
    return np.frombuffer(s.encode(), dtype=np.uint8).copy()


class _Occupancy:
    """Tracks used genome positions so features never overlap."""

    def __init__(self, sizes: dict[str, int]):
        self.used = {c: np.zeros(n, dtype=bool) for c, n in sizes.items()}

    def place(self, rng: np.random.Generator, length: int, margin: int = 50, tries: int = 500) -> tuple[str, int] | None:
        chroms = list(self.used)
        weights = np.array([len(self.used[c]) for c in chroms], dtype=float)
        for _ in range(tries):
            chrom = chroms[int(rng.choice(len(chroms), p=weights / weights.sum()))]
            n = len(self.used[chrom])
            start = int(rng.integers(margin, n - length - margin))
            if not self.used[chrom][start - margin:start + length + margin].any():
                self.used[chrom][start:start + length] = True
                return chrom, start
        return None


def _genes(rng: np.random.Generator) -> list[dict]:
    genes = []
    k = 0
    for chrom, size in CHROM_SIZES.items():
        pos = int(rng.integers(5_000, 20_000))
        while True:
            length = int(rng.integers(6_000, 40_000))
            if pos + length > size - 5_000:
                break
            k += 1
            strand = "+" if rng.random() < 0.5 else "-"
            gtype = "protein_coding" if rng.random() < 0.7 else "lncRNA"
            n_exons = int(rng.integers(2, 7))
            cuts = np.sort(rng.choice(np.arange(1, length - 1), size=2 * n_exons - 2, replace=False))
            bounds = np.concatenate([[0], cuts, [length]]).reshape(-1, 2)
            exons = [(pos + int(a), pos + int(b)) for a, b in bounds if b - a >= 20]
            genes.append({"chrom": chrom, "start": pos, "end": pos + length, "strand": strand, "type": gtype,
                          "id": f"ENSGDEMO{k:08d}.1", "name": f"DEMOG{k}", "exons": exons})
            pos += length + int(rng.integers(8_000, 45_000))
    return genes


def _herv_copies(rng: np.random.Generator, occ: _Occupancy, genome: dict[str, np.ndarray],
                 n_copies: int = 560) -> list[_Copy]:
    ltr = [_random_seq(rng, int(rng.integers(300, 420)), 0.46) for _ in HERV_FAMILIES]
    internal = [_random_seq(rng, 2_500, 0.41) for _ in HERV_FAMILIES]
    motif_names = list(MOTIFS)
    copies: list[_Copy] = []
    seqs: list[np.ndarray] = []
    for i in range(n_copies):
        paralog_of = -1
        if i > 20 and rng.random() < 0.10:
            # recent duplicate of an earlier copy: ~1 % divergence (exact for a few, with flipped status)
            paralog_of = int(rng.integers(0, len(copies)))
            src = copies[paralog_of]
            exact = rng.random() < 0.08
            seq = seqs[paralog_of].copy() if exact else _mutate(rng, seqs[paralog_of], 0.01)
            expressed = (not src.expressed) if (exact or rng.random() < 0.2) else src.expressed
            fam, kind, l_len, i_len, motifs = src.family, src.kind, src.ltr_len, src.int_len, src.motifs
        else:
            fam = int(rng.integers(0, len(HERV_FAMILIES)))
            kind = "full" if rng.random() < 0.72 else "solo"
            expressed = kind == "full" and rng.random() < 0.42
            rate = float(rng.uniform(0.04, 0.14))
            five = _mutate(rng, ltr[fam], rate)
            chosen = [motif_names[j] for j in rng.choice(len(motif_names), size=3, replace=False)]
            for j, name in enumerate(chosen):
                motif = _to_arr(MOTIFS[name])
                if not expressed:
                    motif = motif[rng.permutation(len(motif))]
                off = 20 + j * ((len(five) - 60) // 3) + int(rng.integers(0, 20))
                five[off:off + len(motif)] = motif
            motifs = ",".join(chosen) if expressed else ""
            l_len = len(five)
            if kind == "full":
                i_len = int(rng.integers(150, 1_600))
                i0 = int(rng.integers(0, 2_500 - i_len))
                body = _mutate(rng, internal[fam][i0:i0 + i_len], rate)
                three = _mutate(rng, ltr[fam], rate)
                seq = np.concatenate([five, body, three])
            else:
                i_len = 0
                seq = five
        strand = "+" if rng.random() < 0.5 else "-"
        spot = occ.place(rng, len(seq))
        if spot is None:
            continue
        chrom, start = spot
        placed = _revcomp(seq) if strand == "-" else seq
        if rng.random() < 0.03 and len(placed) > 700:
            placed = placed.copy()
            mid = len(placed) // 2
            placed[mid:mid + 60] = ord("N")
        genome[chrom][start:start + len(placed)] = placed | 0x20 * (placed != ord("N"))  # soft-mask
        copies.append(_Copy(chrom, start, start + len(seq), strand, fam, kind, bool(expressed), paralog_of,
                            l_len, i_len, motifs))
        seqs.append(seq)
    return copies


def _other_repeats(rng: np.random.Generator, occ: _Occupancy, genome: dict[str, np.ndarray]) -> list[tuple]:
    """Non-HERV repeats (Alu, L1, Gypsy LTRs): annotated in rmsk but never HERV."""
    kinds = [("AluY", "SINE", "Alu", _random_seq(rng, 290, 0.58), 320),
             ("L1PA2", "LINE", "L1", _random_seq(rng, 1_000, 0.40), 110),
             ("LTR12_Gypsy", "LTR", "Gypsy", _random_seq(rng, 450, 0.44), 40)]
    rows = []
    for name, cls, fam, cons, n in kinds:
        for _ in range(n):
            piece = _mutate(rng, cons[: int(rng.integers(len(cons) // 2, len(cons) + 1))], 0.12)
            strand = "+" if rng.random() < 0.5 else "-"
            spot = occ.place(rng, len(piece), margin=10)
            if spot is None:
                continue
            chrom, start = spot
            placed = _revcomp(piece) if strand == "-" else piece
            genome[chrom][start:start + len(piece)] = placed | 0x20
            rows.append((chrom, start, start + len(piece), strand, name, cls, fam))
    return rows


def _rmsk_line(i: int, chrom: str, start: int, end: int, strand: str, name: str, cls: str, fam: str, size: int) -> str:
    return "\t".join(map(str, [585, 1000, 100, 5, 3, chrom, start, end, -(size - end), strand, name, cls, fam,
                               1, end - start, 0, i])) + "\n"


def _write_fasta_gz(path: Path, genome: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        for chrom, arr in genome.items():
            gz.write(f">{chrom}\n".encode())
            data = arr.tobytes()
            gz.write(b"\n".join(data[i:i + 60] for i in range(0, len(data), 60)) + b"\n")


def _gtf_attr(**kv: str) -> str:
    return " ".join(f'{k} "{v}";' for k, v in kv.items())


def generate(out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write the demo world into `out_dir` (must be empty or absent); return its input map."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(DEMO_SEED)
    genes = _genes(rng)
    genome: dict[str, np.ndarray] = {}
    genic = {c: np.zeros(n, dtype=bool) for c, n in CHROM_SIZES.items()}
    for g in genes:
        genic[g["chrom"]][g["start"]:g["end"]] = True
    for chrom, size in CHROM_SIZES.items():
        background = _random_seq(rng, size, 0.38)
        gc_rich = _random_seq(rng, size, 0.50)
        genome[chrom] = np.where(genic[chrom], gc_rich, background)
    occ = _Occupancy(CHROM_SIZES)
    # assembly gaps
    gaps = []
    for _ in range(6):
        length = int(rng.integers(1_000, 5_000))
        spot = occ.place(rng, length)
        if spot:
            genome[spot[0]][spot[1]:spot[1] + length] = ord("N")
            gaps.append((spot[0], spot[1], spot[1] + length))
    copies = _herv_copies(rng, occ, genome)
    others = _other_repeats(rng, occ, genome)

    files = {
        "genome": out / "demo.fa.gz",
        "rmsk": out / "rmsk.txt.gz",
        "gencode": out / "gencode.demo.annotation.gtf.gz",
        "chrom_sizes": out / "demo.chrom.sizes",
        "truth": out / "truth.tsv",
    }
    _write_fasta_gz(files["genome"], genome)
    files["chrom_sizes"].write_text("".join(f"{c}\t{n}\n" for c, n in CHROM_SIZES.items()))

    rm_rows = []
    for c in copies:
        int_name, ltr_name, fam = HERV_FAMILIES[c.family]
        parts = [(ltr_name, c.ltr_len)] if c.kind == "solo" else [(ltr_name, c.ltr_len), (int_name, c.int_len), (ltr_name, c.ltr_len)]
        offsets = np.cumsum([0] + [p[1] for p in parts])
        for (name, _), a, b in zip(parts, offsets[:-1], offsets[1:]):
            s, e = (c.start + int(a), c.start + int(b)) if c.strand == "+" else (c.end - int(b), c.end - int(a))
            rm_rows.append((c.chrom, s, e, c.strand, name, "LTR", fam))
    rm_rows += others
    rm_rows.sort(key=lambda r: (list(CHROM_SIZES).index(r[0]), r[1], r[2]))
    with gzip.GzipFile(files["rmsk"], "wb", mtime=0) as fh:
        for i, r in enumerate(rm_rows, start=1):
            fh.write(_rmsk_line(i, *r, size=CHROM_SIZES[r[0]]).encode())

    with gzip.GzipFile(files["gencode"], "wb", mtime=0) as fh:
        fh.write(b"##description: synthetic PhenoSeq demo annotation (GENCODE-like GTF)\n##provider: phenoseq-bench demo\n")
        for g in genes:
            base = [g["chrom"], "DEMO", None, None, None, ".", g["strand"], "."]
            attrs = dict(gene_id=g["id"], gene_type=g["type"], gene_name=g["name"])
            tid = g["id"].replace("ENSG", "ENST")
            fh.write(("\t".join(map(str, base[:2] + ["gene", g["start"] + 1, g["end"]] + base[5:])) + "\t" + _gtf_attr(**attrs) + "\n").encode())
            fh.write(("\t".join(map(str, base[:2] + ["transcript", g["start"] + 1, g["end"]] + base[5:])) + "\t" + _gtf_attr(**attrs, transcript_id=tid) + "\n").encode())
            for a, b in g["exons"]:
                fh.write(("\t".join(map(str, base[:2] + ["exon", a + 1, b] + base[5:])) + "\t" + _gtf_attr(**attrs, transcript_id=tid) + "\n").encode())

    tissue_rows: dict[str, list[str]] = {t: [] for t in TISSUES}
    for i, c in enumerate(copies):
        if not c.expressed:
            continue
        chosen = [t for t in TISSUES if rng.random() < 0.6] or [TISSUES[int(rng.integers(0, len(TISSUES)))]]
        for t in chosen:
            a = c.start + int(rng.integers(0, 15))
            b = c.end - int(rng.integers(0, 15))
            score = int(rng.integers(50, 1000))
            tid, gid = f"{t}_HERV_TU{i + 1}", f"{t}_HERV_G{i + 1}"
            attr = f'transcript_id "{tid}"; gene_id "{gid}";'
            mid = (a + b) // 2
            tissue_rows[t].append(f"{c.chrom}\ttaco\ttranscript\t{a + 1}\t{b}\t{score}\t{c.strand}\t.\t{attr}\n")
            tissue_rows[t].append(f"{c.chrom}\ttaco\texon\t{a + 1}\t{mid - 40}\t{score}\t{c.strand}\t.\t{attr}\n")
            tissue_rows[t].append(f"{c.chrom}\ttaco\texon\t{mid + 40}\t{b}\t{score}\t{c.strand}\t.\t{attr}\n")
    for t in TISSUES:
        path = out / f"{t}_HERV.gtf"
        path.write_text("".join(tissue_rows[t]))
        files[f"serve:{t}"] = path

    with open(files["truth"], "w") as fh:
        fh.write("chrom\tstart\tend\tstrand\tfamily\tkind\texpressed\tparalog_of\tmotifs\n")
        for c in copies:
            fh.write(f"{c.chrom}\t{c.start}\t{c.end}\t{c.strand}\t{HERV_FAMILIES[c.family][2]}\t{c.kind}\t"
                     f"{int(c.expressed)}\t{c.paralog_of}\t{c.motifs}\n")
        for chrom, s, e in gaps:
            fh.write(f"{chrom}\t{s}\t{e}\t.\tgap\tgap\t0\t-1\t\n")
    return files


def demo_inputs(root: Path) -> dict[str, Path]:
    """The input map of an already generated demo world at `root`."""
    files = {
        "genome": root / "demo.fa.gz",
        "rmsk": root / "rmsk.txt.gz",
        "gencode": root / "gencode.demo.annotation.gtf.gz",
        "chrom_sizes": root / "demo.chrom.sizes",
        "truth": root / "truth.tsv",
    }
    for t in TISSUES:
        files[f"serve:{t}"] = root / f"{t}_HERV.gtf"
    return files


def ensure_demo_world(cache: str | os.PathLike) -> dict[str, Path]:
    """Generate the demo world under `<cache>/demo-world/v<version>` once (atomic rename)."""
    root = Path(cache) / "demo-world" / f"v{DEMO_VERSION}"
    if (root / ".complete").exists():
        return demo_inputs(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root.parent, prefix=".tmp-"))
    try:
        generate(tmp)
        (tmp / ".complete").write_text("ok\n")
        if root.exists():
            shutil.rmtree(root)
        os.replace(tmp, root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return demo_inputs(root)
