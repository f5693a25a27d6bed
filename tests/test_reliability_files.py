"""Issue 11, files: genome index in the cache (never stale, never beside the input), letters, temps of
dead processes swept, umask respected, build reuse independent of path spelling, degenerate builds."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import loaders
from loaders.build.genome import Genome, genome_key
from loaders.core import leftovers
from loaders.core.degenerate import check_config_counts, degenerate_problem
from loaders.core.errors import DatasetError, FormatError
from loaders.core.files import atomic_write_text, old_path, temp_dir, temp_file


def _seq(n: int, seed: int) -> str:
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), size=n))


def _fasta(path: Path, records: dict[str, str]) -> Path:
    path.write_text("".join(f">{k}\n" + "\n".join(v[i:i + 50] for i in range(0, len(v), 50)) + "\n" for k, v in records.items()))
    return path


# --- genome index ---------------------------------------------------------------------------------
def test_changed_fasta_is_reindexed_even_with_same_size_and_mtime(tmp_path):
    """The old failure: a .fai written for another FASTA was trusted (wrong rows, intervals dropped)."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    v1, v2 = _seq(3000, 1), _seq(3000, 2)
    fa = _fasta(inputs / "g.fa", {"chr1": v1})
    stamp = fa.stat().st_mtime_ns
    g = Genome(fa, tmp_path / "work")
    assert g.fetch("chr1", 100, 160) == v1[100:160]
    g.close()
    _fasta(fa, {"chr1": v2})
    os.utime(fa, ns=(stamp, stamp))  # same size, same mtime: only the content differs
    g = Genome(fa, tmp_path / "work")
    assert g.fetch("chr1", 100, 160) == v2[100:160]
    g.close()
    _fasta(fa, {"chr1": v2[:1000], "chr2": v1})  # other records, other line layout
    g = Genome(fa, tmp_path / "work")
    assert g.sizes == {"chr1": 1000, "chr2": 3000} and g.fetch("chr2", 2900, 3000) == v1[2900:]
    g.close()
    assert sorted(os.listdir(inputs)) == ["g.fa"]  # never a .fai beside the user's file
    assert len([p for p in (tmp_path / "work").iterdir() if not p.name.startswith(".")]) == 3  # one index per version


