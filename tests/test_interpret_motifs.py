"""JASPAR (pinned, offline) + FIMO: a known motif/sequence pair gives the known hit."""
from __future__ import annotations

import numpy as np
import pytest

from benchmark.interpret.enrichment import motif_enrichment
from benchmark.interpret.motifs import JASPAR_RELEASE, load_jaspar, n_tests, scan
from loaders.core.dna import reverse_complement

BG = "ACGTTGCAAT" * 10  # 100 bp, no CTCF-like word


@pytest.fixture(scope="module")
def ctcf():
    [m] = load_jaspar(["MA0139"])
    return m


def test_release_is_pinned_and_core_vertebrates_non_redundant():
    assert JASPAR_RELEASE == "JASPAR2026"
    motifs = load_jaspar()
    ids = [m.id for m in motifs]
    assert len(ids) == len(set(m.split(".")[0] for m in ids)) == 1019  # one (latest) version per matrix
    assert all(i.startswith("MA") for i in ids) and "MA0139.2" in ids


def test_fimo_finds_the_ctcf_consensus_at_its_position_and_strand(ctcf):
    """MA0139.2 (CTCF, 15 bp) consensus GCCACCAGGGGGCGC planted at 30 (+) and its reverse complement
    at 50 (-). The consensus is the only top-scoring 15-mer, so FIMO's p-value is the background
    probability of that word: 4^-15 = 9.31e-10 under the uniform background, and under FIMO's default
    (NRDB, averaged over the two strands: A = T = 0.274552, C = G = 0.225448) 0.274552^2 x 0.225448^13.
    q = pi0 x p x tests / rank (FIMO's q-value, per motif; tests = windows on both strands)."""
    assert (ctcf.id, ctcf.name, ctcf.consensus) == ("MA0139.2", "CTCF", "GCCACCAGGGGGCGC")
    fwd = BG[:30] + ctcf.consensus + BG[45:]
    rev = BG[:50] + reverse_complement(ctcf.consensus) + BG[65:]
    for background, p_top in (("uniform", 4.0**-15), ("nrdb", 0.274552**2 * 0.225448**13)):
        hits = scan([ctcf], {"fwd": fwd, "rev": rev, "bg": BG}, background=background)
        top = hits.sort_values("p_value").groupby("sequence_name").head(1).set_index("sequence_name")
        assert "bg" not in set(hits["sequence_name"])
        assert top.loc["fwd", ["start", "end", "strand"]].tolist() == [30, 45, "+"]
        assert top.loc["rev", ["start", "end", "strand"]].tolist() == [50, 65, "-"]
        for name in ("fwd", "rev"):
            assert top.loc[name, "p_value"] == pytest.approx(p_top, rel=1e-5)
        m = n_tests([ctcf], [100, 100, 100])
        assert m == 2 * 3 * 86
        assert 0 < top.loc["fwd", "q_value"] <= p_top * m / 2 * (1 + 1e-5)
        assert (hits["p_value"] <= 1e-4).all() and hits.columns.tolist()[-2:] == ["p_value", "q_value"]


def test_enrichment_of_a_motif_planted_in_class_a_regions():
    motifs = load_jaspar(["MA0079", "MA0139"])  # SP1, CTCF
    sp1 = motifs[0].consensus
    rng = np.random.default_rng(0)
    regions = {}
    for i in range(12):
        bg = "".join(rng.choice(list("AT"), size=40))  # AT-only: no SP1/CTCF by chance
        regions[f"a{i}"] = bg[:10] + sp1 + bg[10 + len(sp1):]
        regions[f"b{i}"] = bg
    hits = scan(motifs, regions)
    table = motif_enrichment(hits, [f"a{i}" for i in range(12)], [f"b{i}" for i in range(12)], motifs)
    row = table.set_index("motif_id").loc["MA0079.5"]
    assert (row["a_hits"], row["b_hits"]) == (12, 0)
    assert row["q_value"] < 1e-5  # hypergeometric P = 1 / C(24, 12)
    assert table.set_index("motif_id").loc["MA0139.2", "a_hits"] == 0
