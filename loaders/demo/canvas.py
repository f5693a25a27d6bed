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
import pyfaidx

DEMO_SEED = 20231205
DEMO_VERSION = "3"
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
    """BGZF-compressed FASTA (gzip-compatible) plus its samtools-style `.fai` and `.gzi` indexes."""
    from Bio import bgzf

    with bgzf.BgzfWriter(str(path), "wb") as gz:
        for chrom, arr in genome.items():
            gz.write(f">{chrom}\n".encode())
            data = arr.tobytes()
            gz.write(b"\n".join(data[i:i + 60] for i in range(0, len(data), 60)) + b"\n")
    pyfaidx.Fasta(str(path)).close()  # writes <path>.fai and <path>.gzi


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
    sister = sister_world(genome, occ, genes)  # v2: sister datasets, own RNG, after every HERV step

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
        for g in genes + sister["genes"]:
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
    files.update(write_sister(out, sister))
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
    files.update({k: root / v for k, v in SISTER_FILES.items()})
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


# ----------------------------------------------------------------------------------------------
# Sister-dataset world (DEMO_VERSION 2): regulatory elements, immune gene clusters, OR/DEF gene
# families, GWAS loci and a bring-your-own (NCBI-headed) genome. Drawn from its own RNG after
# every HERV step above, written only on bases no HERV/repeat/gap occupies.

SISTER_SEED = (DEMO_SEED, 2)
DEMO_LRC_REGION = ("chr1", 1_100_000, 1_200_000)
"""The demo's stand-in for the leukocyte receptor complex (GRCh38: chr19:54,015,634-55,094,318)."""
REG_ZONES = (("chr1", 100_000, 400_000), ("chr4", 100_000, 250_000))
IMMUNE_ZONES = (  # (chrom, start, end, family, gene type, name prefix, unit length)
    ("chr1", 1_100_000, 1_200_000, "KIR", "protein_coding", "KIR", 5_000),
    ("chr2", 100_000, 160_000, "IGH", "IG_V_gene", "IGHV", 1_200),
    ("chr3", 100_000, 150_000, "TRB", "TR_V_gene", "TRBV", 1_000),
    ("chr2", 600_000, 650_000, "HLA", "protein_coding", "HLA-", 5_000),
)
FAMILY_ZONES = (("chr2", 900_000, 960_000, "OR", 1_100, 1_500), ("chr3", 400_000, 440_000, "OR", 1_100, 1_500),
                ("chr3", 700_000, 750_000, "DEF", 2_000, 2_500))
REG_TYPES: dict[str, tuple[int, int, float, tuple[str, ...], int]] = {
    # Ensembl type: (min len, max len, GC, motifs, motif copies)
    "TF_binding_site": (200, 400, 0.42, ("CACGTGAC", "AGATAAGG"), 4),
    "enhancer": (600, 1_400, 0.44, ("TGACTCAT", "CAGGAAGT"), 6),
    "CTCF_binding_site": (200, 400, 0.48, (MOTIFS["MA0139.2_CTCF"],), 3),
    "promoter": (800, 1_600, 0.64, ("CTATAAAAGG", "GGGGCGGGGC"), 5),
    "open_chromatin_region": (200, 700, 0.30, ("TTTAAATTTA", "AATATTAAAT"), 4),
}
REG_PER_TYPE = 40
KIR_NAMES = ("KIR2DL1", "KIR2DL3", "KIR2DL4", "KIR3DL1", "KIR3DL2", "KIR2DS4", "LILRA1", "LILRB1", "LILRB2", "LAIR1")
HLA_NAMES = ("HLA-A", "HLA-B", "HLA-C", "HLA-E", "HLA-F", "HLA-G", "HLA-DRA", "HLA-DRB1", "HLA-DQA1", "HLA-DQB1")
GWAS_LOCI = (40, 40)  # genic, intergenic
GWAS_COLUMNS = (
    "DATE ADDED TO CATALOG", "PUBMEDID", "FIRST AUTHOR", "DATE", "JOURNAL", "LINK", "STUDY", "DISEASE/TRAIT",
    "INITIAL SAMPLE SIZE", "REPLICATION SAMPLE SIZE", "REGION", "CHR_ID", "CHR_POS", "REPORTED GENE(S)",
    "MAPPED_GENE", "UPSTREAM_GENE_ID", "DOWNSTREAM_GENE_ID", "SNP_GENE_IDS", "UPSTREAM_GENE_DISTANCE",
    "DOWNSTREAM_GENE_DISTANCE", "STRONGEST SNP-RISK ALLELE", "SNPS", "MERGED", "SNP_ID_CURRENT", "CONTEXT",
    "INTERGENIC", "RISK ALLELE FREQUENCY", "P-VALUE", "PVALUE_MLOG", "P-VALUE (TEXT)", "OR or BETA",
    "95% CI (TEXT)", "PLATFORM [SNPS PASSING QC]", "CNV", "MAPPED_TRAIT", "MAPPED_TRAIT_URI", "STUDY ACCESSION",
    "GENOTYPING TECHNOLOGY")
