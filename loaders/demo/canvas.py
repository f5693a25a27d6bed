"""The demo canvas: a deterministic synthetic mini-genome in real formats, for recipes to plant on.

The canvas is what every recipe's demo world shares: a ~4.2 Mb, 4-chromosome genome whose
intergenic background has GC 0.38 and whose GENCODE-like gene bodies have GC 0.50, six assembly
gaps (N runs), and non-HERV repeats (Alu, L1, Gypsy LTRs; soft-masked, in a UCSC rmsk table).
Everything derives from `CANVAS_SEED`, so every machine makes identical bytes.

A recipe's `demo.py` defines `plant(canvas)`. It draws from `canvas.rng` (seeded by the recipe's
name, so no recipe shifts another's random stream), finds free room with `canvas.place`, writes
sequence with `canvas.write` / `canvas.write_free`, annotates genes and repeats
(`canvas.add_gene`, `canvas.add_repeat`; they land in the GTF and rmsk files) and writes files of
its own (`canvas.file(key, name)`). `canvas.save(keys)` then writes the canvas files:

| key | file |
|---|---|
| `genome` | `demo.fa.gz` (BGZF, soft-masked, with `.fai`/`.gzi`) |
| `chrom_sizes` | `demo.chrom.sizes` |
| `rmsk` | `rmsk.txt.gz` (UCSC rmsk, 17 columns) |
| `gencode` | `gencode.demo.annotation.gtf.gz` (gene, transcript, exon rows) |

It is synthetic: every dataset built from it says so.
"""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pyfaidx

from loaders.core.dna import reverse_complement

CANVAS_SEED = 20231205
CHROM_SIZES: dict[str, int] = {"chr1": 1_500_000, "chr2": 1_200_000, "chr3": 900_000, "chr4": 600_000}
CANVAS_FILES: dict[str, str] = {"genome": "demo.fa.gz", "chrom_sizes": "demo.chrom.sizes", "rmsk": "rmsk.txt.gz",
                                "gencode": "gencode.demo.annotation.gtf.gz"}
"""World key → file name of what the canvas writes."""
OTHER_REPEATS = (("AluY", "SINE", "Alu", 290, 0.58, 320), ("L1PA2", "LINE", "L1", 1_000, 0.40, 110),
                 ("LTR12_Gypsy", "LTR", "Gypsy", 450, 0.44, 40))
"""Non-HERV repeats on the canvas: (name, rmsk class, family, consensus length, GC, copies)."""
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


# ---------------------------------------------------------------- sequence helpers for planting

def random_seq(rng: np.random.Generator, n: int, gc: float) -> np.ndarray:
    """`n` random bases (uint8 ASCII) with GC fraction `gc`."""
    p = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    return _BASES[rng.choice(4, size=n, p=p)]


def mutate(rng: np.random.Generator, seq: np.ndarray, rate: float) -> np.ndarray:
    """A copy of `seq` with each base replaced by a random one with probability `rate`."""
    out = seq.copy()
    hit = rng.random(len(out)) < rate
    out[hit] = _BASES[rng.integers(0, 4, size=int(hit.sum()))]
    return out


def revcomp(seq: np.ndarray) -> np.ndarray:
    """Reverse complement of a uint8 ASCII array (case kept)."""
    return to_array(reverse_complement(seq.tobytes().decode("ascii")))


def to_array(s: str) -> np.ndarray:
    """A string as a writable uint8 ASCII array."""
    return np.frombuffer(s.encode(), dtype=np.uint8).copy()


def with_motifs(rng: np.random.Generator, length: int, gc: float, motifs: tuple[str, ...], copies: int) -> np.ndarray:
    """Random sequence carrying `copies` motif instances (cycling through `motifs`, either strand)."""
    seq = random_seq(rng, length, gc)
    for k in range(copies if motifs else 0):
        m = to_array(motifs[k % len(motifs)])
        if rng.random() < 0.5:
            m = revcomp(m)
        off = int(rng.integers(0, max(1, length - len(m))))
        seq[off:off + len(m)] = m[: length - off]
    return seq


