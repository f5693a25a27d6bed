"""The grouping's filters are safe (they never drop a pair that meets the criterion) and its output does not
depend on threads or chunking.

Planted worst cases: edits placed where they hurt each filter most, pairs exactly at the identity and
coverage thresholds, with indels, on both strands; the decision is checked against the independent
oracle (tests/containment_oracle.py: Biopython alignment) and each bound against the statistic it bounds.
"""
from __future__ import annotations

import numpy as np
import pytest

from containment_oracle import SUBSTITUTE, alignment_columns, links, random_dna, revcomp
from loaders.build import containment as C

RNG = np.random.default_rng(2024)
ID, COV = 0.95, 0.8


def rand(n: int, rng: np.random.Generator = RNG) -> str:
    return random_dna(n, rng)


def sub(c: str) -> str:
    return SUBSTITUTE[c]


def sampled_hits(x: str, y: str, q: int) -> int:
    """y's q-mers starting at multiples of q that occur in x (what `_qgram_sampled` counts)."""
    kmers = {x[i:i + q] for i in range(len(x) - q + 1)}
    return sum(y[p:p + q] in kmers for p in range(0, len(y) - q + 1, q))


def lag_score(cols: np.ndarray) -> int:
    """Best score of a run of alignment columns under the score-only bound's column scores."""
    sm, sx, sg = C.lag_scores(ID)
    best = run = 0
    for c in cols:
        run = max(0, run + (sm if c == 0 else sx if c == 1 else sg))
        best = max(best, run)
    return best


def spoil_samples(x: str, n_edits: int, q: int) -> str:
    """x with n_edits substitutions, one at the last position of each of the first sampled q-mers (worst case)."""
    s = list(x)
    for t in range(n_edits):
        p = t * q + q - 1
        s[p] = sub(s[p])
    return "".join(s)


@pytest.mark.parametrize("length", [150, 211, 333, 500, 1000])
def test_sampled_bound_is_met_by_the_worst_placed_edits(length):
    """e(L) substitutions each spoiling a different sampled q-mer: a 95 %-identity pair still has >= the bound."""
    plan = C.make_plan(np.array([150, 2000]), ID, COV, 10_000_000)
    q = plan.q
    x = rand(length)
    e = int(C.max_edits(length, ID))
    y = spoil_samples(x, e, q)
    assert links(x, y)
    have = sampled_hits(x, y, q)
    need = min(plan.bs[0, length], plan.bs[1, length])
    assert have >= need
    assert C.pair_link(x, y)


@pytest.mark.parametrize("length", [150, 240, 500, 900])
def test_sampled_bound_is_tight_for_a_copy_covering_the_minimum(length):
    """The bound's own worst case: l positions of y (l = the span where the bound is least, >= 80 % of y), starting
    one base after a sampled start, copy x with e(l) single-base deletions, each spoiling a sampled q-mer; the
    rest of y is unrelated. The oracle links the pair, and the sampled count is the bound (+1 for a chance hit),
    so an off-by-one in the bound fails this test."""
    plan = C.make_plan(np.array([150, 2000]), ID, COV, 10_000_000)
    q = plan.q
    lo = int(np.ceil(length * COV - 1e-9))
    spans = np.arange(lo, length + 1)
    e_of = C.max_edits(spans, ID)
    value = (spans + 1) // q - 1 - e_of
    s = int(spans[np.argmin(value)])
    e = int(C.max_edits(s, ID))
    assert C.sampled_bounds(length, ID, COV, q)[1, length] == value.min()
    rng = np.random.default_rng(length)
    x = rand(s + e + 400, rng)
    # y = 1 unrelated base + seg + unrelated tail; sampled start t*q of y is seg position t*q - 1, and deleting the
    # x base after it (x index t*q + t - 1, counting the t - 1 deletions before) spoils that q-mer
    skip = {t * q + t - 1 for t in range(1, e + 1)}
    xl = list(x)
    for j in skip:  # a deleted base unlike both neighbours, so the deletion cannot slide out of the q-mer
        xl[j] = next(c for c in "ACGT" if c not in (xl[j - 1], xl[j + 1]))
    x = "".join(xl)
    seg = "".join(c for j, c in enumerate(x[:s + e]) if j not in skip)
    assert len(seg) == s
    y = rand(1, rng) + seg + rand(length - s - 1, rng)
    assert links(x, y)
    have = sampled_hits(x, y, q)
    need = min(plan.bs[0, len(x)], plan.bs[1, length])
    assert need == value.min()
    assert need <= have <= need + 1
    assert C.pair_link(x, y)


