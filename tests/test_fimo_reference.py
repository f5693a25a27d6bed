"""FIMO-exact scanning: published MEME suite FIMO outputs (with their inputs) reproduced.

Reference cases (tests/fixtures/fimo/README.md): the issue's case, PRODORIC MexR over MIBiG genes
(FIMO 5.4.1, from pymemesuite's tests), and the MEME suite's own FIMO regression tests fimo1 and
fimo2 (FIMO 5.4.0). Every hit must be there with the same coordinates, strand, matched sequence,
score and p-value as FIMO printed them (%g and %.3g), in FIMO's order; q-values within 1 %
(FIMO estimates pi0 from random samples, see benchmark.interpret.fimo).
"""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from benchmark.interpret.fimo import (
    NRDB_DNA,
    build_pssm,
    fimo_qvalues,
    motif_frequencies,
    pvalue_table,
    resolve_background,
    scan_fimo,
    storey_pi0,
    to_tsv,
)
from benchmark.interpret.motif_files import read_background, read_fasta, read_motif_file
from benchmark.interpret.motifs import Motif

FIX = Path(__file__).parent / "fixtures" / "fimo"


def fimo_rows(text: str) -> list[list[str]]:
    """The hit lines of a fimo.tsv (header and the '# FIMO ...' footer dropped)."""
    lines = text.split("\n\n")[0].strip("\n").splitlines()
    assert lines[0].split("\t") == ["motif_id", "motif_alt_id", "sequence_name", "start", "stop", "strand", "score",
                                    "p-value", "q-value", "matched_sequence"]
    return [line.split("\t") for line in lines[1:]]


def assert_same_hits(ours: list[list[str]], ref: list[list[str]], *, ordered: bool = True, q_rel: float = 0.01) -> None:
    if not ordered:  # FIMO orders ties in p-value by its heap, not by position
        ours, ref = sorted(ours), sorted(ref)
    assert len(ours) == len(ref)
    for mine, theirs in zip(ours, ref):
        assert mine[:8] + mine[9:] == theirs[:8] + theirs[9:]  # all but the q-value, exactly as printed
        assert float(mine[7]) == pytest.approx(float(theirs[7]), rel=0.10)  # the bar, implied by the line above
        assert float(mine[8]) == pytest.approx(float(theirs[8]), rel=q_rel, abs=1e-12)


def test_prodoric_mexr_over_mibig_genes_both_strands():
    """The issue's case: 6 hits; FIMO 1.3e-5-style p-values (e.g. 4.54e-05) and scores to 6 digits."""
    motifs = read_motif_file(FIX / "pymemesuite" / "prodoric_mx000001_meme.txt").motifs
    hits = scan_fimo(motifs, read_fasta(FIX / "pymemesuite" / "mibig-genes.fna"))
    ref = fimo_rows((FIX / "pymemesuite" / "results.tsv").read_text())
    assert len(ref) == 6
    assert_same_hits(fimo_rows(to_tsv(hits)), ref)
    assert fimo_rows(to_tsv(hits))[4][6:8] == ["6.77143", "4.54e-05"]


def test_prodoric_mexr_one_strand():
    motifs = read_motif_file(FIX / "pymemesuite" / "prodoric_mx000001_meme.txt").motifs
    hits = scan_fimo(motifs, read_fasta(FIX / "pymemesuite" / "mibig-genes.fna"), both_strands=False)
    assert_same_hits(fimo_rows(to_tsv(hits)), fimo_rows((FIX / "pymemesuite" / "results-norc.tsv").read_text()))
    # one strand: the NRDB background is not averaged with its complement, so the same window scores
    # 9.32857 here and 9.28571 on both strands (as FIMO prints)
    assert fimo_rows(to_tsv(hits))[0][6] == "9.32857"


