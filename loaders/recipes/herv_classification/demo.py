"""What herv_classification plants on the demo canvas: HERV copies, SERVE-like expression GTFs, truth.

The world is built so the task is learnable for the right reasons:
- HERV copies descend from four family consensus sequences (LTR + internal region), diverged
  4-14 % per copy, inserted on either strand, some as recent near-identical paralogs (to exercise
  cluster-grouped splits) and a few exact duplicates carrying the opposite expression status (to
  exercise the conflicting-label rule); each is soft-masked and annotated in rmsk;
- expressed ("coding") copies carry intact transcription-factor motifs in their 5' LTR, the others
  the same motifs shuffled (same composition, no motif), and appear in per-tissue GTFs;
- the canvas's genic background has higher GC than its intergenic background.

Files: `serve:<Tissue>` (`<Tissue>_HERV.gtf`, TACO-like transcript + exon rows) and `truth`
(`truth.tsv`: chrom, start, end, strand, family, kind, expressed, paralog_of, motifs).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loaders.demo.canvas import Canvas, mutate, random_seq, revcomp, to_array

TISSUES: tuple[str, ...] = ("Liver", "Testis", "Brain_Cortex")
HERV_FAMILIES: tuple[tuple[str, str, str], ...] = (  # (internal, LTR, rmsk family)
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
N_COPIES = 560


@dataclass
class Copy:
    """One planted HERV copy (coordinates 0-based half-open; `paralog_of` = index of its source or -1)."""

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


def _copies(canvas: Canvas) -> list[Copy]:
    rng = canvas.rng
    ltr = [random_seq(rng, int(rng.integers(300, 420)), 0.46) for _ in HERV_FAMILIES]
    internal = [random_seq(rng, 2_500, 0.41) for _ in HERV_FAMILIES]
    motif_names = list(MOTIFS)
    copies: list[Copy] = []
    seqs: list[np.ndarray] = []
    for i in range(N_COPIES):
        paralog_of = -1
        if i > 20 and rng.random() < 0.10:
            # recent duplicate of an earlier copy: ~1 % divergence (exact for a few, with flipped status)
            paralog_of = int(rng.integers(0, len(copies)))
            src = copies[paralog_of]
            exact = rng.random() < 0.08
            seq = seqs[paralog_of].copy() if exact else mutate(rng, seqs[paralog_of], 0.01)
            expressed = (not src.expressed) if (exact or rng.random() < 0.2) else src.expressed
            fam, kind, l_len, i_len, motifs = src.family, src.kind, src.ltr_len, src.int_len, src.motifs
        else:
            fam = int(rng.integers(0, len(HERV_FAMILIES)))
            kind = "full" if rng.random() < 0.72 else "solo"
            expressed = _expressed(rng)
            rate = float(rng.uniform(0.04, 0.14))
            five = mutate(rng, ltr[fam], rate)
            chosen = [motif_names[j] for j in rng.choice(len(motif_names), size=3, replace=False)]
            for j, name in enumerate(chosen):
                motif = to_array(MOTIFS[name])
                if not expressed:
                    motif = motif[rng.permutation(len(motif))]
                off = 20 + j * ((len(five) - 60) // 3) + int(rng.integers(0, 20))
                five[off:off + len(motif)] = motif
            motifs = ",".join(chosen) if expressed else ""
            l_len = len(five)
            if kind == "full":
                i_len = int(rng.integers(150, 1_600))
                i0 = int(rng.integers(0, 2_500 - i_len))
                body = mutate(rng, internal[fam][i0:i0 + i_len], rate)
                three = mutate(rng, ltr[fam], rate)
                seq = np.concatenate([five, body, three])
            else:
                i_len = 0
                seq = five
        strand = "+" if rng.random() < 0.5 else "-"
        spot = canvas.place(len(seq))
        if spot is None:
            continue
        chrom, start = spot
        placed = revcomp(seq) if strand == "-" else seq
        if rng.random() < 0.03 and len(placed) > 700:
            placed = placed.copy()
            mid = len(placed) // 2
            placed[mid:mid + 60] = ord("N")
        canvas.write(chrom, start, placed, soft=True)
        copy = Copy(chrom, start, start + len(seq), strand, fam, kind, bool(expressed), paralog_of, l_len, i_len, motifs)
        _annotate(canvas, copy)
        copies.append(copy)
        seqs.append(seq)
    return copies


# --- expression carries no signal but the motifs ---------------------------------------------------
# herv_coding vs herv_noncoding (multiclass) must differ only by the planted 5' LTR motifs, so that a
# model fine-tuned on them is a model for which motifs matter (the planted check, docs/interpretation.md;
# `benchmarks/planted_signal.py` measures what else separates the two classes). Hence: expression is
# drawn independently of the copy's form (solo LTR or full), family and divergence - solo LTRs only
# ever unexpressed made length and GC give the class away - and a transcript spans its whole copy, as
# the rmsk annotation of an unexpressed copy does - transcripts starting 0-14 bp inside the copy
# made the first and last bases give it away (AUROC 0.95 from 16 one-hot bases).
EXPRESSED_SHARE = 0.30


def _expressed(rng: np.random.Generator) -> bool:
    """Expression status of a new (non-paralog) copy: a coin with `EXPRESSED_SHARE`, nothing else."""
    return bool(rng.random() < EXPRESSED_SHARE)


def _transcript_span(c: Copy) -> tuple[int, int]:
    """0-based half-open span of an expressed copy's transcript: the copy itself."""
    return c.start, c.end


