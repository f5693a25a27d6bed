"""What regulatory_elements plants on the demo canvas: ~40 features per Ensembl type and their GFF.

Each type has its own length range, GC and motifs (so the task is learnable); features sit one
after another in two zones, and every twelfth is overlapped by a feature of another type (only
single-type parts are kept by the recipe). Files: `regulatory` (an Ensembl-style Regulatory Build
GFF with Ensembl chromosome names `1`, `4`) and `truth` (`truth.tsv`: chrom, start, end, kind).
"""
from __future__ import annotations

import gzip

from loaders.demo.canvas import Canvas, with_motifs

ZONES = (("chr1", 100_000, 400_000), ("chr4", 100_000, 250_000))
TYPES: dict[str, tuple[int, int, float, tuple[str, ...], int]] = {
    # Ensembl type: (min len, max len, GC, motifs, motif copies)
    "TF_binding_site": (200, 400, 0.42, ("CACGTGAC", "AGATAAGG"), 4),
    "enhancer": (600, 1_400, 0.44, ("TGACTCAT", "CAGGAAGT"), 6),
    "CTCF_binding_site": (200, 400, 0.48, ("CCACCAGGGGGCGC",), 3),  # JASPAR MA0139.2 CTCF consensus
    "promoter": (800, 1_600, 0.64, ("CTATAAAAGG", "GGGGCGGGGC"), 5),
    "open_chromatin_region": (200, 700, 0.30, ("TTTAAATTTA", "AATATTAAAT"), 4),
}
PER_TYPE = 40
DESCRIPTIONS = {"enhancer": "Predicted enhancer region", "promoter": "Predicted promoter",
                "CTCF_binding_site": "CTCF binding site", "TF_binding_site": "Transcription factor binding site",
                "open_chromatin_region": "Open chromatin region"}


def features(canvas: Canvas) -> list[tuple[str, int, int, str]]:
    """Plant the features; return (chrom, start, end, Ensembl type) rows."""
    rng = canvas.rng
    kinds = [t for t in TYPES for _ in range(PER_TYPE)]
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    z, pos = 0, ZONES[0][1]
    rows = []
    for i, kind in enumerate(kinds):
        lo, hi, gc, motifs, copies = TYPES[kind]
        length = int(rng.integers(lo, hi + 1))
        pos += int(rng.integers(300, 1_500))
        if pos + length > ZONES[z][2]:
            z += 1
            pos = ZONES[z][1]
        chrom = ZONES[z][0]
        canvas.write_free(chrom, pos, with_motifs(rng, length, gc, motifs, copies))
        rows.append((chrom, pos, pos + length, kind))
        if i % 12 == 5:  # an overlapping feature of another type: only single-type parts are kept
            other = [t for t in TYPES if t != kind][int(rng.integers(0, len(TYPES) - 1))]
            olen = int(rng.integers(300, 600))
            ostart = pos + length - 150
            canvas.write_free(chrom, pos + length, with_motifs(rng, olen - 150, *TYPES[other][2:]))
            rows.append((chrom, ostart, ostart + olen, other))
            length = olen + length - 150
        pos += length
    return rows


def plant(canvas: Canvas) -> None:
    """Regulatory features, their Ensembl-style GFF (`regulatory`) and `truth.tsv`."""
    rows = features(canvas)
    order = list(canvas.sizes)
    with gzip.GzipFile(canvas.file("regulatory", "homo_sapiens.DEMO.Regulatory_Build.regulatory_features.demo.gff.gz"),
                       "wb", mtime=0) as fh:
        fh.write(b"##gff-version 3\n")
        for i, (chrom, s, e, kind) in enumerate(sorted(rows, key=lambda r: (order.index(r[0]), r[1]))):
            attrs = (f"ID={kind}:ENSR0000DEMO{i:05d};bound_end={e + 50};bound_start={s + 1 - 50};"
                     f"description={DESCRIPTIONS[kind]};feature_type={kind}")
            fh.write(f"{chrom.removeprefix('chr')}\tRegulatory_Build\t{kind}\t{s + 1}\t{e}\t.\t.\t.\t{attrs}\n".encode())
    with open(canvas.file("truth", "truth.tsv"), "w") as fh:
        fh.write("chrom\tstart\tend\tkind\n")
        fh.writelines(f"{c}\t{s}\t{e}\t{k}\n" for c, s, e, k in rows)
