"""What herv_classification plants on the demo canvas: HERV copies, SERVE-like expression GTFs, truth.

The world is built so the task is learnable for the right reasons, and so that leakage is measurable:
- founder HERV copies descend from four family consensus sequences (LTR + internal region), diverged
  4-14 % per copy, inserted on either strand, soft-masked and annotated in rmsk;
- recent paralog families (`_paralog_families`): 80 founders each seed 3-8 near-identical copies
  (0.3-2.5 %), full or solo LTR, that keep the source's expression status and motifs. A random split
  puts copies of one family on both sides (a leak); the grouped split keeps each family on one side.
  A solo-LTR copy of a full provirus is contained in it (>= 80 % of the short one covered, < 80 % of
  the long one): the containment the grouping must catch;
- ancient solo LTRs (`_ancient_fragments`): 30-42 % diverged, so barely distinguishable from
  background by k-mers; they keep the binary task from saturating;
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
N_COPIES = 260


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
    for _ in range(N_COPIES):  # founders; recent paralog families are planted by `_paralog_families` below
        fam = int(rng.integers(0, len(HERV_FAMILIES)))
        kind = "full" if rng.random() < 0.72 else "solo"
        expressed = kind == "full" and rng.random() < 0.42
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
        _place(canvas, copies, seqs, seq, Copy("", 0, 0, "+", fam, kind, bool(expressed), -1, l_len, i_len, motifs))
    _paralog_families(canvas, copies, seqs)
    _ancient_fragments(canvas, copies, seqs, ltr)
    return copies


def _place(canvas: Canvas, copies: list[Copy], seqs: list[np.ndarray], seq: np.ndarray, copy: Copy) -> None:
    """Put `seq` (the copy's + strand sequence) on a random strand at a free spot, annotate it, record it."""
    rng = canvas.rng
    strand = "+" if rng.random() < 0.5 else "-"
    spot = canvas.place(len(seq))
    if spot is None:
        return
    chrom, start = spot
    placed = revcomp(seq) if strand == "-" else seq
    if rng.random() < 0.03 and len(placed) > 700:
        placed = placed.copy()
        mid = len(placed) // 2
        placed[mid:mid + 60] = ord("N")
    canvas.write(chrom, start, placed, soft=True)
    copy = Copy(chrom, start, start + len(seq), strand, copy.family, copy.kind, copy.expressed, copy.paralog_of,
                copy.ltr_len, copy.int_len, copy.motifs)
    _annotate(canvas, copy)
    copies.append(copy)
    seqs.append(seq)


# ---------------------------------------------------------------- leakage: paralog families, ancient fragments
# Planted so the study's random split leaks (copies of one family straddle it) and the binary task is not
# saturated (old, short, diverged fragments look much like background). See docs/leakage.md.

FAMILY_SOURCES = 80
"""Founder copies that seed a recent paralog family (a young subfamily burst)."""
FAMILY_SIZE = (3, 8)
"""New copies per family (inclusive range), each 0.3-2.5 % diverged from its source."""
FAMILY_SOLO = 0.3
"""Share of a family's new copies that are solo LTRs (a copy of the source's 5' LTR: contained in it)."""
N_FRAGMENTS = 160
"""Ancient solo LTRs: 20-32 % diverged from the consensus (founders: 4-14 %), so close to background."""
FRAGMENT_EXPRESSED_SHARE = 0.30
"""Expressed share of ancient solo LTRs: the founders' overall share (0.72 full x 0.42), so age and form say
nothing about expression; only the motifs do."""


def motif_bands(ltr_len: int) -> list[tuple[int, int]]:
    """Where the founders' loop plants its three motifs in a 5' LTR of `ltr_len` bp (start, end), with slack."""
    seg = (ltr_len - 60) // 3
    return [(20 + j * seg, 20 + j * seg + 20 + 14) for j in range(3)]


def _recent_copy(rng: np.random.Generator, seq: np.ndarray, ltr_len: int, rate: float) -> np.ndarray:
    """`seq` with substitutions at `rate`, the 5' LTR's motif bands left as they are (so a copy's motifs stay
    exactly those of its source: intact if expressed, the same shuffled bases if not)."""
    out = mutate(rng, seq, rate)
    for a, b in motif_bands(ltr_len):
        out[a:b] = seq[a:b]
    return out


def _paralog_families(canvas: Canvas, copies: list[Copy], seqs: list[np.ndarray]) -> None:
    """Recent paralog families: `FAMILY_SOURCES` full founders each give 2-7 near-identical copies (full or solo
    LTR) that keep the source's expression status and motifs. Expression is thus shared within a family, so a
    model that has seen one copy in train can recognise the others: what a random split leaks."""
    rng = canvas.rng
    full = [i for i, c in enumerate(copies) if c.kind == "full"]
    sources = rng.choice(full, size=min(FAMILY_SOURCES, len(full)), replace=False)
    for src_i in sorted(int(x) for x in sources):
        src, src_seq = copies[src_i], seqs[src_i]
        for _ in range(int(rng.integers(FAMILY_SIZE[0], FAMILY_SIZE[1] + 1))):
            rate = float(rng.uniform(0.003, 0.025))
            if rng.random() < FAMILY_SOLO:
                seq = _recent_copy(rng, src_seq[:src.ltr_len], src.ltr_len, rate)
                kind, i_len = "solo", 0
            else:
                seq = _recent_copy(rng, src_seq, src.ltr_len, rate)
                kind, i_len = "full", src.int_len
            _place(canvas, copies, seqs, seq, Copy("", 0, 0, "+", src.family, kind, src.expressed, src_i,
                                                   src.ltr_len, i_len, src.motifs))


def _shuffled(rng: np.random.Generator, motif: str) -> np.ndarray:
    """A permutation of `motif`'s bases that is not the motif itself (SP1's GGGGCGGGGC has only 45 arrangements)."""
    seq = to_array(motif)
    while True:
        out = seq[rng.permutation(len(seq))]
        if out.tobytes() != seq.tobytes():
            return out


def _ancient_fragments(canvas: Canvas, copies: list[Copy], seqs: list[np.ndarray], ltr: list[np.ndarray]) -> None:
    """Ancient solo LTRs: much diverged, so their family k-mers barely stand out from background (the binary
    task's hard rows). Like every copy, they carry three motifs in the LTR: intact when expressed, shuffled if not."""
    rng = canvas.rng
    motif_names = list(MOTIFS)
    for _ in range(N_FRAGMENTS):
        fam = int(rng.integers(0, len(HERV_FAMILIES)))
        expressed = bool(rng.random() < FRAGMENT_EXPRESSED_SHARE)
        seq = mutate(rng, ltr[fam], float(rng.uniform(0.30, 0.42)))
        chosen = [motif_names[j] for j in rng.choice(len(motif_names), size=3, replace=False)]
        for (a, _), name in zip(motif_bands(len(seq)), chosen):
            motif = to_array(MOTIFS[name]) if expressed else _shuffled(rng, MOTIFS[name])
            off = a + int(rng.integers(0, 20))
            seq[off:off + len(motif)] = motif
        _place(canvas, copies, seqs, seq, Copy("", 0, 0, "+", fam, "solo", expressed, -1, len(seq), 0,
                                             ",".join(chosen) if expressed else ""))


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
            a = c.start + int(rng.integers(0, 15))
            b = c.end - int(rng.integers(0, 15))
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