def _annotate(canvas: Canvas, c: Copy) -> None:
    """rmsk rows of a copy: LTR (solo), or LTR + internal + LTR in the copy's orientation."""
    int_name, ltr_name, fam = HERV_FAMILIES[c.family]
    parts = [(ltr_name, c.ltr_len)] if c.kind == "solo" else [(ltr_name, c.ltr_len), (int_name, c.int_len),
                                                              (ltr_name, c.ltr_len)]
    offsets = np.cumsum([0] + [p[1] for p in parts])
    for (name, _), a, b in zip(parts, offsets[:-1], offsets[1:]):
        s, e = (c.start + int(a), c.start + int(b)) if c.strand == "+" else (c.end - int(b), c.end - int(a))
        canvas.add_repeat(c.chrom, s, e, c.strand, name, "LTR", fam)


def _tissue_gtfs(canvas: Canvas, copies: list[Copy]) -> None:
    """Per-tissue GTFs of expressed copies: a transcript row and two exon rows (1-based closed)."""
    rng = canvas.rng
    rows: dict[str, list[str]] = {t: [] for t in TISSUES}
    for i, c in enumerate(copies):
        if not c.expressed:
            continue
        chosen = [t for t in TISSUES if rng.random() < 0.6] or [TISSUES[int(rng.integers(0, len(TISSUES)))]]
        for t in chosen:
            a, b = _transcript_span(c)
            score = int(rng.integers(50, 1000))
            attr = f'transcript_id "{t}_HERV_TU{i + 1}"; gene_id "{t}_HERV_G{i + 1}";'
            mid = (a + b) // 2
            rows[t].append(f"{c.chrom}\ttaco\ttranscript\t{a + 1}\t{b}\t{score}\t{c.strand}\t.\t{attr}\n")
            rows[t].append(f"{c.chrom}\ttaco\texon\t{a + 1}\t{mid - 40}\t{score}\t{c.strand}\t.\t{attr}\n")
            rows[t].append(f"{c.chrom}\ttaco\texon\t{mid + 40}\t{b}\t{score}\t{c.strand}\t.\t{attr}\n")
    for t in TISSUES:
        canvas.file(f"serve:{t}", f"{t}_HERV.gtf").write_text("".join(rows[t]))


def plant(canvas: Canvas) -> None:
    """HERV copies (sequence + rmsk), per-tissue expression GTFs and `truth.tsv`."""
    copies = _copies(canvas)
    _tissue_gtfs(canvas, copies)
    with open(canvas.file("truth", "truth.tsv"), "w") as fh:
        fh.write("chrom\tstart\tend\tstrand\tfamily\tkind\texpressed\tparalog_of\tmotifs\n")
        for c in copies:
            fh.write(f"{c.chrom}\t{c.start}\t{c.end}\t{c.strand}\t{HERV_FAMILIES[c.family][2]}\t{c.kind}\t"
                     f"{int(c.expressed)}\t{c.paralog_of}\t{c.motifs}\n")
