"""Motif files read as published: MEME (minimal and full text), JASPAR (.jaspar, .pfm), HOCOMOCO (.pcm),
MEME background files; bad files give one-line errors naming the file and the line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.interpret.motif_files import (
    MotifFileError,
    load_motifs,
    read_background,
    read_fasta,
    read_motif_file,
    resolve_motifs,
    to_meme,
)
from benchmark.interpret.motifs import load_jaspar

FIX = Path(__file__).parent / "fixtures" / "fimo"
FORMATS = FIX / "formats"


def test_jaspar_files_match_the_jaspar_database():
    """JASPAR 2016 .jaspar excerpt and a .pfm: the same counts as the pinned pyjaspar release holds."""
    motifs = read_motif_file(FORMATS / "jaspar2016_pfm_vertebrates_head.jaspar").motifs
    motifs += read_motif_file(FORMATS / "MA0001.1.pfm").motifs
    assert [(m.id, m.name, m.width) for m in motifs] == [
        ("MA0002.1", "RUNX1", 11), ("MA0002.2", "RUNX1", 11), ("MA0003.1", "TFAP2A", 9), ("MA0004.1", "Arnt", 6),
        ("MA0001.1", "AGL3", 10)]
    for m in motifs:
        [db] = load_jaspar([m.id])
        assert db.id == m.id and np.array_equal(db.counts, m.counts)
    assert motifs[3].consensus == "CACGTG" and motifs[3].site_count == 20  # Arnt: 20 sites per column


def test_hocomoco_pcm_files_are_position_rows():
    [nfkb1] = read_motif_file(FORMATS / "NFKB1_HUMAN.H11MO.1.B.pcm").motifs
    assert (nfkb1.id, nfkb1.width, nfkb1.consensus) == ("NFKB1_HUMAN.H11MO.1.B", 11, "GGGAAATTCCC")
    assert nfkb1.counts[:, 0] == pytest.approx([25, 4, 448, 20])
    assert nfkb1.site_count == 497  # rounded mean column total, as jaspar2meme writes nsites
    collection = read_motif_file(FORMATS / "HOCOMOCOv11_core_pcms_HUMAN_mono_example.txt").motifs
    assert [(m.id, m.width) for m in collection] == [("AHR_HUMAN.H11MO.0.B", 9), ("AIRE_HUMAN.H11MO.0.C", 18),
                                                     ("ALX1_HUMAN.H11MO.0.B", 12), ("OVOL1_HUMAN.H11MO.0.C", 9)]
    assert collection[0].consensus == "GTTGCGTGC"  # the AHR core GCGTG


def test_meme_minimal_and_full_text_output():
    minimal = read_motif_file(FORMATS / "minimal_test.meme")
    assert [(m.id, m.name, m.width, m.nsites) for m in minimal.motifs] == [("KRP", "", 19, 17), ("IFXA", "", 18, 14)]
    assert minimal.background == pytest.approx([0.303, 0.183, 0.209, 0.306])
    assert minimal.motifs[0].counts[:, 0] == pytest.approx([0.0, 0.176471, 0.0, 0.823529])
    full = read_motif_file(FIX / "meme" / "crp0.meme.txt")  # MEME output: also has log-odds matrices, not read
    assert [(m.id, m.name, m.width, m.nsites) for m in full.motifs] == [
        ("TKTGANCNABNTCACAHWT", "MEME-1", 19, 18), ("CGGYGGGG", "MEME-2", 8, 2), ("GCATCRGRBSAGA", "MEME-3", 13, 3)]
    assert full.background == pytest.approx([0.304, 0.196, 0.196, 0.304])
    assert np.allclose(full.motifs[1].counts.sum(axis=0), 1.0)


def test_to_meme_round_trip_keeps_probabilities_and_sites(tmp_path):
    motifs = load_jaspar(["MA0139", "MA0079"])
    path = tmp_path / "j.meme"
    path.write_text(to_meme(motifs))
    back = read_motif_file(path).motifs
    assert [(m.id, m.name, m.nsites) for m in back] == [(m.id, m.name, m.site_count) for m in motifs]
    for a, b in zip(motifs, back):
        assert b.counts == pytest.approx(a.counts / a.counts.sum(axis=0), abs=1e-6)


def test_background_files():
    assert read_background(FIX / "meme" / "yeast.nc.3.freq") == pytest.approx(
        [0.32442758667668, 0.175572413323319, 0.175572413323319, 0.32442758667668])  # orders 1-3 ignored
    assert read_background(FIX / "meme" / "non-uniform.bg") == pytest.approx([0.05, 0.4, 0.5, 0.05])


def test_ids_and_files_mix(tmp_path):
    mset = resolve_motifs(["MA0139", str(FORMATS / "NFKB1_HUMAN.H11MO.1.B.pcm")])
    assert [m.id for m in mset.motifs] == ["MA0139.2", "NFKB1_HUMAN.H11MO.1.B"]
    assert len(load_motifs(None)) == 1019


@pytest.mark.parametrize("content, name, message", [
    ("MEME version 4\n\nALPHABET= ACGU\n\nMOTIF X\nletter-probability matrix: alength= 4 w= 1\n 1 0 0 0\n", "rna.meme",
     "line 3: only DNA motifs"),
    ("MEME version 4\n\nMOTIF X\nletter-probability matrix: alength= 4 w= 2 nsites= 5\n 0.5 0.5 0 0\n 0.9 0.9 0 0\n",
     "bad.meme", "probabilities sum to 1.8, not 1"),
    ("MEME version 4\n\nMOTIF X\nletter-probability matrix: alength= 4 w= 3\n 0.5 0.5 0 0\n", "short.meme",
     "expected 3 matrix rows, got 1"),
    ("MEME version 4\n\nMOTIF X\nletter-probability matrix: alength= 20 w= 1\n", "protein.meme", "alength=20, not 4"),
    (">s1\nACGTACGTAACCGGTT\n", "seqs.jaspar", "expected numbers, got 'ACGTACGTAACCGGTT'"),
    (">M\nA [ 1 2 ]\nC [ 1 2 ]\nG [ 1 ]\nT [ 1 2 ]\n", "ragged.jaspar", "rows differ in length"),
    (">M\n1 2 3\n4 5 6\n", "three.pcm", "expected 4 columns (A C G T), got 3"),
    ("", "empty.jaspar", "no motif matrix found"),
    (">M\n1 2 3 4\n", "x.pwm", "log-odds matrix (.pwm)"),
])
def test_bad_motif_files_name_the_file_and_problem(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(MotifFileError, match=None) as err:
        read_motif_file(path)
    assert str(path) in str(err.value) and message in str(err.value) and "\n" not in str(err.value)


def test_unknown_specs_and_duplicates():
    with pytest.raises(MotifFileError, match="neither a motif file nor a JASPAR id"):
        resolve_motifs(["no/such/file.meme"])
    with pytest.raises(KeyError, match="MA9999 not in JASPAR2026"):
        resolve_motifs(["MA9999"])
    with pytest.raises(MotifFileError, match="MA0139.2 is given more than once"):
        resolve_motifs(["MA0139", "MA0139.2"])


def test_fasta_reader(tmp_path):
    path = tmp_path / "s.fa"
    path.write_text(">a first record\nACGT\nacgt\n\n>b\nNNAC\n")
    assert read_fasta(path) == [("a", "ACGTacgt"), ("b", "NNAC")]
    path.write_text("ACGT\n>a\nAC\n")
    with pytest.raises(MotifFileError, match="not FASTA"):
        read_fasta(path)
