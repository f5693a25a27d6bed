"""`intervals` (bring your own FASTA + BED): every row is the genome slice with its BED label.

Checked against an independent plain-Python FASTA reader (no pyfaidx), on the demo's NCBI-headed,
soft-masked genome and on a user build from files written here.
"""
from __future__ import annotations

import gzip
import json

import pytest
from recipe_checks import all_rows, build_info, demo_builds, fresh_cache, kmer_score, world_dir

import loaders
from loaders.build.genome import header_names
from loaders.core.errors import DatasetError, FormatError

NAME = "intervals"
COMP = str.maketrans("ACGTN", "TGCAN")
# the demo genome's records, spelled as an independent reader sees them
DEMO_NAMES = {"gi|568815597|ref|NC_000001.11|": "chr1", "gi|568815596|ref|NC_000002.12|": "chr2",
              "NW_025791756.1": "NW_025791756.1", "NC_012920.1": "chrM"}
BED_SPELLINGS = {"chr1": "chr1", "1": "chr1", "NC_000001.11": "chr1", "chr2": "chr2", "NC_000002.12": "chr2",
                 "NW_025791756.1": "NW_025791756.1", "chrM": "chrM", "MT": "chrM"}


def read_fasta(path) -> dict[str, str]:
    """Plain FASTA parser: first header token → sequence (case kept)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    seqs: dict[str, list[str]] = {}
    name = None
    with opener(path, "rt") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith(">"):
                name = line[1:].split()[0]
                seqs[name] = []
            elif name is not None:
                seqs[name].append(line)
    return {k: "".join(v) for k, v in seqs.items()}


def read_bed(path) -> list[tuple[str, int, int, str, str]]:
    out = []
    for line in open(path):
        if line.startswith(("#", "track", "browser")) or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        out.append((f[0], int(f[1]), int(f[2]), f[3], f[5] if len(f) > 5 else "+"))
    return out


def check_rows_are_slices(path, genome: dict[str, str], bed: list[tuple], spell: dict[str, str]) -> None:
    """Each row = uppercased slice (reverse complement on '-') inside one BED interval of the same label."""
    rows = all_rows(path)
    names = json.loads((path / "build.json").read_text())["label_names"]["multiclass"]
    by_chrom: dict[str, list[tuple]] = {}
    for chrom, s, e, label, strand in bed:
        by_chrom.setdefault(spell[chrom], []).append((s, e, label, strand))
    for row in rows.itertuples():
        ref = genome[row.chrom][row.start:row.end].upper()
        expected = ref.translate(COMP)[::-1] if row.strand == "-" else ref
        assert row.sequence == expected, row.id
        hits = [lab for s, e, lab, st in by_chrom[row.chrom]
                if s <= row.start and row.end <= e and (st if st != "." else "+") == row.strand]
        assert hits and names[row.label] == hits[0], row.id
    assert set(rows["strand"]) == {"+", "-"}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    return demo_builds(NAME, tmp_path_factory)


def test_demo_rows_equal_genome_slices(builds):
    """NCBI headers, soft-masking, mixed chromosome spellings, both strands, N runs (split)."""
    a, _, _ = builds
    raw = read_fasta(world_dir(NAME) / "user_genome.fa")
    genome = {DEMO_NAMES[k]: v for k, v in raw.items()}
    assert any(c.islower() for c in raw["gi|568815597|ref|NC_000001.11|"])
    check_rows_are_slices(a, genome, read_bed(world_dir(NAME) / "user_labels.bed"), BED_SPELLINGS)
    stats = build_info(a)["stats"]
    assert stats["bed_chroms_renamed"] > 0 and stats["bed_minus_strand"] > 0 and stats["n_split"] > 0
    assert set(all_rows(a)["chrom"]) == {"chr1", "chr2", "NW_025791756.1", "chrM"}


def test_demo_is_learnable(builds):
    a, _, _ = builds
    assert kmer_score(a, "binary") > 0.7


def _write_user_files(tmp_path, labels=("neg", "pos")):
    """A gzip FASTA with NCBI `gi|` headers and soft-masked bases, and a BED in `1`/`NC_…` spellings."""
    import numpy as np

    rng = np.random.default_rng(5)
    seqs = {}
    for name, n in (("gi|568815597|ref|NC_000001.11| Homo sapiens chromosome 1, GRCh38.p14 Primary Assembly", 40_000),
                    ("gi|568815596|ref|NC_000002.12| Homo sapiens chromosome 2, GRCh38.p14 Primary Assembly", 30_000)):
        s = np.array(list("ACGT"))[rng.integers(0, 4, n)]
        lower = rng.random(n) < 0.3
        s[lower] = np.char.lower(s[lower])
        s[1_000:1_020] = "N"
        seqs[name] = "".join(s)
    fasta = tmp_path / "genome.fa.gz"
    with gzip.open(fasta, "wt") as fh:
        for name, s in seqs.items():
            fh.write(f">{name}\n" + "\n".join(s[i:i + 80] for i in range(0, len(s), 80)) + "\n")
    bed = tmp_path / "labels.bed"
    lines = []
    for i in range(60):
        chrom = ["1", "NC_000001.11", "chr2", "NC_000002.12"][i % 4]
        start = 500 + (i // 4) * 1_700
        lines.append(f"{chrom}\t{start}\t{start + 600 + 7 * i}\t{labels[i % 2]}\t0\t{'+-'[i % 3 == 0]}")
    bed.write_text("track name=mine\n" + "\n".join(lines) + "\n")
    return fasta, bed, {k.split()[0]: v for k, v in seqs.items()}


def test_user_build_named_and_checked(tmp_path):
    fasta, bed, raw = _write_user_files(tmp_path)
    cache = fresh_cache(tmp_path / "cache")
    out = loaders.build_dataset("intervals", cache_dir=cache, fasta=str(fasta), bed=str(bed), name="my_task")
    assert out == cache / "datasets" / "user" / "my_task"
    info = build_info(out)
    assert info["dataset"] == "my_task" and info["source"] == "user" and info["synthetic"] is False
    assert info["label_names"] == {"binary": ["neg", "pos"], "multiclass": ["neg", "pos"]}
    assert info["inputs"]["genome"]["path"] == str(fasta.resolve())
    rows = all_rows(out)
    assert rows["id"].str.startswith("my_task:").all()
    genome = {"chr1": raw["gi|568815597|ref|NC_000001.11|"], "chr2": raw["gi|568815596|ref|NC_000002.12|"]}
    check_rows_are_slices(out, genome, read_bed(bed), {"1": "chr1", "NC_000001.11": "chr1", "chr2": "chr2",
                                                      "NC_000002.12": "chr2"})
    assert "SYNTHETIC" not in (out / "README.md").read_text()
    # reused while inputs are unchanged; rebuilt when the BED changes
    stamp = (out / "build.json").stat().st_mtime_ns
    assert loaders.build_dataset("intervals", cache_dir=cache, fasta=str(fasta), bed=str(bed), name="my_task") == out
    assert (out / "build.json").stat().st_mtime_ns == stamp
    bed.write_text(bed.read_text().replace("\tpos\t", "\tyes\t"))
    loaders.build_dataset("intervals", cache_dir=cache, fasta=str(fasta), bed=str(bed), name="my_task")
    assert build_info(out)["label_names"]["multiclass"] == ["neg", "yes"]


def test_user_errors(tmp_path):
    fasta, bed, _ = _write_user_files(tmp_path)
    cache = fresh_cache(tmp_path / "cache")
    bad = tmp_path / "bad.bed"
    bad.write_text("chr1\t0\t500\tneg\nchr7\t0\t500\tpos\n")
    with pytest.raises(FormatError, match=r"bad.bed:2: chromosome 'chr7' is not in the genome FASTA"):
        loaders.build_dataset("intervals", cache_dir=cache, fasta=str(fasta), bed=str(bad), name="t1")
    with pytest.raises(DatasetError, match="invalid dataset name"):
        loaders.build_dataset("intervals", cache_dir=cache, fasta=str(fasta), bed=str(bed), name="herv_classification")
    with pytest.raises(DatasetError, match="missing input 'genome'"):
        loaders.build_dataset("intervals", cache_dir=cache, bed=str(bed), name="t2")
    with pytest.raises(DatasetError, match="not in the BED"):
        loaders.build_dataset("intervals", cache_dir=cache, fasta=str(fasta), bed=str(bed), name="t3", positive="zzz")


def test_header_names():
    assert header_names("gi|568815597|ref|NC_000001.11| Homo sapiens chromosome 1, GRCh38.p14 Primary Assembly")[0] == "chr1"
    assert header_names("NC_000023.11 Homo sapiens chromosome X, GRCh38.p14 Primary Assembly")[0] == "chrX"
    assert header_names("NC_012920.1 Homo sapiens mitochondrion, complete genome")[0] == "chrM"
    assert header_names("NW_025791756.1 Homo sapiens chromosome 1 genomic patch of type FIX")[0] == "NW_025791756.1"
    assert header_names("1 dna:chromosome chromosome:GRCh38:1:1:248956422:1 REF") == ("1", ["1", "chr1"])
    assert header_names("chr1") == ("chr1", ["chr1", "1"])
    name, aliases = header_names("gi|568815597|ref|NC_000001.11|")
    assert name == "chr1" and {"NC_000001.11", "NC_000001", "1"} <= set(aliases)
