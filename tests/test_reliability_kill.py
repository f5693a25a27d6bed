"""Issue 11, kill -9: a real `bench` process killed mid-write leaves temps that the next run removes,
and the next run's output is identical to an unkilled run's. Reduced to two points here (the
genome decompression among them); `benchmarks/reliability.py kill` runs all eight and an external kill."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import reliability as rel  # noqa: E402

FAST_POINTS = ("genome-decompress", "genome-index")
"""They share one unkilled reference run; test_reliability_files covers a killed atomic write in-process."""


def test_kill_points_leave_nothing_after_the_next_run(tmp_path):
    points = [p for p in rel.KILL_POINTS if p.name in FAST_POINTS]
    figure = rel.kill_points(tmp_path, None, points)
    assert [r["point"] for r in figure["points"]] == list(FAST_POINTS)
    for row in figure["points"]:
        assert row["killed"] and row["leftovers_after_kill"] >= 1, row  # the kill really left a temp behind
        assert row["leftovers_after_next_run"] == 0 and row["identical"], row


def test_every_kill_point_has_a_hook():
    assert {p.name for p in rel.KILL_POINTS} == set(rel.HOOKS) and len(rel.KILL_POINTS) >= 5