def test_meme_suite_fimo1_mcm1_one_strand_threshold_1e3():
    motifs = read_motif_file(FIX / "meme" / "MCM1.meme").motifs
    hits = scan_fimo(motifs, read_fasta(FIX / "meme" / "spiked.fasta"), both_strands=False, threshold=1e-3)
    ref = fimo_rows((FIX / "meme" / "fimo.tsv").read_text())
    assert len(ref) == 11
    assert_same_hits(fimo_rows(to_tsv(hits)), ref)


def test_meme_suite_fimo2_two_motifs_of_a_meme_text_file_pseudocount_001_no_qvalues():
    """MEME's full text output (with its log-odds matrices, which are not read), two motifs chosen,
    pseudocount 0.01, p <= 0.01, no q-values (FIMO then writes 0); 37 hits, negative scores included."""
    mset = read_motif_file(FIX / "meme" / "crp0.meme.txt")
    chosen = [m for m in mset.motifs if m.id in ("CGGYGGGG", "GCATCRGRBSAGA")]
    hits = scan_fimo(chosen, read_fasta(FIX / "meme" / "motiph-spiked.fasta"), pseudocount=0.01, threshold=0.01,
                     qvalues=False)
    ref = fimo_rows((FIX / "meme" / "fimo-motif23.tsv").read_text())
    assert len(ref) == 37
    assert_same_hits(fimo_rows(to_tsv(hits)), ref, ordered=False)
    assert hits["p-value"].is_monotonic_increasing


# --- the pieces, against values computed independently ------------------------------------------
def test_pvalue_table_equals_enumerating_every_word():
    """A 4-column motif under a skewed background: P(S >= s) from the DP equals the sum over all
    256 words of their background probability."""
    bg = np.array([0.1, 0.2, 0.3, 0.4])
    freqs = np.array([[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25], [0.05, 0.05, 0.6, 0.3], [0.2, 0.5, 0.2, 0.1]])
    pssm = build_pssm(freqs, bg)
    assert pssm.matrix.min() >= 0 and pssm.matrix.max() <= 1000
    words = list(itertools.product(range(4), repeat=4))
    score = np.array([sum(pssm.matrix[i, b] for i, b in enumerate(w)) for w in words])
    prob = np.array([np.prod([bg[b] for b in w]) for w in words])
    for s in np.unique(score):
        assert pssm.pv[s] == pytest.approx(prob[score >= s].sum(), rel=1e-12)
    assert pssm.pv[0] == pytest.approx(1.0)
    assert np.all(np.diff(pvalue_table(pssm.matrix, bg)) <= 0)


def test_pssm_scaling_is_fimos_integer_rounding():
    """offset = floor(min log-odds), scale = floor(1000 / (max - offset)); reported score = S / scale + w * offset."""
    freqs = np.array([[0.97, 0.01, 0.01, 0.01], [0.01, 0.01, 0.01, 0.97]])
    bg = np.full(4, 0.25)
    pssm = build_pssm(freqs, bg)
    lo = np.log2(freqs / bg)
    assert pssm.offset == np.floor(lo.min()) == -5.0
    assert pssm.scale == np.floor(1000 / (lo.max() + 5)) == 143.0
    best = pssm.matrix[0, 0] + pssm.matrix[1, 3]
    assert pssm.raw_score(best) == pytest.approx(2 * lo.max(), abs=1 / 143)


def test_pseudocount_uses_the_site_count_and_background():
    """MexR has nsites = 2: a 0 becomes (0 * 2 + 0.1 * bg) / 2.1 - the smoothing FIMO applies."""
    motif = Motif("M", "", np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), nsites=2)
    bg = np.array([0.3, 0.2, 0.2, 0.3])
    f = motif_frequencies(motif, bg, 0.1)
    assert f[0].tolist() == pytest.approx([(2 + 0.03) / 2.1, 0.02 / 2.1, 0.02 / 2.1, 0.03 / 2.1])
    no_sites = Motif("M", "", np.array([[0.5], [0.5], [0.0], [0.0]]))  # probabilities, no nsites: FIMO's 20
    assert motif_frequencies(no_sites, np.full(4, 0.25), 0.1)[0, 2] == pytest.approx(0.025 / 20.1)


