"""What immune_loci plants on the demo canvas: four tandem arrays of immune gene copies, in GENCODE.

KIR (the demo's leukocyte receptor complex, chr1:1,100,001-1,200,000, as in the recipe's demo
`lrc_region`), IGH V segments, TRB V segments and HLA genes: each array repeats a diverged family
consensus carrying a family motif, some units as recent (~1 %) duplicates of the previous one.
Genes are annotated in the canvas GTF with GENCODE types and HGNC-like names. File: `truth`
(`truth.tsv`: chrom, start, end, kind, name).
"""
from __future__ import annotations

from loaders.demo.canvas import Canvas, mutate, random_seq, revcomp, to_array

ZONES = (  # (chrom, start, end, family, gene type, name prefix, unit length)
    ("chr1", 1_100_000, 1_200_000, "KIR", "protein_coding", "KIR", 5_000),
    ("chr2", 100_000, 160_000, "IGH", "IG_V_gene", "IGHV", 1_200),
    ("chr3", 100_000, 150_000, "TRB", "TR_V_gene", "TRBV", 1_000),
    ("chr2", 600_000, 650_000, "HLA", "protein_coding", "HLA-", 5_000),
)
MOTIFS = {"KIR": "CATTCCTGGAGGC", "IGH": "CACAGTGATACAAACC", "TRB": "CACAGTGCTGTGAA", "HLA": "GGGGATTCCCCAAT"}
KIR_NAMES = ("KIR2DL1", "KIR2DL3", "KIR2DL4", "KIR3DL1", "KIR3DL2", "KIR2DS4", "LILRA1", "LILRB1", "LILRB2", "LAIR1")
HLA_NAMES = ("HLA-A", "HLA-B", "HLA-C", "HLA-E", "HLA-F", "HLA-G", "HLA-DRA", "HLA-DRB1", "HLA-DQA1", "HLA-DQB1")


def _name(family: str, prefix: str, j: int) -> str:
    if family == "KIR":
        return KIR_NAMES[j % len(KIR_NAMES)] + ("" if j < len(KIR_NAMES) else f"_{j // len(KIR_NAMES)}")
    if family == "HLA":
        return HLA_NAMES[j % len(HLA_NAMES)]
    return f"{prefix}{1 + j // 4}-{1 + j % 4}"


def plant(canvas: Canvas) -> None:
    """The four arrays (sequence + GENCODE genes) and `truth.tsv`."""
    rng = canvas.rng
    genes = []
    for chrom, start, end, family, gtype, prefix, unit in ZONES:
        consensus = random_seq(rng, unit, 0.52 if family in {"KIR", "HLA"} else 0.46)
        motif = to_array(MOTIFS[family])
        seq = consensus
        for j in range((end - start) // unit):
            # some units are recent segmental duplicates of the previous one (~1 % diverged)
            seq = mutate(rng, seq, 0.01) if j and rng.random() < 0.2 else \
                mutate(rng, consensus, float(rng.uniform(0.08, 0.14)))
            for off in range(50, unit - len(motif), 400):
                seq[off:off + len(motif)] = motif
            s = start + j * unit
            strand = "+" if rng.random() < 0.5 else "-"
            canvas.write_free(chrom, s, revcomp(seq) if strand == "-" else seq)
            genes.append(canvas.add_gene(chrom, s + 40, s + unit - 40, strand, gtype, _name(family, prefix, j)))
    with open(canvas.file("truth", "truth.tsv"), "w") as fh:
        fh.write("chrom\tstart\tend\tkind\tname\n")
        fh.writelines(f"{g['chrom']}\t{g['start']}\t{g['end']}\tgene\t{g['name']}\n" for g in genes)
