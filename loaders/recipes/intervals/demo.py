"""The `intervals` recipe's demo: a user's own genome and labelled BED (it does not use the canvas genome).

A soft-masked genome with NCBI headers (two chromosomes, a patch and the mitochondrion) and a BED
whose labels are composition + motifs (`background`, `motif_a`, `motif_b`), on both strands, with
chromosome names spelled `chr1` / `1` / `NC_000001.11` / `MT`, N runs and soft-masking inside some
intervals. Files: `user_genome` (`user_genome.fa`) and `user_bed` (`user_labels.bed`).
"""
from __future__ import annotations

from loaders.demo.canvas import Canvas, random_seq, revcomp, with_motifs

RECORDS = (  # (header, length)
    ("gi|568815597|ref|NC_000001.11| Homo sapiens chromosome 1, GRCh38.p14 Primary Assembly", 160_000),
    ("gi|568815596|ref|NC_000002.12| Homo sapiens chromosome 2, GRCh38.p14 Primary Assembly", 120_000),
    ("NW_025791756.1 Homo sapiens chromosome 1 genomic patch of type FIX, GRCh38.p14 PATCHES HG2095_PATCH", 30_000),
    ("NC_012920.1 Homo sapiens mitochondrion, complete genome", 16_569),
)
LABELS = {"background": (0.42, ()), "motif_a": (0.52, ("GGGGCGGGGC", "CCAATCAGA")),
          "motif_b": (0.36, ("TGACTCAT", "AGATAAGG"))}
"""BED label → (GC of the planted interval, motifs planted 8 times)."""
SPELLINGS = {0: ("chr1", "NC_000001.11", "1"), 1: ("NC_000002.12", "chr2"), 2: ("NW_025791756.1",), 3: ("chrM", "MT")}


def plant(canvas: Canvas) -> None:
    """Write `user_genome.fa` and `user_labels.bed`."""
    rng = canvas.rng
    records = [(h, random_seq(rng, n, 0.42)) for h, n in RECORDS]
    bed = []
    labels = list(LABELS)
    for r, (_, seq) in enumerate(records):
        n = len(seq)
        for start in range(500, n - 1_200, 1_900):
            length = int(rng.integers(300, 900))
            label = labels[int(rng.integers(0, len(labels)))]
            strand = "+-"[int(rng.integers(0, 2))]
            body = with_motifs(rng, length, *LABELS[label], 8)
            seq[start:start + length] = revcomp(body) if strand == "-" else body
            chrom = SPELLINGS[r][int(rng.integers(0, len(SPELLINGS[r])))]
            bed.append((chrom, start, start + length, label, strand))
        for _ in range(25):  # soft-masked stretches and N runs, some inside intervals
            a = int(rng.integers(0, n - 400))
            seq[a:a + int(rng.integers(50, 400))] |= 0x20
        for _ in range(3):
            a = int(rng.integers(0, n - 100))
            seq[a:a + int(rng.integers(5, 40))] = ord("N")
    with open(canvas.file("user_genome", "user_genome.fa"), "wb") as fh:
        for header, seq in records:
            fh.write(f">{header}\n".encode())
            data = seq.tobytes()
            fh.write(b"\n".join(data[i:i + 70] for i in range(0, len(data), 70)) + b"\n")
    with open(canvas.file("user_bed", "user_labels.bed"), "w") as fh:
        fh.write("# demo labelled intervals: chrom start end label score strand\n")
        fh.writelines(f"{c}\t{s}\t{e}\t{lab}\t0\t{st}\n" for c, s, e, lab, st in bed)
