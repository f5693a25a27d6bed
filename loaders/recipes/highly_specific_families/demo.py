"""What highly_specific_families plants on the demo canvas: olfactory-receptor-like and defensin-like genes.

Three arrays of gene copies, 10-16 % diverged from their family consensus (some are recent ~1 %
duplicates of the previous copy), annotated in the canvas GTF with HGNC-like names (`OR3C1`,
`DEFA1`, `DEFB102`). File: `truth` (`truth.tsv`: chrom, start, end, kind, name).
"""
from __future__ import annotations

from loaders.demo.canvas import Canvas, mutate, random_seq, revcomp

ZONES = (("chr2", 900_000, 960_000, "OR", 1_100, 1_500), ("chr3", 400_000, 440_000, "OR", 1_100, 1_500),
         ("chr3", 700_000, 750_000, "DEF", 2_000, 2_500))
"""(chrom, start, end, family, gene length, spacing)."""


def plant(canvas: Canvas) -> None:
    """The OR and DEF gene copies (sequence + GENCODE genes) and `truth.tsv`."""
    rng = canvas.rng
    consensus = {"OR": random_seq(rng, 1_100, 0.45), "DEF": random_seq(rng, 2_000, 0.55)}
    genes, n_or, n_def = [], 0, 0
    for chrom, start, end, family, length, step in ZONES:
        seq = consensus[family]
        for s in range(start, end - step + 1, step):
            recent = s > start and rng.random() < 0.15  # a recent duplicate of the previous copy
            seq = mutate(rng, seq, 0.01) if recent else mutate(rng, consensus[family], float(rng.uniform(0.10, 0.16)))
            strand = "+" if rng.random() < 0.5 else "-"
            canvas.write_free(chrom, s, revcomp(seq) if strand == "-" else seq)
            if family == "OR":
                n_or += 1
                name = f"OR{1 + n_or % 13}{'ABCDEFGHJK'[n_or % 10]}{1 + n_or // 10}"
            else:
                n_def += 1
                name = f"DEFA{n_def}" if n_def % 2 else f"DEFB{100 + n_def}"
            genes.append(canvas.add_gene(chrom, s, s + length, strand, "protein_coding", name))
    with open(canvas.file("truth", "truth.tsv"), "w") as fh:
        fh.write("chrom\tstart\tend\tkind\tname\n")
        fh.writelines(f"{g['chrom']}\t{g['start']}\t{g['end']}\tgene\t{g['name']}\n" for g in genes)
