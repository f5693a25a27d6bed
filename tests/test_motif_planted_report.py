"""Planted-motif recovery reported per motif and per method, mean and sd over seeds, beside random."""
from __future__ import annotations

import numpy as np
import pytest

from benchmark.interpret.attribution import AttributionError
from benchmark.interpret.motifs import Motif
from benchmark.interpret.planted import (
    ALL,
    build_probe,
    per_motif_auroc,
    recovery_block,
    recovery_markdown,
    recovery_runs,
    recovery_table,
)

A = Motif("MA_A.1", "a", np.eye(4)[:, [0, 1, 2, 3, 0, 1, 2, 3]] * 10)  # ACGTACGT
B = Motif("MA_B.1", "b", np.eye(4)[:, [3, 3, 0, 0, 2, 2, 1, 1]] * 10)  # TTAAGGCC


def probes(seeds=(0, 1, 2)):
    return {s: build_probe(["C" * 60] * 20, [A, B], seed=s) for s in seeds}


def site_mask(probe, i, sign=1.0):
    s = probe.sites[i]
    out = np.zeros(len(probe.sequences[i]))
    out[s.start:s.end] = sign
    return out


def oracle_for_a(method, probe, seed):
    """Finds motif A's sites exactly; for B it points away (AUROC 0) on seed 2 and exactly on seeds 0-1;
    'attention' is refused, as for an attention-free model."""
    if method == "attention":
        raise AttributionError("no attention weights")
    out = []
    for i, site in enumerate(probe.sites):
        sign = -1.0 if (site.motif_id == B.id and seed == 2) else 1.0
        out.append(site_mask(probe, i, sign))
    return out


def test_per_motif_auroc_splits_the_planted_probes_by_motif():
    probe = probes((0,))[0]
    attrs = [site_mask(probe, i, 1.0 if s.motif_id == A.id else -1.0) for i, s in enumerate(probe.sites)]
    got = per_motif_auroc(attrs, probe)
    assert got == {ALL: pytest.approx(0.5), A.id: 1.0, B.id: 0.0}  # 10 planted probes each


def test_recovery_table_mean_sd_over_seeds_beside_random():
    runs = recovery_runs(probes(), ["attention", "gradxinput", "ig"], oracle_for_a)
    assert [(r.method, r.seed) for r in runs] == [("gradxinput", 0), ("ig", 0), ("gradxinput", 1), ("ig", 1),
                                                  ("gradxinput", 2), ("ig", 2)]
    table = recovery_table(runs).set_index(["method", "motif"])
    assert list(table.index.get_level_values(0).unique()) == ["gradxinput", "ig"]
    a = table.loc[("gradxinput", A.id)]
    assert (a["n_seeds"], a["n_sequences"], a["auroc_mean"], a["auroc_sd"]) == (3, 10, 1.0, 0.0)
    b = table.loc[("gradxinput", B.id)]
    assert b["auroc_mean"] == pytest.approx(2 / 3) and b["auroc_sd"] == pytest.approx(np.sqrt(1 / 3))  # 1, 1, 0
    overall = table.loc[("gradxinput", ALL)]
    assert overall["n_sequences"] == 20 and overall["auroc_mean"] == pytest.approx((1 + 1 + 0.5) / 3)
    assert 0.4 < overall["random_mean"] < 0.6 and overall["random_sd"] > 0
    assert overall["margin"] == pytest.approx(overall["auroc_mean"] - overall["random_mean"])
    assert np.isnan(overall["fimo_recovery_mean"])  # not measured without motifs
    md = recovery_markdown(recovery_table(runs), names={A.id: "a"})
    assert "| gradxinput | MA_A.1 a | 3 | 10 | 1.000 ± 0.000 |" in md
    block = recovery_block(runs, task="herv_classification/binary")
    assert block["task"] == "herv_classification/binary" and block["seeds"] == [0, 1, 2]
    assert set(block["methods"]) == {"gradxinput", "ig"}
    assert block["methods"]["ig"]["per_motif"][B.id]["planted_auroc"] == {"mean": pytest.approx(2 / 3, abs=1e-6),
                                                                          "sd": pytest.approx(np.sqrt(1 / 3), abs=1e-6)}


def test_one_seed_has_no_sd_and_fimo_recovery_is_carried():
    runs = recovery_runs(probes((0,)), ["gradxinput"], oracle_for_a, motifs=[A, B])
    row = recovery_table(runs).iloc[0]
    assert row["motif"] == ALL and row["n_seeds"] == 1 and np.isnan(row["auroc_sd"])
    assert row["fimo_recovery_mean"] == 1.0  # each planted consensus, found by FIMO inside its marked region
    assert "1.000 |" in recovery_markdown(recovery_table(runs))
