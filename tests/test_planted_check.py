"""The planted check's model-side figure (motif effect) and its results block, on hand-made probes."""
from __future__ import annotations

import numpy as np
import pytest

from benchmark.interpret.motifs import Motif
from benchmark.interpret.planted import (
    ALL,
    build_probe,
    check_block,
    motif_effects,
    recovery_markdown,
    recovery_runs,
    recovery_table,
)

A = Motif("MA_A.1", "a", np.eye(4)[:, [0, 1, 2, 3, 0, 1, 2, 3]] * 10)  # ACGTACGT
B = Motif("MA_B.1", "b", np.eye(4)[:, [3, 3, 0, 0, 2, 2, 1, 1]] * 10)  # TTAAGGCC


def probe(seed=0):
    return build_probe(["C" * 60] * 6, [A, B], seed=seed)


def test_pairs_are_planted_then_control_at_the_same_site():
    p = probe()
    assert p.pairs() == [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11)]
    for i, j in p.pairs():
        assert p.planted[i] and not p.planted[j] and p.sites[i].start == p.sites[j].start
        assert sorted(p.sequences[i]) == sorted(p.sequences[j])  # a shuffle of the same instance


def test_motif_effect_is_the_mean_planted_minus_control_probability_per_motif():
    p = probe()
    # A sites (pairs 0, 2, 4): planted 0.9 vs control 0.1; B sites (1, 3, 5): 0.5 vs 0.5
    prob = [0.9 if (k // 2) % 2 == 0 and k % 2 == 0 else (0.1 if (k // 2) % 2 == 0 else 0.5) for k in range(len(p))]
    assert motif_effects(prob, p) == {ALL: pytest.approx(0.4), A.id: pytest.approx(0.8), B.id: pytest.approx(0.0)}


def oracle(method, p, seed):
    """Marks every planted site exactly; controls get None (they are never read)."""
    out = []
    for i, site in enumerate(p.sites):
        if not p.planted[i]:
            out.append(None)
            continue
        a = np.zeros(len(p.sequences[i]))
        a[site.start:site.end] = 1.0 if method == "ig" else -1.0
        out.append(a)
    return out


def test_check_block_headline_is_the_first_method_mean_over_seeds_with_task_and_effect():
    probes = {s: probe(s) for s in (0, 1, 2)}
    effect = {s: [0.8 if k % 2 == 0 else 0.2 for k in range(len(probes[s]))] for s in probes}
    runs = recovery_runs(probes, ["ig", "gradxinput"], oracle, motifs=[A, B], effect_fn=lambda p, s: effect[s])
    block = check_block(runs, [A.id, B.id], task="t/x", task_label="ig on t/x", planted_label="yes", probe_epochs=2)
    assert block["method"] == "ig" and block["planted_auroc"] == 1.0 and block["fimo_recovery"] == 1.0
    assert 0.4 < block["random_auroc"] < 0.6
    assert block["motif_effect"] == pytest.approx(0.6) and block["seeds"] == [0, 1, 2]
    assert (block["task"], block["task_label"], block["planted_label"], block["probe_epochs"]) == ("t/x", "ig on t/x", "yes", 2)
    assert block["n_sequences"] == 18 and block["motifs"] == [A.id, B.id]
    rec = block["recovery"]["methods"]
    assert rec["gradxinput"]["planted_auroc"] == {"mean": 0.0, "sd": 0.0}  # points away from every site
    assert rec["ig"]["per_motif"][B.id]["motif_effect"] == {"mean": pytest.approx(0.6), "sd": pytest.approx(0.0)}
    md = recovery_markdown(recovery_table(runs))
    assert md.splitlines()[0].endswith("| FIMO recovery | model's motif effect |")
    assert "| ig | all | 3 | 6 | 1.000 ± 0.000 |" in md and md.splitlines()[2].endswith("| 0.600 ± 0.000 |")
    with pytest.raises(ValueError, match="not run"):
        check_block(runs, [A.id], method="attention")


def test_board_planted_cell_names_the_task_the_score_comes_from(tmp_path):
    """The planted-AUROC cell carries the block's task_label (escaped like any submitted string) after the
    verified mark; the other interpretation cells and label-less blocks are unchanged."""
    from leaderboard.render import render

    summary = {m: {"mean": 0.5, "sd": 0.0, "n": 1} for m in ("accuracy", "f1_macro", "mcc", "auroc")}

    def row(entry_id, interp):
        return {"entry_id": entry_id, "task": "t/x", "model_id": entry_id, "revision": None, "n_params": 1, "adapter": None,
                "random_init": False, "n_seeds": 1, "fingerprint": "f", "source": "demo", "synthetic": True,
                "submitted_at": "2026-01-01T00:00:00Z", "summary": summary, "interpretation": interp}

    rows = [row("a", {"planted_auroc": 0.98, "random_auroc": 0.5, "task_label": "ig on t/x non_herv, probe-tuned 4 ep.",
                      "verified": {"planted_auroc": "recomputed"}}),
            row("b", {"planted_auroc": 0.7})]
    md = render(rows, tmp_path, "md", generated_at="G").read_text()
    assert "| 0.9800 (recomputed; ig on t/x non\\_herv, probe-tuned 4 ep.) | 0.5000 (self-reported) | — |" in md
    assert "| 0.7000 (self-reported) | — | — |" in md
    page = render(rows, tmp_path, "html", generated_at="G").read_text()
    assert "0.9800 (recomputed; ig on t/x non_herv, probe-tuned 4 ep.)" in page


def test_seeds_come_from_a_run_folder_of_seed_models_or_repeat_one_model(tmp_path):
    """`bench interpret --check planted --seeds N --model X`: X a `bench run` models folder -> its first N
    seed-k/ models (numeric order); X one model -> N runs of that model (each with its own probe)."""
    from benchmark.interpret.cli import _seed_models

    run = tmp_path / "run"
    for k in (10, 0, 2):
        (run / f"seed-{k}").mkdir(parents=True)
    assert _seed_models(run, 2) == {0: run / "seed-0", 2: run / "seed-2"}
    one = run / "seed-0"
    (one / "config.json").write_text("{}")
    assert _seed_models(one, 3) == {0: one, 1: one, 2: one}
