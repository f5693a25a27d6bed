"""Classification metrics of the suite, computed with scikit-learn.

`compute_metrics(labels, probs)` is the single place metrics are defined; the harness,
the baselines and the leaderboard's re-scoring all call it, so a submitted number and
the re-computed number can only differ if the predictions differ.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn import metrics as skm

METRIC_NAMES: tuple[str, ...] = (
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "f1_weighted",
    "precision",
    "recall",
    "mcc",
    "auroc",
    "auprc",
)
"""Metrics reported for every task. `precision`/`recall` are macro averages;
AUROC/AUPRC are one-vs-rest macro averages for multiclass tasks."""


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def compute_metrics(labels: Sequence[int], probs: np.ndarray, num_classes: int | None = None) -> dict[str, float | None]:
    """Every suite metric from true labels and class probabilities (n, k).

    Predictions are `argmax(probs)`. Ranking metrics for a class absent from `labels`
    are skipped; if no class can be ranked the value is None.
    """
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != y.shape[0]:
        raise ValueError(f"probs must have shape (n, k) with n={y.shape[0]}, got {p.shape}")
    k = num_classes or p.shape[1]
    pred = p.argmax(axis=1)
    classes = list(range(k))
    out: dict[str, float | None] = {
        "accuracy": float(skm.accuracy_score(y, pred)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y, pred)),
        "f1_macro": float(skm.f1_score(y, pred, average="macro", labels=classes, zero_division=0)),
        "f1_weighted": float(skm.f1_score(y, pred, average="weighted", labels=classes, zero_division=0)),
        "precision": float(skm.precision_score(y, pred, average="macro", labels=classes, zero_division=0)),
        "recall": float(skm.recall_score(y, pred, average="macro", labels=classes, zero_division=0)),
        "mcc": float(skm.matthews_corrcoef(y, pred)),
    }
    present = [c for c in classes if 0 < (y == c).sum() < len(y)]
    if k == 2:
        if len(present) == 2:
            out["auroc"] = float(skm.roc_auc_score(y, p[:, 1]))
            out["auprc"] = float(skm.average_precision_score(y, p[:, 1]))
        else:
            out["auroc"] = out["auprc"] = None
    else:
        if present:
            out["auroc"] = float(np.mean([skm.roc_auc_score(y == c, p[:, c]) for c in present]))
            out["auprc"] = float(np.mean([skm.average_precision_score(y == c, p[:, c]) for c in present]))
        else:
            out["auroc"] = out["auprc"] = None
    return {name: _nan_to_none(out[name]) for name in METRIC_NAMES}


def summarize(per_seed: Sequence[dict[str, float | None]]) -> dict[str, dict[str, float | int | None]]:
    """Mean, sample standard deviation (ddof=1; 0 for one seed) and n per metric."""
    summary: dict[str, dict[str, float | int | None]] = {}
    names = list(METRIC_NAMES) + sorted({k for m in per_seed for k in m} - set(METRIC_NAMES))
    for name in names:
        vals = [m[name] for m in per_seed if m.get(name) is not None]
        if not vals:
            summary[name] = {"mean": None, "sd": None, "n": 0}
            continue
        arr = np.asarray(vals, dtype=np.float64)
        sd = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
        summary[name] = {"mean": float(arr.mean()), "sd": sd, "n": int(len(arr))}
    return summary
