"""Every suite metric against values computed by hand on small arrays."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.metrics import METRIC_NAMES, compute_metrics, summarize


def binary_probs(p1: list[float]) -> np.ndarray:
    p1 = np.asarray(p1)
    return np.stack([1 - p1, p1], axis=1)


def test_binary_balanced_errors():
    # y = 0 0 1 1 1 0 ; pred = 0 1 1 0 1 0  -> TP=2 FN=1 FP=1 TN=2
    m = compute_metrics([0, 0, 1, 1, 1, 0], binary_probs([0.1, 0.6, 0.8, 0.4, 0.9, 0.2]))
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["balanced_accuracy"] == pytest.approx(2 / 3)  # (2/3 + 2/3) / 2
    assert m["precision"] == pytest.approx(2 / 3)  # class 1: 2/3, class 0: TN/(TN+FN) = 2/3
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["f1_macro"] == pytest.approx(2 / 3)
    assert m["f1_weighted"] == pytest.approx(2 / 3)
    assert m["mcc"] == pytest.approx(1 / 3)  # (2*2 - 1*1) / sqrt(3*3*3*3)
    assert m["auroc"] == pytest.approx(8 / 9)  # 8 of 9 positive/negative pairs ranked right (0.4 < 0.6)
    assert m["auprc"] == pytest.approx(11 / 12)  # 1/3*1 + 1/3*1 + 1/3*3/4
    # probability of the true class: 0.9 0.4 0.8 0.4 0.9 0.8
    assert m["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.4, 0.8, 0.4, 0.9, 0.8])))


def test_binary_imbalanced_macro_vs_weighted():
    # y = 0 0 0 0 1 1 ; pred = 0 0 1 0 1 0 -> TP=1 FN=1 FP=1 TN=3
    m = compute_metrics([0, 0, 0, 0, 1, 1], binary_probs([0.1, 0.2, 0.7, 0.3, 0.8, 0.4]))
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["balanced_accuracy"] == pytest.approx((3 / 4 + 1 / 2) / 2)
    assert m["precision"] == pytest.approx((3 / 4 + 1 / 2) / 2)  # class 0: 3/4, class 1: 1/2
    assert m["recall"] == pytest.approx((3 / 4 + 1 / 2) / 2)
    assert m["f1_macro"] == pytest.approx((3 / 4 + 1 / 2) / 2)
    assert m["f1_weighted"] == pytest.approx((4 * 3 / 4 + 2 * 1 / 2) / 6)
    assert m["mcc"] == pytest.approx(0.25)  # (1*3 - 1*1) / sqrt(2*2*4*4)
    assert m["auroc"] == pytest.approx(7 / 8)  # 0.4 loses only to 0.7
    assert m["auprc"] == pytest.approx(5 / 6)  # 1/2*1 + 1/2*2/3


def test_multiclass_one_vs_rest():
    labels = [0, 1, 2, 2]
    probs = np.array([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])  # pred 0 1 1 2
    m = compute_metrics(labels, probs)
    assert m["accuracy"] == pytest.approx(3 / 4)
    assert m["balanced_accuracy"] == pytest.approx((1 + 1 + 1 / 2) / 3)
    assert m["recall"] == pytest.approx((1 + 1 + 1 / 2) / 3)
    assert m["precision"] == pytest.approx((1 + 1 / 2 + 1) / 3)
    assert m["f1_macro"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)
    assert m["f1_weighted"] == pytest.approx((1 * 1 + 1 * 2 / 3 + 2 * 2 / 3) / 4)
    # multiclass MCC: (c*s - sum p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)), c=3 s=4 p=[1,2,1] t=[1,1,2]
    assert m["mcc"] == pytest.approx((3 * 4 - 5) / np.sqrt((16 - 6) * (16 - 6)))
    # per class AUROC: 1, 2/3, (1 + 0.5 + 2)/4 (a tie at 0.3 counts one half)
    assert m["auroc"] == pytest.approx((1 + 2 / 3 + 3.5 / 4) / 3)
    # per class AP: 1, 1/2, 1/2*1 + 1/2*2/3 (tied scores form one threshold)
    assert m["auprc"] == pytest.approx((1 + 1 / 2 + 5 / 6) / 3)


def test_perfect_and_single_class():
    m = compute_metrics([0, 1, 1, 0], binary_probs([0.2, 0.9, 0.6, 0.4]))
    assert all(m[name] == pytest.approx(1.0) for name in METRIC_NAMES if name != "log_loss")
    assert m["log_loss"] == pytest.approx(-np.mean(np.log([0.8, 0.9, 0.6, 0.6])))
    one = compute_metrics([1, 1, 1], binary_probs([0.2, 0.9, 0.6]))
    assert one["auroc"] is None and one["auprc"] is None
    assert one["accuracy"] == pytest.approx(2 / 3)


def test_summarize_mean_sd():
    s = summarize([{"accuracy": 0.5, "auroc": None}, {"accuracy": 0.7, "auroc": 0.8}, {"accuracy": 0.9, "auroc": 0.6}])
    assert s["accuracy"]["mean"] == pytest.approx(0.7)
    assert s["accuracy"]["sd"] == pytest.approx(0.2)  # sample sd of 0.5, 0.7, 0.9
    assert s["accuracy"]["n"] == 3
    assert s["auroc"] == {"mean": pytest.approx(0.7), "sd": pytest.approx(np.sqrt(0.02)), "n": 2}
    assert summarize([{"accuracy": 0.5}])["accuracy"]["sd"] == 0.0


def test_local_evaluate_module_matches_compute_metrics():
    import evaluate

    path = Path(__file__).resolve().parents[1] / "benchmark" / "evaluate_metric"
    metric = evaluate.load(str(path))
    probs = binary_probs([0.1, 0.6, 0.8, 0.4, 0.9, 0.2])
    labels = [0, 0, 1, 1, 1, 0]
    got = metric.compute(predictions=probs.tolist(), references=labels)
    assert got == pytest.approx(compute_metrics(labels, probs))


def test_evaluate_module_has_one_import_per_line():
    text = (Path(__file__).resolve().parents[1] / "benchmark" / "evaluate_metric" / "evaluate_metric.py").read_text()
    for line in text.splitlines():
        if line.startswith("import "):
            assert "," not in line, line