def test_sampled_bound_for_contained_copies():
    """A short copy inside a long sequence (and the reverse roles), edits at the worst places, both strands."""
    plan = C.make_plan(np.array([150, 3000]), ID, COV, 10_000_000)
    q = plan.q
    for short_len in (150, 260, 480):
        long = rand(2000)
        a = int(RNG.integers(0, 2000 - short_len))
        e = int(C.max_edits(short_len, ID))
        short = spoil_samples(long[a:a + short_len], e, q)
        for y, x in ((short, long), (long, short)):
            need = min(plan.bs[0, len(x)], plan.bs[1, len(y)])
            assert sampled_hits(x, y, q) >= need
        rc = revcomp(short)
        assert C.pair_link(long, rc) and C.pair_link(rc, long)


def _threshold_pair(rng: np.random.Generator, length: int, identity: float = ID) -> tuple[str, str]:
    """y = x with edits (substitutions, 1-2 bp indels) at random places, identity of the whole alignment >= `identity`."""
    while True:
        x = rand(length, rng)
        out, i, edits = [], 0, 0
        budget = int(C.max_edits(length, identity))
        pos = set(rng.choice(length, size=budget, replace=False).tolist())
        while i < len(x):
            if i in pos:
                kind = rng.random()
                if kind < 0.6:
                    out.append(sub(x[i]))
                elif kind < 0.8:
                    out.append(x[i] + rand(1, rng))  # insertion of 1 bp (1 edit)
                else:
                    pass  # deletion (1 edit)
                edits += 1
            else:
                out.append(x[i])
            i += 1
        y = "".join(out)
        if links(x, y):
            return x, y


def test_score_bound_holds_on_linking_pairs_at_the_threshold():
    """Pairs the oracle links, at the identity limit with indels: their best stretch scores >= the bound's target,
    and the score-only pass says so on the band the search would use."""
    rng = np.random.default_rng(11)
    sm, sx, sg = C.lag_scores(ID)
    checked = 0
    for length in (150, 180, 400, 700):
        for _ in range(6):
            x, y = _threshold_pair(rng, length)
            target = int(min(C.lag_targets(max(len(x), len(y)), ID, COV)[[len(x), len(y)]]))
            assert lag_score(alignment_columns(x, y)) >= target
            xc, yc = C.encode([x])[0], C.encode([y])[0]
            y5 = np.where(yc == 4, 5, yc).astype(np.uint8)
            e = int(C.max_edits(min(len(x), len(y)), ID))
            d = len(y) - len(x)
            scratch = [np.zeros(len(x) + len(y) + 8, np.int32) for _ in range(3)]
            ok, _ = C._lag_pass(xc[::-1].copy(), len(x), y5, len(y), min(0, d) - e, max(0, d) + e, sm, sx, sg,
                                target, *scratch)
            assert ok
            assert C.pair_link(x, y) and C.pair_link(y, x)
            checked += 1
    assert checked == 24


