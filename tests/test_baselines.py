"""Baselines: exact k-mer spectra, majority prior, kmer-lr / CNN learning the tiny task,
random-init wiring, and `bench baseline` writing harness results."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import make_tiny_task
from typer.testing import CliRunner

from baselines import cli as baseline_cli
from baselines.cnn import CNNPredictor, SmallCNN, encode, n_parameters, one_hot
from baselines.kmer_lr import KmerLRPredictor
from baselines.kmers import kmer_names, kmer_spectrum, n_features
from baselines.majority import MajorityPredictor
from baselines.random_init import RandomInitPredictor
from baselines.registry import BaselineError, baseline_names, make_baseline
from benchmark.metrics import compute_metrics
from benchmark.results import SCHEMA, read_results
from phenoseq.cli import new_app


def test_kmer_spectrum_exact_values() -> None:
    x = kmer_spectrum(["ACGTN", "AAAA", "", "acgta"], ks=(1, 2))
    assert kmer_names((1, 2))[:6] == ["A", "C", "G", "T", "AA", "AC"]
    third = 1 / 3
    expected = np.zeros((4, 20), dtype=np.float32)
    expected[0, :4] = 0.25                      # A C G T (N skipped)
    expected[0, [5, 10, 15]] = third            # AC CG GT (TN skipped)
    expected[1, 0], expected[1, 4] = 1.0, 1.0   # AAAA: A, AA x3
    expected[3, :4] = [0.4, 0.2, 0.2, 0.2]      # lowercase counts as ACGT
    expected[3, [5, 10, 15, 16]] = 0.25         # AC CG GT TA
    np.testing.assert_allclose(x, expected, rtol=0, atol=1e-7)
    assert n_features() == 5460 and kmer_names()[-1] == "TTTTTT"


def naive_spectrum(seqs: list[str], ks: tuple[int, ...]) -> np.ndarray:
    """Definition, one k-mer at a time: count k-mers of only A/C/G/T (any case), divide by the count per k."""
    from collections import Counter

    names = kmer_names(ks)
    col = {name: i for i, name in enumerate(names)}
    out = np.zeros((len(seqs), len(names)), dtype=np.float64)
    for r, seq in enumerate(seqs):
        seq = seq.upper()
        for k in ks:
            found = Counter(seq[i:i + k] for i in range(len(seq) - k + 1) if set(seq[i:i + k]) <= set("ACGT"))
            total = sum(found.values())
            for kmer, c in found.items():
                out[r, col[kmer]] = c / total
    return out


@pytest.mark.parametrize("ks", [(1, 2, 3, 4, 5, 6), (2, 5), (1,), (3, 4, 7)])
def test_kmer_spectrum_matches_the_definition_and_is_independent_of_chunking(ks) -> None:
    """Random sequences of 0-80 letters with N, lower case and other letters (R, -): the vectorised spectrum
    equals a one-k-mer-at-a-time count, whatever the chunk size (sequence boundaries never make k-mers)."""
    rng = np.random.default_rng(3)
    alphabet = list("ACGTacgtNR-")
    weights = np.array([4, 4, 4, 4, 1, 1, 1, 1, 1, 0.3, 0.3])
    seqs = ["".join(rng.choice(alphabet, p=weights / weights.sum(), size=int(rng.integers(0, 80)))) for _ in range(60)]
    seqs += ["ACGTAC", "NNNNNNNNNN", "A"]
    a, b = kmer_spectrum(seqs, ks), kmer_spectrum(seqs, ks, chunk=7)
    assert a.shape == (63, n_features(ks)) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, naive_spectrum(seqs, ks), rtol=1e-6, atol=0)
    top = a[:, n_features(ks) - 4 ** max(ks):].sum(axis=1)  # each k block sums to 1 (or 0: no valid k-mer)
    assert set(np.round(top, 5)) <= {0.0, 1.0}


def test_kmer_spectrum_rejects_k_out_of_range() -> None:
    with pytest.raises(ValueError, match="between 1 and 7"):
        kmer_spectrum(["ACGT"], ks=(0, 2))
    with pytest.raises(ValueError, match="between 1 and 7"):
        kmer_spectrum(["ACGT"], ks=(8,))


def test_standardiser_matches_scikit_learn() -> None:
    """Column mean/sd as StandardScaler computes them, constant columns scaled by 1."""
    from sklearn.preprocessing import StandardScaler

    from baselines.kmer_lr import fit_standardiser, standardise

    rng = np.random.default_rng(0)
    x = rng.random((5000, 30)).astype(np.float32)
    x[:, 3] = 0.25
    x[:, 7] = 0.0
    ref = StandardScaler().fit(x)
    mean, sd = fit_standardiser(x)
    np.testing.assert_allclose(mean, ref.mean_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sd, ref.scale_, rtol=1e-6)
    assert sd[3] == 1.0 and sd[7] == 1.0
    np.testing.assert_allclose(standardise(x.copy(), mean, sd), ref.transform(x), atol=2e-5)


def test_majority_predicts_the_training_prior(tiny_task) -> None:
    model = MajorityPredictor().fit(tiny_task.data["train"], None, num_labels=2, seed=0)
    probs = model.predict_proba(tiny_task.data["test"])
    np.testing.assert_array_equal(probs, np.tile([38 / 84, 46 / 84], (24, 1)))
    m = compute_metrics(tiny_task.data["test"]["label"], probs)
    assert (m["accuracy"], m["mcc"], m["auroc"]) == (8 / 24, 0.0, 0.5)
    assert model.info() == {"id": "baseline/majority", "revision": None, "n_params": 2, "adapter": "majority",
                            "trust_remote_code": False}


def test_kmer_lr_learns_the_tiny_task_deterministically(tiny_task) -> None:
    runs = [KmerLRPredictor().fit(tiny_task.data["train"], None, num_labels=2, seed=s).predict_proba(tiny_task.data["test"])
            for s in (0, 1)]
    np.testing.assert_array_equal(runs[0], runs[1])
    m = compute_metrics(tiny_task.data["test"]["label"], runs[0])
    assert m["accuracy"] >= 0.75 and m["auroc"] >= 0.9
    info = KmerLRPredictor().fit(tiny_task.data["train"], None, num_labels=2, seed=0).info()
    assert info["n_params"] == 5461 and info["id"] == "baseline/kmer-lr"  # binary LR: 5460 weights + bias


def test_cnn_size_and_one_hot_encoding() -> None:
    assert n_parameters(SmallCNN(2)) == 222_018
    assert n_parameters(SmallCNN(4)) == 222_532
    codes = encode(["ACGTNACGT", "GA"], max_len=4)  # head 2 + tail 2 of the long one; padding = -1
    np.testing.assert_array_equal(codes, [[0, 1, 2, 3], [2, 0, -1, -1]])
    x = one_hot(codes).numpy()
    assert x.shape == (2, 4, 4) and x[1, :, 2:].sum() == 0 and x[0].sum() == 4


def test_cnn_learns_with_early_stopping_and_is_seeded() -> None:
    task = make_tiny_task(n_per_class=120)
    threads = torch.get_num_threads()
    opts = dict(channels=(16, 24, 32), batch_size=16, min_epochs=3)
    short = [CNNPredictor(max_epochs=3, **opts).fit(task.data["train"], task.data["validation"], num_labels=2, seed=0)
             for _ in range(2)]
    np.testing.assert_array_equal(short[0].predict_proba(task.data["test"]), short[1].predict_proba(task.data["test"]))
    assert short[0].history == short[1].history
    model = CNNPredictor(max_epochs=30, **{**opts, "min_epochs": 15}, patience=5)
    model.fit(task.data["train"], task.data["validation"], num_labels=2, seed=0)
    probs = model.predict_proba(task.data["test"])
    assert torch.get_num_threads() == threads  # num_threads=1 applied only inside fit/predict
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert compute_metrics(task.data["test"]["label"], probs)["accuracy"] >= 0.9
    losses = [h["val_loss"] for h in model.history]
    assert model.best_epoch == int(np.argmin(losses)) and 15 <= len(losses) <= 30
    assert model.info()["n_params"] == n_parameters(SmallCNN(2, channels=(16, 24, 32))) == 19_850


def test_random_init_passes_random_init_to_the_finetuner(monkeypatch) -> None:
    import benchmark.finetune as ft

    seen = {}

    class Spy:
        def __init__(self, model, config, **kwargs):
            seen.update(model=model, config=config, **kwargs)
            self.max_length = 128

        def info(self):
            return {"id": seen["model"], "revision": None, "n_params": 7, "adapter": "generic", "trust_remote_code": False}

    monkeypatch.setattr(ft, "FineTunePredictor", Spy)
    p = RandomInitPredictor("some/model", {"epochs": 1.0})
    assert seen["random_init"] is True and seen["model"] == "some/model" and seen["config"].epochs == 1.0
    assert p.info()["random_init"] is True
    with pytest.raises(BaselineError, match="random-init needs --model"):
        RandomInitPredictor(None)


def test_random_init_end_to_end_on_a_tiny_local_model(tiny_task, tmp_path) -> None:
    from benchmark.models.tiny import make_tiny_generic

    model_dir = make_tiny_generic(tmp_path / "m", hidden=16, layers=1)
    p = make_baseline("random-init", model=str(model_dir), config={"epochs": 1, "progress": False})
    p.fit(tiny_task.data["train"], tiny_task.data["validation"], num_labels=2, seed=0)
    probs = p.predict_proba(tiny_task.data["test"])
    assert probs.shape == (24, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert p.info()["random_init"] is True and p.info()["id"] == str(model_dir)


@pytest.fixture()
def bench(monkeypatch, tiny_task):
    monkeypatch.setattr(baseline_cli, "load_task", lambda task, source=None, **_: tiny_task)
    app = new_app()
    baseline_cli.register(app)
    app.command("noop")(lambda: None)  # keep `baseline` a named sub-command
    return lambda *args: CliRunner().invoke(app, list(args))


def test_bench_baseline_writes_harness_results(bench, tmp_path) -> None:
    r = bench("baseline", "majority", "--task", "tiny/binary", "--seeds", "3", "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    path = tmp_path / "tiny_binary__baseline_majority.json"
    assert f"results: {path}" in r.output
    results, pred = read_results(path)
    assert results["schema"] == SCHEMA and [s["seed"] for s in results["seeds"]] == [0, 1, 2]
    assert results["summary"]["accuracy"] == {"mean": 8 / 24, "sd": 0.0, "n": 3}
    assert results["config"]["baseline"] == "majority" and results["model"]["id"] == "baseline/majority"
    assert len(pred) == 72 and list(pred.columns) == ["id", "seed", "label", "pred", "prob_0", "prob_1"]


@pytest.mark.parametrize("args, message", [
    (["nope"], "error: unknown baseline 'nope' (baselines: majority, kmer-lr, cnn, random-init)"),
    (["random-init"], "error: random-init needs --model (a Hub id or local model directory whose architecture to re-initialise)"),
    (["majority", "--model", "x/y"], "error: --model only applies to random-init, not 'majority'"),
    (["kmer-lr", "--epochs", "3"], "error: --epochs only applies to cnn and random-init, not 'kmer-lr'"),
    (["majority", "--threads", "2"], "error: --threads only applies to cnn, not 'majority'"),
])
def test_bench_baseline_user_errors_are_one_line(bench, tmp_path, args, message) -> None:
    r = bench("baseline", *args, "--task", "tiny/binary", "--out", str(tmp_path))
    assert r.exit_code == 2
    assert r.output.strip() == message
    assert list(tmp_path.iterdir()) == []


def test_registry_lists_the_four_baselines() -> None:
    assert baseline_names() == ["majority", "kmer-lr", "cnn", "random-init"]