"""Columns of the GWAS Catalog `gwas-catalog-associations_ontology-annotated.tsv` download."""
USER_RECORDS = (  # bring-your-own genome: (header, length)
    ("gi|568815597|ref|NC_000001.11| Homo sapiens chromosome 1, GRCh38.p14 Primary Assembly", 160_000),
    ("gi|568815596|ref|NC_000002.12| Homo sapiens chromosome 2, GRCh38.p14 Primary Assembly", 120_000),
    ("NW_025791756.1 Homo sapiens chromosome 1 genomic patch of type FIX, GRCh38.p14 PATCHES HG2095_PATCH", 30_000),
    ("NC_012920.1 Homo sapiens mitochondrion, complete genome", 16_569),
)
USER_LABELS = {"background": (0.42, ()), "motif_a": (0.52, ("GGGGCGGGGC", "CCAATCAGA")),
               "motif_b": (0.36, ("TGACTCAT", "AGATAAGG"))}
"""Demo BED label → (GC of the planted interval, motifs planted 8 times)."""


def _write_free(genome: dict[str, np.ndarray], occ: _Occupancy, chrom: str, start: int, seq: np.ndarray,
                soft: bool = False) -> None:
    """Write `seq` at `start`, skipping bases a HERV, repeat or gap already occupies; mark them used."""
    end = min(start + len(seq), len(genome[chrom]))
    free = ~occ.used[chrom][start:end]
    piece = seq[: end - start] | (0x20 if soft else 0)
    genome[chrom][start:end][free] = piece[free]
    occ.used[chrom][start:end] = True


def _with_motifs(rng: np.random.Generator, length: int, gc: float, motifs: tuple[str, ...], copies: int) -> np.ndarray:
    seq = _random_seq(rng, length, gc)
    for k in range(copies if motifs else 0):
        m = _to_arr(motifs[k % len(motifs)])
        if rng.random() < 0.5:
            m = _revcomp(m)
        off = int(rng.integers(0, max(1, length - len(m))))
        seq[off:off + len(m)] = m[: length - off]
    return seq


def _gene(chrom: str, start: int, end: int, strand: str, gtype: str, name: str, k: int) -> dict:
    return {"chrom": chrom, "start": start, "end": end, "strand": strand, "type": gtype,
            "id": f"ENSGDEMS{k:08d}.1", "name": name, "exons": [(start, end)]}


def _regulatory(rng: np.random.Generator, genome: dict[str, np.ndarray], occ: _Occupancy) -> list[tuple]:
    """~40 features per Ensembl type, each with its type's motifs/composition; a few overlap another type."""
    kinds = [t for t in REG_TYPES for _ in range(REG_PER_TYPE)]
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    zones = list(REG_ZONES)
    z, pos = 0, REG_ZONES[0][1]
    rows = []
    for i, kind in enumerate(kinds):
        lo, hi, gc, motifs, copies = REG_TYPES[kind]
        length = int(rng.integers(lo, hi + 1))
        pos += int(rng.integers(300, 1_500))
        if pos + length > zones[z][2]:
            z += 1
            pos = zones[z][1]
        chrom = zones[z][0]
        _write_free(genome, occ, chrom, pos, _with_motifs(rng, length, gc, motifs, copies))
        rows.append((chrom, pos, pos + length, kind))
        if i % 12 == 5:  # an overlapping feature of another type: only single-type parts are kept
            other = [t for t in REG_TYPES if t != kind][int(rng.integers(0, len(REG_TYPES) - 1))]
            olen = int(rng.integers(300, 600))
            ostart = pos + length - 150
            _write_free(genome, occ, chrom, pos + length, _with_motifs(rng, olen - 150, *REG_TYPES[other][2:]))
            rows.append((chrom, ostart, ostart + olen, other))
            length = olen + length - 150
        pos += length
    return rows