def test_backgrounds_follow_fimos_rules():
    both = resolve_background("nrdb")
    assert both[0] == both[3] and both[1] == both[2]
    assert both[0] == pytest.approx((NRDB_DNA[0] + NRDB_DNA[3]) / 2, rel=1e-5)
    assert resolve_background("nrdb", both_strands=False) == pytest.approx(NRDB_DNA, rel=1e-5)
    assert resolve_background("uniform") == pytest.approx(np.full(4, 0.25))
    assert resolve_background("motif") == pytest.approx(np.full(4, 0.25))  # no background in the file: uniform
    assert resolve_background("motif", motif_background=np.array([0.3, 0.2, 0.2, 0.3])) == pytest.approx([0.3, 0.2, 0.2, 0.3],
                                                                                                          rel=1e-5)
    # "file" = fasta-get-markov -m 0: (count + 0.025) / (total + 0.1), both strands pooled, 4 digits
    assert resolve_background("file", sequences=["AAAC"], both_strands=False) == pytest.approx(
        [3.025 / 4.1, 1.025 / 4.1, 0.025 / 4.1, 0.025 / 4.1], rel=1e-3)
    assert resolve_background("file", sequences=["AAAC"]) == pytest.approx([3.025 / 8.1, 1.025 / 8.1, 1.025 / 8.1,
                                                                           3.025 / 8.1], rel=1e-3)
    from_file = read_background(FIX / "meme" / "non-uniform.bg")  # a MEME background file is read, then passed
    assert resolve_background(from_file, both_strands=False) == pytest.approx([0.05, 0.4, 0.5, 0.05], rel=1e-5)
    with pytest.raises(ValueError, match="unknown background"):
        resolve_background(str(FIX / "meme" / "non-uniform.bg"))


def test_qvalues_and_pi0():
    assert fimo_qvalues(np.array([2e-5, 1e-5, 1e-4]), 1000, 0.5).tolist() == pytest.approx([0.005, 0.005, 0.05 / 3])
    assert storey_pi0(np.full(100, 0.9)) == 1.0  # 100 or fewer p-values: pi0 = 1
    rng = np.random.default_rng(0)
    null = rng.random(20_000)
    assert storey_pi0(null) == pytest.approx(1.0, abs=0.03)
    mixed = np.concatenate([null[:10_000], rng.random(10_000) * 1e-4])  # half the tests carry signal
    assert storey_pi0(mixed) == pytest.approx(0.5, abs=0.03)
    values, counts = np.unique(np.round(mixed, 3), return_counts=True)
    assert storey_pi0(values, counts) == pytest.approx(storey_pi0(np.round(mixed, 3)))


def test_windows_with_n_are_not_scored_and_case_is_kept():
    motif = Motif("AC", "", np.eye(4)[:, [0, 1, 2, 3, 0, 1, 2, 3]] * 20)  # ACGTACGT
    hits = scan_fimo([motif], [("s", "ttACGTACGTtt"), ("n", "ttACGTNCGTtt")], background="uniform", threshold=1e-3)
    assert hits["sequence_name"].tolist() == ["s", "s"]  # ACGTACGT is its own reverse complement
    assert hits[["start", "stop"]].values.tolist() == [[3, 10], [3, 10]]
    assert hits["matched_sequence"].tolist() == ["ACGTACGT", "ACGTACGT"]
    assert hits["p-value"].tolist() == pytest.approx([4.0**-8] * 2, rel=1e-6)
    lower = scan_fimo([motif], [("s", "ttacgtacgttt")], background="uniform", threshold=1e-3)
    assert lower["matched_sequence"].tolist() == ["acgtacgt", "acgtacgt"]