def recipe_seed(name: str) -> list[int]:
    """Seed of a recipe's planting stream: the canvas seed and a stable number from the recipe's name."""
    return [CANVAS_SEED, int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")]


# ---------------------------------------------------------------- the canvas

def _genes(rng: np.random.Generator) -> list[dict[str, Any]]:
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


class Canvas:
    """The shared synthetic genome plus what recipes plant on it (see module docstring).

    Attributes: `genome` ({chrom: uint8 ASCII array}, lowercase = soft-masked), `used` ({chrom: bool
    array} of occupied bases), `genes` (dicts chrom,start,end,strand,type,id,name,exons), `repeats`
    (rmsk rows chrom,start,end,strand,name,class,family), `gaps` ((chrom,start,end) N runs),
    `rng` (the planting recipe's stream) and `out` (the directory files go to).
    """

    def __init__(self, out: str | Path, seed: int = CANVAS_SEED) -> None:
        self.out = Path(out)
        self.sizes = dict(CHROM_SIZES)
        rng = np.random.default_rng(seed)
        self.genes = _genes(rng)
        genic = {c: np.zeros(n, dtype=bool) for c, n in self.sizes.items()}
        for g in self.genes:
            genic[g["chrom"]][g["start"]:g["end"]] = True
        self.genome: dict[str, np.ndarray] = {}
        for chrom, size in self.sizes.items():
            background = random_seq(rng, size, 0.38)
            gc_rich = random_seq(rng, size, 0.50)
            self.genome[chrom] = np.where(genic[chrom], gc_rich, background)
        self.used = {c: np.zeros(n, dtype=bool) for c, n in self.sizes.items()}
        self.repeats: list[tuple] = []
        self.gaps: list[tuple[str, int, int]] = []
        self.rng = rng
        for _ in range(6):
            length = int(rng.integers(1_000, 5_000))
            spot = self.place(length)
            if spot:
                self.genome[spot[0]][spot[1]:spot[1] + length] = ord("N")
                self.gaps.append((spot[0], spot[1], spot[1] + length))
        for name, cls, fam, length, gc, n in OTHER_REPEATS:
            consensus = random_seq(rng, length, gc)
            for _ in range(n):
                piece = mutate(rng, consensus[: int(rng.integers(length // 2, length + 1))], 0.12)
                strand = "+" if rng.random() < 0.5 else "-"
                spot = self.place(len(piece), margin=10)
                if spot is None:
                    continue
                self.write(spot[0], spot[1], revcomp(piece) if strand == "-" else piece, soft=True)
                self.add_repeat(spot[0], spot[1], spot[1] + len(piece), strand, name, cls, fam)
        self.files: dict[str, Path] = {}
        self._planted_genes = 0

    # -- planting API -------------------------------------------------------------------------
    def for_recipe(self, name: str) -> "Canvas":
        """Point `rng` at the planting stream of recipe `name` (see `recipe_seed`); return self."""
        self.rng = np.random.default_rng(recipe_seed(name))
        return self

    def place(self, length: int, margin: int = 50, tries: int = 500) -> tuple[str, int] | None:
        """A random free spot (chrom, start) for `length` bases, `margin` from anything used; marks it used.

        Chromosomes are drawn in proportion to their size; None after `tries` misses.
        """
        chroms = list(self.used)
        weights = np.array([len(self.used[c]) for c in chroms], dtype=float)
        for _ in range(tries):
            chrom = chroms[int(self.rng.choice(len(chroms), p=weights / weights.sum()))]
            n = len(self.used[chrom])
            start = int(self.rng.integers(margin, n - length - margin))
            if not self.used[chrom][start - margin:start + length + margin].any():
                self.used[chrom][start:start + length] = True
                return chrom, start
        return None

    def write(self, chrom: str, start: int, seq: np.ndarray, soft: bool = False) -> None:
        """Write `seq` at `start` (lowercase where `soft`, N kept uppercase) and mark it used."""
        piece = seq | (0x20 * (seq != ord("N"))).astype(np.uint8) if soft else seq
        self.genome[chrom][start:start + len(seq)] = piece
        self.used[chrom][start:start + len(seq)] = True

    def write_free(self, chrom: str, start: int, seq: np.ndarray, soft: bool = False) -> None:
        """Write `seq` at `start`, skipping bases already used (by a gap, a repeat or another feature)."""
        end = min(start + len(seq), len(self.genome[chrom]))
        free = ~self.used[chrom][start:end]
        piece = seq[: end - start] | (0x20 if soft else 0)
        self.genome[chrom][start:end][free] = piece[free]
        self.used[chrom][start:end] = True

    def add_gene(self, chrom: str, start: int, end: int, strand: str, gene_type: str, name: str,
                 exons: list[tuple[int, int]] | None = None) -> dict[str, Any]:
        """Annotate a gene (one exon spanning it unless `exons` are given) in the canvas GTF; return it."""
        self._planted_genes += 1
        gene = {"chrom": chrom, "start": start, "end": end, "strand": strand, "type": gene_type,
                "id": f"ENSGDEMS{self._planted_genes:08d}.1", "name": name, "exons": exons or [(start, end)]}
        self.genes.append(gene)
        return gene

    def add_repeat(self, chrom: str, start: int, end: int, strand: str, name: str, rep_class: str,
                   rep_family: str) -> None:
        """Annotate a repeat (0-based half-open) in the canvas rmsk table."""
        self.repeats.append((chrom, start, end, strand, name, rep_class, rep_family))

    def file(self, key: str, name: str) -> Path:
        """The path a recipe writes its own world file `key` to (`demo:<key>` in its sources)."""
        if key in CANVAS_FILES:
            raise ValueError(f"'{key}' is a canvas file; pick another key")
        self.files[key] = self.out / name
        return self.files[key]

    # -- writing ------------------------------------------------------------------------------
    def save(self, keys: set[str] | None = None) -> dict[str, Path]:
        """Write the canvas files (those in `keys`; all when None); return every world file by key."""
        writers = {"genome": self._write_genome, "chrom_sizes": self._write_sizes, "rmsk": self._write_rmsk,
                   "gencode": self._write_gtf}
        out = {}
        for key, name in CANVAS_FILES.items():
            if keys is None or key in keys:
                out[key] = self.out / name
                writers[key](out[key])
        return {**out, **self.files}

    def _write_genome(self, path: Path) -> None:
        """BGZF-compressed FASTA (gzip-compatible) plus its samtools-style `.fai` and `.gzi` indexes."""
        from Bio import bgzf

        with bgzf.BgzfWriter(str(path), "wb") as gz:
            for chrom, arr in self.genome.items():
                gz.write(f">{chrom}\n".encode())
                data = arr.tobytes()
                gz.write(b"\n".join(data[i:i + 60] for i in range(0, len(data), 60)) + b"\n")
        pyfaidx.Fasta(str(path)).close()  # writes <path>.fai and <path>.gzi

    def _write_sizes(self, path: Path) -> None:
        path.write_text("".join(f"{c}\t{n}\n" for c, n in self.sizes.items()))

    def _write_rmsk(self, path: Path) -> None:
        order = list(self.sizes)
        rows = sorted(self.repeats, key=lambda r: (order.index(r[0]), r[1], r[2]))
        with gzip.GzipFile(path, "wb", mtime=0) as fh:
            for i, (chrom, start, end, strand, name, cls, fam) in enumerate(rows, start=1):
                size = self.sizes[chrom]
                fh.write(("\t".join(map(str, [585, 1000, 100, 5, 3, chrom, start, end, -(size - end), strand, name,
                                              cls, fam, 1, end - start, 0, i])) + "\n").encode())

    def _write_gtf(self, path: Path) -> None:
        def attrs(**kv: str) -> str:
            return " ".join(f'{k} "{v}";' for k, v in kv.items())

        with gzip.GzipFile(path, "wb", mtime=0) as fh:
            fh.write(b"##description: synthetic PhenoSeq demo annotation (GENCODE-like GTF)\n"
                     b"##provider: phenoseq-bench demo\n")
            for g in self.genes:
                base = [g["chrom"], "DEMO"]
                tail = [".", g["strand"], "."]
                gene = dict(gene_id=g["id"], gene_type=g["type"], gene_name=g["name"])
                tid = g["id"].replace("ENSG", "ENST")
                lines = [(["gene", g["start"] + 1, g["end"]], attrs(**gene)),
                         (["transcript", g["start"] + 1, g["end"]], attrs(**gene, transcript_id=tid))]
                lines += [(["exon", a + 1, b], attrs(**gene, transcript_id=tid)) for a, b in g["exons"]]
                for cols, text in lines:
                    fh.write(("\t".join(map(str, base + cols + tail)) + "\t" + text + "\n").encode())