def _immune(rng: np.random.Generator, genome: dict[str, np.ndarray], occ: _Occupancy, k0: int) -> list[dict]:
    """Tandem arrays of diverged gene copies, one family per cluster, annotated GENCODE-style."""
    genes = []
    k = k0
    for chrom, start, end, family, gtype, prefix, unit in IMMUNE_ZONES:
        consensus = _random_seq(rng, unit, 0.52 if family in {"KIR", "HLA"} else 0.46)
        motif = _to_arr({"KIR": "CATTCCTGGAGGC", "IGH": "CACAGTGATACAAACC", "TRB": "CACAGTGCTGTGAA",
                         "HLA": "GGGGATTCCCCAAT"}[family])
        n = (end - start) // unit
        seq = consensus
        for j in range(n):
            # some units are recent segmental duplicates of the previous one (~1 % diverged)
            seq = _mutate(rng, seq, 0.01) if j and rng.random() < 0.2 else \
                _mutate(rng, consensus, float(rng.uniform(0.08, 0.14)))
            for off in range(50, unit - len(motif), 400):
                seq[off:off + len(motif)] = motif
            s = start + j * unit
            strand = "+" if rng.random() < 0.5 else "-"
            _write_free(genome, occ, chrom, s, _revcomp(seq) if strand == "-" else seq)
            if family == "KIR":
                name = KIR_NAMES[j % len(KIR_NAMES)] + ("" if j < len(KIR_NAMES) else f"_{j // len(KIR_NAMES)}")
            elif family == "HLA":
                name = HLA_NAMES[j % len(HLA_NAMES)]
            else:
                name = f"{prefix}{1 + j // 4}-{1 + j % 4}"
            k += 1
            genes.append(_gene(chrom, s + 40, s + unit - 40, strand, gtype, name, k))
    return genes


def _families(rng: np.random.Generator, genome: dict[str, np.ndarray], occ: _Occupancy, k0: int) -> list[dict]:
    """Olfactory-receptor-like and defensin-like gene copies (10-16 % diverged from their family consensus)."""
    consensus = {"OR": _random_seq(rng, 1_100, 0.45), "DEF": _random_seq(rng, 2_000, 0.55)}
    genes, k, n_or, n_def = [], k0, 0, 0
    for chrom, start, end, family, length, step in FAMILY_ZONES:
        seq = consensus[family]
        for s in range(start, end - step + 1, step):
            recent = s > start and rng.random() < 0.15  # a recent duplicate of the previous copy
            seq = _mutate(rng, seq, 0.01) if recent else _mutate(rng, consensus[family], float(rng.uniform(0.10, 0.16)))
            strand = "+" if rng.random() < 0.5 else "-"
            _write_free(genome, occ, chrom, s, _revcomp(seq) if strand == "-" else seq)
            k += 1
            if family == "OR":
                n_or += 1
                name = f"OR{1 + n_or % 13}{'ABCDEFGHJK'[n_or % 10]}{1 + n_or // 10}"
            else:
                n_def += 1
                name = f"DEFA{n_def}" if n_def % 2 else f"DEFB{100 + n_def}"
            genes.append(_gene(chrom, s, s + length, strand, "protein_coding", name, k))
    return genes


