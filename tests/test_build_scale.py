"""The genome-scale benchmark's world generator and its truth-based near-pair count (benchmarks/build_scale.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from build_scale import make_items, near_pairs


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
    n1, one = make_items(np.random.default_rng(7), 0.01, clans=True)
    n3, three = make_items(np.random.default_rng(7), 0.03, clans=True)
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
