"""The genome-scale benchmark's world generator and its truth-based near-pair count (benchmarks/build_scale.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from build_scale import make_items, near_pairs, oracle_check, young_pick
from containment_oracle import random_dna, revcomp, substitute


def test_near_pairs_counts_same_family_overlapping_pairs_by_summed_divergence():
    # (family, consensus start, divergence); lengths below
    truth = [
        ("fam0", 0, 0.02),     # a: 0-100
        ("fam0", 10, 0.02),    # b: 10-110, overlaps a over 90 of 100 -> counted, d 0.04
        ("fam0", 50, 0.09),    # c: 50-150, overlaps a over 50 (< 80) -> no; b over 60 -> no
        ("fam0", 60, 0.09),    # d: 60-100 (40 bp), inside a, b and c -> counted with each (cov of the shorter)
        ("fam1", 0, 0.01),     # e: other family, same interval as a -> never paired with fam0
        ("-", -1, 0.0),        # background: never counted
    ]
    lengths = np.array([100, 100, 100, 40, 100, 100])
    got = near_pairs(truth, lengths)
    # counted pairs: a-b (0.04), a-d (0.11), b-d (0.11), c-d (0.18)
    assert got == {"overlapping": 4, "d_sum_le_0.05": 1, "d_sum_le_0.10": 1, "d_sum_le_0.15": 3, "d_sum_le_0.20": 4}


def test_clans_world_grows_the_number_of_families_not_their_size():
    n1, one = make_items(np.random.default_rng(7), 0.01, world="clans")
    n3, three = make_items(np.random.default_rng(7), 0.03, world="clans")
    fams1 = {it[2] for it in one if it[1] == "herv"}
    fams3 = {it[2] for it in three if it[1] == "herv"}
    assert len(fams1) == 50 and len(fams3) == 150
    assert n1 == 5_000 and n3 == 15_000
    # background: as many length-matched random sequences as copies
    assert sum(it[1] == "background" for it in three) == n3
    # the first clan is the families world at f = 0.01 (same draws), under its own family ids
    _, fam_world = make_items(np.random.default_rng(7), 0.01)
    copies = [it for it in fam_world if it[1] == "herv"]
    first = [it for it in three if it[2].startswith("c0fam")]
    assert len(first) == len(copies)
    assert all(np.array_equal(a[0], b[0]) and "c0" + a[2] == b[2] for a, b in zip(copies, first))


def test_replicas_world_repeats_the_first_clans_family_parameters_with_new_sequences():
    from collections import Counter

    _, items = make_items(np.random.default_rng(7), 0.03, world="replicas")
    copies = [it for it in items if it[1] == "herv"]
    per_fam = Counter(it[2] for it in copies)
    for fam in range(50):   # the same copies per family in every clan
        assert per_fam[f"c0fam{fam}"] == per_fam[f"c1fam{fam}"] == per_fam[f"c2fam{fam}"]
    # divergence drawn around the same family value: c1's copies of fam0 within 0.6-1.4x of c0's centre
    d0 = [it[4] for it in copies if it[2] == "c0fam0"]
    d1 = [it[4] for it in copies if it[2] == "c1fam0"]
    centre = (min(d0) / 0.6 + max(d0) / 1.4) / 2
    assert all(0.6 * centre * 0.95 <= d <= 1.4 * centre * 1.05 for d in d1)
    # but new sequences: no copy of clan 1 equals a copy of clan 0
    first = {it[0].tobytes() for it in copies if it[2].startswith("c0")}
    assert not any(it[0].tobytes() in first for it in copies if it[2].startswith("c1"))


def test_growth_table_takes_near_pairs_from_a_near_only_record_of_the_same_world_and_scale():
    import json

    from scale_growth import latest_kernel_runs, table

    def kernel(world, scale, rows, examined, cpu, near=None):
        rec = {"mode": "grouping kernel only", "world": world, "scale": scale, "rows": rows, "grouping_cpu_seconds": cpu,
               "grouping_stats": {"pairs_qgram_checked": examined, "postings_scanned": 10 * examined,
                                  "search_cpu_seconds": cpu}}
        return json.dumps({**rec, "near_pairs": near} if near else rec)

    near = {"d_sum_le_0.10": 10, "d_sum_le_0.15": 20}
    lines = [kernel("families", 0.1, 100, 40, 1.0, near),
             kernel("families", 0.3, 300, 360, 9.0),                       # older record: no near pairs
             json.dumps({"mode": "near pairs only", "world": "families", "scale": 0.3,
                         "near_pairs": {"d_sum_le_0.10": 90, "d_sum_le_0.15": 180}}),
             json.dumps({"mode": "near pairs only", "world": "clans", "scale": 0.3, "near_pairs": near}),
             kernel("clans", 0.1, 100, 40, 5.0, near)]
    runs = latest_kernel_runs(lines)
    assert sorted(runs) == ["clans", "families"] and sorted(runs["families"]) == [0.1, 0.3]
    assert runs["families"][0.3]["near_pairs"]["d_sum_le_0.15"] == 180
    text = table(runs["families"])
    # rows x3, near pairs x9, examined x9, CPU x9: exponents 2.00 for the quadratic columns
    assert "| 0.3 | 300 | 90 | 180 | 360 | 3,600 | 9.0 | 9.0 |" in text
    assert "| fit over all | | n^2.00 | n^2.00 | n^2.00 | n^2.00 | n^2.00 | n^2.00 |" in text


def test_young_pick_takes_seeded_rows_among_copies_at_low_divergence_only():
    truth = [("fam0", 0, 0.02), ("-", -1, 0.0), ("fam1", 5, 0.2), ("fam0", 9, 0.04), ("fam2", 0, 0.01), ("-", -1, 0.0)]
    assert young_pick(truth, 10).tolist() == [0, 3, 4]  # every young copy when fewer than asked; never background
    two = young_pick(truth, 2)
    assert len(two) == 2 and set(two.tolist()) <= {0, 3, 4}
    assert young_pick(truth, 2).tolist() == two.tolist()  # seeded


def test_oracle_check_counts_links_and_reports_a_split_link():
    """The check can fail: a grouping that splits an oracle-linked pair is reported, a right one is not."""
    rng = np.random.default_rng(5)
    x = random_dna(400, rng)
    seqs = [x, revcomp(substitute(x, [50, 150, 250])), random_dna(300, rng), x[40:360]]
    right = oracle_check(seqs, np.array([0, 0, 2, 0]), np.array([0]))
    assert right["linked_pairs_found"] == 2 and right["linked_pairs_split"] == 0 and right["rows_with_a_link"] == 1
    wrong = oracle_check(seqs, np.array([0, 1, 2, 0]), np.array([0]))
    assert wrong["linked_pairs_split"] == 1