def _gwas(rng: np.random.Generator, genome: dict[str, np.ndarray], occ: _Occupancy, genes: list[dict]) -> list[list[str]]:
    """GWAS-Catalog rows: disease loci inside and outside genes, each marked by a diverged risk element."""
    element = _random_seq(rng, 400, 0.50)
    genic = {c: np.zeros(n, dtype=bool) for c, n in CHROM_SIZES.items()}
    for g in genes:
        genic[g["chrom"]][max(0, g["start"] - 3_000):g["end"] + 3_000] = True
    zones = [*REG_ZONES, *[z[:3] for z in IMMUNE_ZONES], *[z[:3] for z in FAMILY_ZONES]]
    for chrom, s, e in zones:
        genic[chrom][max(0, s - 5_000):e + 5_000] = True  # keep loci out of the other recipes' zones
    chroms = list(CHROM_SIZES)
    rows: list[list[str]] = []
    for want_genic, n in zip((True, False), GWAS_LOCI):
        placed = 0
        while placed < n:
            if want_genic:
                g = genes[int(rng.integers(0, len(genes)))]
                if g["end"] - g["start"] < 8_000 or g["id"].startswith("ENSGDEMS"):
                    continue
                chrom, pos = g["chrom"], int(rng.integers(g["start"] + 2_500, g["end"] - 2_500))
                gene_name = g["name"]
            else:
                chrom = chroms[int(rng.integers(0, len(chroms)))]
                pos = int(rng.integers(5_000, CHROM_SIZES[chrom] - 5_000))
                if genic[chrom][pos - 2_000:pos + 2_000].any():
                    continue
                gene_name = "DEMOG1 - DEMOG2"
            if occ.used[chrom][pos - 200:pos + 200].any():
                continue
            _write_free(genome, occ, chrom, pos - 200, _mutate(rng, element, 0.06))
            placed += 1
            trait = ["type 2 diabetes", "Crohn's disease", "asthma", "coronary artery disease"][int(rng.integers(0, 4))]
            snps = [pos] + ([pos + int(rng.integers(1, 10))] if rng.random() < 0.25 else [])
            for j, snp in enumerate(snps):
                rs = f"rs{9_000_000 + len(rows)}"
                p = 10.0 ** -float(rng.uniform(8.5, 30))
                row = {c: "" for c in GWAS_COLUMNS}
                row.update({"DATE ADDED TO CATALOG": "2021-06-01", "PUBMEDID": str(30_000_000 + len(rows)),
                            "FIRST AUTHOR": "Demo A", "DATE": "2021-01-15", "JOURNAL": "Synthetic Genet",
                            "STUDY": "Synthetic demo association study", "DISEASE/TRAIT": trait,
                            "INITIAL SAMPLE SIZE": "10,000 European ancestry cases", "REGION": "1q21.3",
                            "CHR_ID": chrom.removeprefix("chr"), "CHR_POS": str(snp + 1), "MAPPED_GENE": gene_name,
                            "STRONGEST SNP-RISK ALLELE": f"{rs}-A", "SNPS": rs, "MERGED": "0",
                            "SNP_ID_CURRENT": rs[2:], "CONTEXT": "intron_variant" if want_genic else "intergenic_variant",
                            "INTERGENIC": "0" if want_genic else "1", "P-VALUE": f"{p:.0E}",
                            "PVALUE_MLOG": f"{-np.log10(p):.3f}", "OR or BETA": "1.12", "CNV": "N",
                            "MAPPED_TRAIT": trait, "STUDY ACCESSION": f"GCST9{len(rows):07d}",
                            "GENOTYPING TECHNOLOGY": "Genome-wide genotyping array"})
                rows.append([row[c] for c in GWAS_COLUMNS])
    # rows the reader must skip: sub-threshold, unmapped and multi-SNP haplotype rows
    extra = {c: "" for c in GWAS_COLUMNS}
    extra.update({"DISEASE/TRAIT": "height", "CHR_ID": "2", "CHR_POS": "500001", "SNPS": "rs1", "P-VALUE": "2E-6"})
    rows.append([extra[c] for c in GWAS_COLUMNS])
    extra.update({"CHR_ID": "", "CHR_POS": "", "SNPS": "rs2", "P-VALUE": "1E-9"})
    rows.append([extra[c] for c in GWAS_COLUMNS])
    extra.update({"CHR_ID": "3;3", "CHR_POS": "200001;200101", "SNPS": "rs3 x rs4", "P-VALUE": "1E-10"})
    rows.append([extra[c] for c in GWAS_COLUMNS])
    return rows