def test_score_bound_rejects_twilight_pairs():
    """The bound is not vacuous: pairs 8 % apart (q-gram counts cannot tell them from 5 %) fail it."""
    rng = np.random.default_rng(5)
    sm, sx, sg = C.lag_scores(ID)
    rejected = 0
    for _ in range(10):
        x = rand(600, rng)
        y = "".join(sub(c) if rng.random() < 0.08 else c for c in x)
        xc, yc = C.encode([x])[0], C.encode([y])[0]
        scratch = [np.zeros(1300, np.int32) for _ in range(3)]
        ok, _ = C._lag_pass(xc[::-1].copy(), 600, yc, 600, -31, 31, sm, sx, sg, int(C.lag_targets(600, ID, COV)[600]),
                            *scratch)
        rejected += not ok
        assert not links(x, y)
    assert rejected == 10


def test_near_threshold_pairs_agree_with_the_oracle():
    """Random pairs from 93 to 97 % identity, full length or 75-85 % contained, either strand: the grouping's
    decision equals the oracle's for every pair (so no filter dropped a linked pair)."""
    rng = np.random.default_rng(99)
    seen = {True: 0, False: 0}
    for t in range(40):
        length = int(rng.integers(150, 600))
        x = rand(length, rng)
        rate = rng.uniform(0.03, 0.07)
        y = "".join(sub(c) if rng.random() < rate else c for c in x)
        if t % 3 == 1:
            keep = int(length * rng.uniform(0.75, 0.85))
            y = y[:keep] + rand(length - keep, rng)
        elif t % 3 == 2:
            y = rand(int(rng.integers(0, 200)), rng) + y + rand(int(rng.integers(0, 200)), rng)
        if rng.random() < 0.5:
            y = revcomp(y)
        expected = links(x, y)
        assert C.pair_link(x, y) is expected, (t, len(x), len(y))
        seen[expected] += 1
    assert seen[True] >= 8 and seen[False] >= 8


def _family_world(rng: np.random.Generator) -> list[str]:
    seqs = []
    for div, n in ((0.01, 30), (0.025, 30), (0.04, 40), (0.1, 20)):
        cons = rand(1200, rng)
        for _ in range(n):
            a = int(rng.integers(0, 900))
            b = int(min(1200, a + rng.integers(160, 1000)))
            s = "".join(sub(c) if rng.random() < div else c for c in cons[a:b])
            seqs.append(revcomp(s) if rng.random() < 0.5 else s)
    seqs += [rand(int(rng.integers(160, 700)), rng) for _ in range(20)]
    order = rng.permutation(len(seqs))
    return [seqs[i] for i in order]


def test_groups_do_not_depend_on_threads_chunks_or_a_full_link_buffer(monkeypatch):
    """Serial (immediate unions), 2 threads with chunks of 1 or 16 queries, and a link buffer of 1 (every link
    makes the chunk stop and resume) give the same groups."""
    seqs = _family_world(np.random.default_rng(4))
    codes, offs = C.encode(seqs)
    stats: dict = {}
    profile: dict = {}
    serial = C.group_codes(codes, offs, threads=1, stats=stats, profile=profile)
    assert profile["links"] > 50 and 20 < len(set(serial.tolist())) < len(seqs)
    assert stats["merges"] == len(seqs) - len(set(serial.tolist()))
    for chunk in (1, 16):
        st2: dict = {}
        assert (C.group_codes(codes, offs, threads=2, chunk=chunk, stats=st2) == serial).all()
        assert st2 == stats  # what goes into build.json does not depend on threads or timing
    monkeypatch.setattr(C, "LINKS_CAP", 1)
    assert (C.group_codes(codes, offs, threads=2, chunk=7) == serial).all()


def test_numba_cache_defaults_to_the_phenoseq_cache(tmp_path):
    """Unset NUMBA_CACHE_DIR -> <PHENOSEQ_CACHE>/numba, set before the kernels are decorated (fresh interpreter)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PHENOSEQ_CACHE"] = str(tmp_path / "pc")
    code = "import numba, loaders.build.containment as c; print(numba.config.CACHE_DIR)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(tmp_path / "pc" / "numba")