def test_failed_index_leaves_nothing_and_a_fixed_fasta_then_builds(tmp_path):
    """The old failure: a .fai left by a failed build made the corrected FASTA fail too ('Duplicate key chr1')."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    fa = _fasta(inputs / "g.fa", {"chr1": _seq(500, 1)})
    fa.write_text(fa.read_text() * 2)
    with pytest.raises(FormatError, match=r"g\.fa: malformed FASTA \(Duplicate key \"chr1\"\)"):
        Genome(fa, tmp_path / "work")
    assert sorted(os.listdir(inputs)) == ["g.fa"] and list((tmp_path / "work").iterdir()) == []
    _fasta(fa, {"chr1": _seq(500, 1)})
    Genome(fa, tmp_path / "work").close()


def test_read_only_input_folder(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    fa = _fasta(inputs / "g.fa", {"chr1": _seq(800, 3)})
    os.chmod(inputs, 0o555)
    try:
        g = Genome(fa, tmp_path / "work")
        assert g.fetch("chr1", 0, 10) == fa.read_text().splitlines()[1][:10]
        g.close()
        assert sorted(os.listdir(inputs)) == ["g.fa"]
    finally:
        os.chmod(inputs, 0o755)


def test_bgzf_is_read_in_place_and_stale_fai_gzi_beside_it_are_ignored(tmp_path):
    from Bio import bgzf

    old, new = _seq(4000, 4), _seq(4000, 5)
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = inputs / "g.fa.gz"
    with bgzf.BgzfWriter(str(path), "wb") as fh:
        fh.write(_fasta(tmp_path / "new.fa", {"chr1": new}).read_bytes())
    # a stale index of other content beside the BGZF file (what an older tool left): never read
    (inputs / "g.fa.gz.fai").write_text("chr1\t4000\t6\t50\t51\n")
    (inputs / "g.fa.gz.gzi").write_bytes(b"\x00" * 8)
    g = Genome(path, tmp_path / "work")
    assert g.files.gzi is not None and g.path == path.resolve()  # read in place, index in the cache
    assert g.fetch("chr1", 3000, 3100) == new[3000:3100]
    g.close()
    assert not any(p.name == "genome.fa" for p in (tmp_path / "work").rglob("*"))  # not decompressed


def test_gzip_genome_is_decompressed_once_into_the_cache(tmp_path):
    seq = _seq(5000, 6)
    path = tmp_path / "g.fa.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(f">chr1 description\n{seq}\n")
    key = genome_key(path)
    g = Genome(path, tmp_path / "work")
    assert g.fetch("chr1", 10, 20) == seq[10:20] and g.files.fasta.parent.name.endswith(key)
    assert (g.files.fasta.stat().st_mode & 0o777) == 0o666 & ~_umask()
    g.close()
    assert sorted(os.listdir(tmp_path)) == ["g.fa.gz", "work"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- letters ---------------------------------------------------------------------------------------
def test_non_nucleotide_letters_are_refused_naming_record_and_position(tmp_path):
    seq = _seq(300, 7)
    fa = _fasta(tmp_path / "g.fa", {"chrA": seq[:120] + "x" + seq[121:200] + "R" + seq[201:]})
    g = Genome(fa, tmp_path / "work")
    assert g.fetch("chrA", 0, 100) == seq[:100]
    with pytest.raises(FormatError, match=r"^.*g\.fa: record 'chrA' position 121: 'x' is not a nucleotide letter"):
        g.fetch("chrA", 100, 150, "-")
    with pytest.raises(FormatError, match=r"record 'chrA' position 201: IUPAC ambiguity code 'R'; pass --iupac-as-n"):
        g.fetch("chrA", 150, 250)
    g.close()
    lenient = Genome(fa, tmp_path / "work", iupac="n")
    assert lenient.fetch("chrA", 150, 250)[50] == "R"  # read (rows turn it into N); 'x' still refused
    with pytest.raises(FormatError, match=r"'x' is not a nucleotide letter"):
        lenient.fetch("chrA", 100, 150)
    lenient.close()


# --- leftovers of killed processes -------------------------------------------------------------------
def test_sweep_removes_temps_of_dead_owners_only(tmp_path):
    host = leftovers._host()
    mine = temp_dir(tmp_path, "data")
    fd, mine_file = temp_file(tmp_path, "results.json")
    os.close(fd)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    start = leftovers.process_start(os.getpid())
    names = {
        "dead": f".data.tmp-{host}-{dead_pid}-123-abc",
        "dead_old": f".data.old-{host}-{dead_pid}-123",
        "reused_pid": f".data.tmp-{host}-{os.getpid()}-{start + 1}-abc",  # this pid, another start time
        "other_host": f".data.tmp-0badcafe-{dead_pid}-123-abc",
        "not_ours": ".data.tmp-whatever",
        "plain": "data",
    }
    for name in names.values():
        (tmp_path / name).mkdir()
    removed = {p.name for p in leftovers.sweep(tmp_path)}
    assert removed == {names["dead"], names["dead_old"], names["reused_pid"]}
    assert mine.exists() and mine_file.exists()
    assert {names["other_host"], names["not_ours"], names["plain"]} <= set(os.listdir(tmp_path))
    assert old_path(tmp_path / "data").name == f".data.old-{leftovers.owner_tag()}"


def test_killed_process_temps_are_swept_by_the_next_writer(tmp_path):
    code = ("import os, sys; from loaders.core.files import temp_dir, temp_file; "
            "temp_dir(sys.argv[1], 'ds'); temp_file(sys.argv[1], 'r.json'); os.kill(os.getpid(), 9)")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True)
    assert proc.returncode == -9 and len(os.listdir(tmp_path)) == 2
    atomic_write_text(tmp_path / "r.json", "{}\n")
    assert os.listdir(tmp_path) == ["r.json"]


# --- permissions -------------------------------------------------------------------------------------
@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_temps_and_atomic_writes_follow_the_umask(tmp_path, mask):
    before = os.umask(mask)
    try:
        d = temp_dir(tmp_path, "x")
        fd, f = temp_file(tmp_path, "y")
        os.close(fd)
        atomic_write_text(tmp_path / "z.json", "{}")
    finally:
        os.umask(before)
    assert d.stat().st_mode & 0o777 == 0o777 & ~mask
    assert f.stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "z.json").stat().st_mode & 0o777 == 0o666 & ~mask


def test_built_dataset_and_results_are_readable_by_others(tmp_path, tiny_task):
    """The old failure: dataset folders 0700 and results JSON 0600 (mkdtemp/mkstemp defaults)."""
    from baselines.majority import MajorityPredictor
    from benchmark.runner import run_predictor

    before = os.umask(0o022)
    try:
        _, path = run_predictor(lambda s: MajorityPredictor(), tiny_task, [0], tmp_path / "res", {})
        fasta, bed = _user_files(tmp_path)
        out = loaders.build_dataset("intervals", cache_dir=tmp_path / "cache", fasta=str(fasta), bed=str(bed), name="perm")
    finally:
        os.umask(before)
    assert path.stat().st_mode & 0o777 == 0o644
    assert out.stat().st_mode & 0o777 == 0o755 and (out / "build.json").stat().st_mode & 0o777 == 0o644
    assert all(p.stat().st_mode & 0o777 == 0o755 for p in (tmp_path / "cache" / "genomes").iterdir())


# --- user builds: path spelling, degenerate data ---------------------------------------------------------
def _user_files(root: Path, per_label: int = 40, labels: tuple[str, ...] = ("neg", "pos")) -> tuple[Path, Path]:
    seq = {"chr1": _seq(60_000, 8), "chr2": _seq(60_000, 9)}
    fasta = _fasta(root / "genome.fa", seq)
    step = 500 * len(labels)  # per_label // 2 intervals of 300 bp per label and chromosome, never overlapping
    lines = [f"{c}\t{j * 500 + k * step}\t{j * 500 + k * step + 300}\t{lab}\t0\t+"
             for c in seq for j, lab in enumerate(labels) for k in range(per_label // 2)]
    bed = root / "labels.bed"
    bed.write_text("\n".join(lines) + "\n")
    return fasta, bed


def test_build_reuse_does_not_depend_on_how_the_path_is_spelled(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    _user_files(tmp_path / "data")
    cache = tmp_path / "cache"
    first = loaders.build_dataset("intervals", cache_dir=cache, fasta=str(tmp_path / "data" / "genome.fa"),
                                  bed=str(tmp_path / "data" / "labels.bed"), name="spelled")
    stamp = (first / "build.json").stat().st_mtime_ns
    monkeypatch.chdir(tmp_path / "data")
    again = loaders.build_dataset("intervals", cache_dir=cache, fasta="../data/./genome.fa", bed="labels.bed", name="spelled")
    assert again == first and (first / "build.json").stat().st_mtime_ns == stamp
    assert json.loads((first / "build.json").read_text())["params"]["fasta"] == str((tmp_path / "data" / "genome.fa").resolve())


def test_degenerate_builds_fail_with_one_line(tmp_path):
    fasta, bed = _user_files(tmp_path, per_label=40, labels=("neg",))
    with pytest.raises(DatasetError, match=r"degenerate dataset: needs at least 2 classes, has 1 \(neg\)$"):
        loaders.build_dataset("intervals", cache_dir=tmp_path / "c1", fasta=str(fasta), bed=str(bed), name="one")
    fasta, bed = _user_files(tmp_path, per_label=8)
    with pytest.raises(DatasetError, match=r"degenerate dataset: class '(neg|pos)' has \d test row\(s\), fewer than "
                                           r"min_test_per_class=5; add data, or lower --param min_test_per_class"):
        loaders.build_dataset("intervals", cache_dir=tmp_path / "c2", fasta=str(fasta), bed=str(bed), name="few")
    assert not (tmp_path / "c2" / "datasets" / "user" / "few").exists()
    out = loaders.build_dataset("intervals", cache_dir=tmp_path / "c2", fasta=str(fasta), bed=str(bed), name="few",
                                min_test_per_class=1)
    assert (out / "build.json").is_file()


def test_degenerate_problem_rules():
    names = ["a", "b"]
    assert degenerate_problem(names, {"train": [0, 1], "validation": [0], "test": [0] * 5 + [1] * 5}) is None
    assert degenerate_problem(names, {"train": [0], "validation": [0], "test": [0] * 5}) == "needs at least 2 classes, has 1 (a)"
    assert degenerate_problem(names, {"train": [0, 1], "validation": [], "test": [0] * 5 + [1] * 5}) == "the validation split is empty"
    assert degenerate_problem(names, {"train": [0, 1], "validation": None, "test": [0, 1]}, 1, ("train", "test")) is None
    assert degenerate_problem(names, {"train": [0], "validation": [1], "test": [0] * 5 + [1] * 5}) == "class 'b' has no train rows"
    assert degenerate_problem(names, {"train": [0, 1], "validation": [0], "test": [0] * 5}) == "class 'b' has no test rows"
    assert "fewer than min_test_per_class=5" in degenerate_problem(names, {"train": [0, 1], "validation": [0],
                                                                           "test": [0] * 5 + [1] * 4})
    with pytest.raises(DatasetError, match="min_test_per_class must be an integer >= 1, got 0"):
        check_config_counts("x", names, {}, 0)
