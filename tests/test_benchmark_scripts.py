"""Pure pieces of the benchmark scripts: the kmer-lr speed anchor computes the same spectrum as the
baseline, the throughput script names the right bf16 peak and draws the data it says it draws."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import kmer_lr_speed  # noqa: E402
import throughput  # noqa: E402

from baselines.kmers import kmer_spectrum  # noqa: E402


def test_speed_anchor_spectrum_equals_the_baselines() -> None:
    """The anchor (padded code matrix, one bincount per k, float64) and the baseline agree to float32 rounding,
    with N, lower case, short and empty sequences, whatever the anchor's row chunk."""
    rng = np.random.default_rng(1)
    seqs = ["".join(rng.choice(list("ACGTNacgt"), size=int(rng.integers(0, 60)))) for _ in range(120)] + ["", "A", "NNNNNN"]
    anchor = kmer_lr_speed.anchor_spectrum(seqs, rows=37)
    np.testing.assert_allclose(anchor, kmer_spectrum(seqs), rtol=1e-6, atol=1e-7)


def test_speed_data_carries_the_motif_in_label_1_rows_only() -> None:
    data = kmer_lr_speed.random_dataset(200, 100, seed=3)
    has = np.array([kmer_lr_speed.MOTIF in s for s in data["sequence"]])
    labels = np.array(data["label"])
    assert has[labels == 1].all() and not has[labels == 0].any() and 60 < labels.sum() < 140


@pytest.mark.parametrize("name,peak", [("NVIDIA H100 80GB HBM3", 989.4), ("NVIDIA H100 PCIe", 756.0), ("NVIDIA H100 NVL", 835.0),
                                       ("NVIDIA H200", 989.4), ("NVIDIA A100-SXM4-80GB", 312.0), ("Tesla T4", None)])
def test_bf16_peak_table(name: str, peak: float | None) -> None:
    assert throughput.bf16_peak(name)[0] == peak


def test_synthetic_sequences_are_log_uniform_acgt_and_seeded() -> None:
    seqs, labels = throughput.synthetic_sequences(2000, seed=4)
    again, _ = throughput.synthetic_sequences(2000, seed=4)
    lengths = np.array([len(s) for s in seqs])
    assert seqs == again and set("".join(seqs[:50])) == set("ACGT") and set(labels) == {0, 1}
    assert lengths.min() >= 150 and lengths.max() <= 3000
    assert abs(np.median(np.log(lengths)) - (np.log(150) + np.log(3000)) / 2) < 0.1  # log-uniform: median at the geometric mean


def test_sync_audit_window_spans_exactly_the_requested_steps(monkeypatch) -> None:
    """Debug mode goes on at the start of step `first` and off after `count` steps (fetches in between included)."""
    import torch

    calls: list[object] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "set_sync_debug_mode", lambda mode: calls.append(mode))
    audit = throughput.SyncAudit(first=2, count=3)

    class State:
        global_step = 0

    state = State()
    for step in range(8):
        state.global_step = step
        audit.callback.on_step_begin(None, state, None)
        audit.callback.on_step_end(None, state, None)
    audit.callback.on_train_end(None, state, None)
    assert calls == ["warn", 0] and audit.steps == 3 and not audit.active