def _user_genome(rng: np.random.Generator) -> tuple[list[tuple[str, np.ndarray]], list[tuple]]:
    """A soft-masked, NCBI-headed genome and a labelled BED (name = label) in mixed chromosome spellings."""
    records = [(h, _random_seq(rng, n, 0.42)) for h, n in USER_RECORDS]
    bed = []
    spellings = {0: ("chr1", "NC_000001.11", "1"), 1: ("NC_000002.12", "chr2"), 2: ("NW_025791756.1",),
                 3: ("chrM", "MT")}
    labels = list(USER_LABELS)
    for r, (_, seq) in enumerate(records):
        n = len(seq)
        for start in range(500, n - 1_200, 1_900):
            length = int(rng.integers(300, 900))
            label = labels[int(rng.integers(0, len(labels)))]
            strand = "+-"[int(rng.integers(0, 2))]
            body = _with_motifs(rng, length, *USER_LABELS[label], 8)
            seq[start:start + length] = _revcomp(body) if strand == "-" else body
            chrom = spellings[r][int(rng.integers(0, len(spellings[r])))]
            bed.append((chrom, start, start + length, label, strand))
        for _ in range(25):  # soft-masked stretches and N runs, some inside intervals
            a = int(rng.integers(0, n - 400))
            seq[a:a + int(rng.integers(50, 400))] |= 0x20
        for _ in range(3):
            a = int(rng.integers(0, n - 100))
            seq[a:a + int(rng.integers(5, 40))] = ord("N")
    return records, bed


def sister_world(genome: dict[str, np.ndarray], occ: _Occupancy, genes: list[dict]) -> dict:
    """Generate the sister datasets' features into `genome` (in place); return what to write."""
    rng = np.random.default_rng(list(SISTER_SEED))
    reg = _regulatory(rng, genome, occ)
    immune = _immune(rng, genome, occ, 0)
    families = _families(rng, genome, occ, len(immune))
    new_genes = immune + families
    gwas = _gwas(rng, genome, occ, genes + new_genes)
    user_records, user_bed = _user_genome(rng)
    return {"regulatory": reg, "genes": new_genes, "gwas": gwas, "user_records": user_records, "user_bed": user_bed}


SISTER_FILES = {
    "regulatory": "homo_sapiens.DEMO.Regulatory_Build.regulatory_features.demo.gff.gz",
    "gwas": "gwas-catalog-associations_ontology-annotated.demo.tsv",
    "user_genome": "user_genome.fa",
    "user_bed": "user_labels.bed",
    "sister_truth": "sister_truth.tsv",
}


def write_sister(out: Path, sister: dict) -> dict[str, Path]:
    """Write the sister world's files (Ensembl GFF, GWAS Catalog TSV, user FASTA + BED, truth)."""
    files = {k: out / v for k, v in SISTER_FILES.items()}
    order = list(CHROM_SIZES)
    with gzip.GzipFile(files["regulatory"], "wb", mtime=0) as fh:
        fh.write(b"##gff-version 3\n")
        for i, (chrom, s, e, kind) in enumerate(sorted(sister["regulatory"], key=lambda r: (order.index(r[0]), r[1]))):
            desc = {"enhancer": "Predicted enhancer region", "promoter": "Predicted promoter",
                    "CTCF_binding_site": "CTCF binding site", "TF_binding_site": "Transcription factor binding site",
                    "open_chromatin_region": "Open chromatin region"}[kind]
            attrs = (f"ID={kind}:ENSR0000DEMO{i:05d};bound_end={e + 50};bound_start={s + 1 - 50};"
                     f"description={desc};feature_type={kind}")
            fh.write(f"{chrom.removeprefix('chr')}\tRegulatory_Build\t{kind}\t{s + 1}\t{e}\t.\t.\t.\t{attrs}\n".encode())
    with open(files["gwas"], "w") as fh:
        fh.write("\t".join(GWAS_COLUMNS) + "\n")
        fh.writelines("\t".join(r) + "\n" for r in sister["gwas"])
    with open(files["user_genome"], "wb") as fh:
        for header, seq in sister["user_records"]:
            fh.write(f">{header}\n".encode())
            data = seq.tobytes()
            fh.write(b"\n".join(data[i:i + 70] for i in range(0, len(data), 70)) + b"\n")
    with open(files["user_bed"], "w") as fh:
        fh.write("# demo labelled intervals: chrom start end label score strand\n")
        fh.writelines(f"{c}\t{s}\t{e}\t{lab}\t0\t{st}\n" for c, s, e, lab, st in sister["user_bed"])
    with open(files["sister_truth"], "w") as fh:
        fh.write("chrom\tstart\tend\tkind\tname\n")
        fh.writelines(f"{c}\t{s}\t{e}\tregulatory\t{k}\n" for c, s, e, k in sister["regulatory"])
        fh.writelines(f"{g['chrom']}\t{g['start']}\t{g['end']}\tgene\t{g['name']}\n" for g in sister["genes"])
    return files
