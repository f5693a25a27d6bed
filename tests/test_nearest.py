"""Nearest train row: identity and coverage on planted pairs whose answer is known by construction."""
from __future__ import annotations

import numpy as np
import pytest
from containment_oracle import links, random_dna, substitute

from benchmark.nearest import HISTOGRAM_EDGES, nearest_train, revcomp, summarize_nearest

RNG = np.random.default_rng(21)


def rand(n: int, rng: np.random.Generator = RNG) -> str:
    return random_dna(n, rng)


@pytest.fixture(scope="module")
def world():
    train = [rand(int(n)) for n in RNG.integers(600, 900, 30)]
    long = rand(1321)
    train.append(long)  # index 30
    return train, long


def test_planted_pairs(world):
    train, long = world
    tests = [
        train[3],                                                  # exact copy
        revcomp(train[7]),                                         # exact copy, other strand
        revcomp(long[300:902]),                                    # the shape: 602 bp of 1,321, reverse complement
        substitute(train[12][:400], range(20, 380, 20)),           # 18 substitutions in 400: identity 0.955
        substitute(train[15][:500], range(10, 490, 10)),           # 48 in 500: identity 0.904
        rand(500),                                                 # unrelated
    ]
    found = nearest_train(tests, train)
    assert [f.index for f in found] == [3, 7, 30, 12, 15, -1]
    assert [f.strand for f in found] == ["+", "-", "-", "+", "+", "."]
    assert found[0].identity == 1.0 and found[0].coverage == 1.0 and found[0].coverage_train == 1.0
    assert found[1].identity == 1.0 and found[1].coverage == 1.0
    assert found[2].identity == 1.0 and found[2].coverage == 1.0
    assert found[2].coverage_train == pytest.approx(602 / 1321)
    assert found[3].identity == pytest.approx(382 / 400) and found[3].coverage == 1.0
    assert found[3].coverage_train == pytest.approx(400 / len(train[12]))
    # the first and last substitutions (at 10 and 480) are 10 bases in: a local alignment keeps them
    assert found[4].identity == pytest.approx(452 / 500) and found[4].coverage == 1.0
    assert found[5].identity == 0.0 and found[5].coverage == 0.0
    assert [f.linked for f in found] == [True, True, True, True, False, False]
    # `linked` agrees with the independent oracle on every planted pair
    for t, f in zip(tests, found):
        if f.index >= 0:
            assert links(t, train[f.index]) is f.linked


def test_summary_histograms():
    from benchmark.nearest import Nearest

    found = [Nearest(0, 1.0, 1.0, 0.5, "+", 1), Nearest(1, 0.97, 0.85, 0.9, "-", 1), Nearest(2, 0.85, 0.3, 0.2, "+", 1),
             Nearest(-1, 0.0, 0.0, 0.0, ".", 0)]
    s = summarize_nearest(found)
    assert s["test_rows"] == 4 and s["with_homologous_train_row"] == 3 and s["linked"] == 2
    assert HISTOGRAM_EDGES["identity"] == (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0)
    assert s["identity"]["counts"] == [1, 0, 1, 0, 1, 1]
    assert s["coverage"]["counts"] == [1, 1, 0, 1, 1]
    joint = np.array(s["joint"]["counts"])
    assert joint.shape == (6, 5) and joint.sum() == 4 and joint[5, 4] == 1 and joint[4, 3] == 1
