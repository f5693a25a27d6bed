"""Classification metrics of the suite: one registry, computed with scikit-learn.

`METRICS` is the single place a metric is defined: its name, how it is computed from true labels
and class probabilities, whether higher is better, whether the leaderboard shows it (and under
which title), and the results schema version that introduced it. `compute_metrics` runs them
all; the harness, the baselines and the leaderboard's re-scoring all call it, so a submitted
number and the re-computed number can only differ if the predictions differ.

Adding a metric: append a `Metric` with `since=` the next results schema version and bump
`benchmark.results.SCHEMA_VERSION`; results files of older versions still validate (only the
metrics of their version are compared) and are stored with every current metric.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

PROB_SUM_TOLERANCE = 1e-4
"""Rows of class probabilities must sum to 1 within this."""


@dataclass(frozen=True)
class Scores:
    """What every metric function gets: true labels, class probabilities and their argmax."""

    labels: np.ndarray
    """(n,) int class ids."""
    probs: np.ndarray
    """(n, k) class probabilities."""
    k: int

    @property
    def pred(self) -> np.ndarray:
        return self.probs.argmax(axis=1)

    @property
    def classes(self) -> list[int]:
        return list(range(self.k))

    @property
    def rankable(self) -> list[int]:
        """Classes both present and absent in `labels` (the only ones a ranking metric can score)."""
        return [c for c in self.classes if 0 < (self.labels == c).sum() < len(self.labels)]


@dataclass(frozen=True)
class Metric:
    """One metric: see module docstring."""

    name: str
    compute: Callable[[Scores], float | None]
    higher_is_better: bool = True
    on_board: bool = False
    title: str = ""
    """Column header on the leaderboard (for `on_board` metrics)."""
    since: int = 1
    """Results schema version (`phenoseq-results/<since>`) that introduced this metric."""
    description: str = ""


def _macro(fn: Callable[..., float]) -> Callable[[Scores], float]:
    return lambda s: float(fn(s.labels, s.pred, average="macro", labels=s.classes, zero_division=0))


def _ranking(fn: Callable[[np.ndarray, np.ndarray], float]) -> Callable[[Scores], float | None]:
    """Binary: the positive class's score; multiclass: one-vs-rest mean over the rankable classes."""
    def compute(s: Scores) -> float | None:
        present = s.rankable
        if s.k == 2:
            return float(fn(s.labels, s.probs[:, 1])) if len(present) == 2 else None
        if not present:
            return None
        return float(np.mean([fn(s.labels == c, s.probs[:, c]) for c in present]))
    return compute


METRICS: tuple[Metric, ...] = (
    Metric("accuracy", lambda s: float(skm.accuracy_score(s.labels, s.pred)), on_board=True, title="Accuracy"),
    Metric("balanced_accuracy", lambda s: float(skm.balanced_accuracy_score(s.labels, s.pred)),
           description="mean per-class recall"),
    Metric("f1_macro", _macro(skm.f1_score), on_board=True, title="F1 (macro)"),
    Metric("f1_weighted", lambda s: float(skm.f1_score(s.labels, s.pred, average="weighted", labels=s.classes,
                                                       zero_division=0))),
    Metric("precision", _macro(skm.precision_score), description="macro average"),
    Metric("recall", _macro(skm.recall_score), description="macro average"),
    Metric("mcc", lambda s: float(skm.matthews_corrcoef(s.labels, s.pred)), on_board=True, title="MCC",
           description="Matthews correlation coefficient; the leaderboard ranks by it"),
    Metric("auroc", _ranking(skm.roc_auc_score), on_board=True, title="AUROC",
           description="one-vs-rest macro average for multiclass; None when no class can be ranked"),
    Metric("auprc", _ranking(skm.average_precision_score),
           description="average precision, one-vs-rest macro average for multiclass"),
    Metric("log_loss", lambda s: float(skm.log_loss(s.labels, s.probs / s.probs.sum(axis=1, keepdims=True),
                                                    labels=s.classes)), higher_is_better=False,
           since=2, description="cross-entropy of the class probabilities (calibration as well as ranking); "
                                "rows renormalised (they sum to 1 within PROB_SUM_TOLERANCE)"),
)
"""Every metric reported for every task, in report order."""


def metric_names(schema_version: int | None = None) -> tuple[str, ...]:
    """Names of the metrics a results file of `schema_version` carries (default: every current metric)."""
    return tuple(m.name for m in METRICS if schema_version is None or m.since <= schema_version)


def get_metric(name: str) -> Metric:
    """The registered metric called `name` (KeyError otherwise)."""
    for m in METRICS:
        if m.name == name:
            return m
    raise KeyError(name)


METRIC_NAMES: tuple[str, ...] = metric_names()


def _nan_to_none(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def probability_problem(probs: np.ndarray, ids: Sequence[str]) -> str | None:
    """Why `probs` (n, k; row i is example `ids[i]`) are not class probabilities, else None."""
    def short(x: object) -> str:
        s = str(x)
        return repr(s if len(s) <= 60 else s[:60] + "…")

    probs = np.asarray(probs, dtype=np.float64)
    bad = ~np.isfinite(probs).all(axis=1)
    if bad.any():
        return f"probabilities are NaN or infinite for {int(bad.sum())} row(s), e.g. id {short(ids[int(np.argmax(bad))])}"
    if (probs < 0).any() or (probs > 1 + PROB_SUM_TOLERANCE).any():
        return "probabilities outside [0, 1]"
    sums = probs.sum(axis=1)
    off = np.abs(sums - 1.0) > PROB_SUM_TOLERANCE
    if off.any():
        i = int(np.argmax(off))
        return f"probabilities of {int(off.sum())} row(s) do not sum to 1, e.g. id {short(ids[i])} sums to {sums[i]:.6g}"
    return None


def compute_metrics(labels: Sequence[int], probs: np.ndarray, num_classes: int | None = None) -> dict[str, float | None]:
    """Every metric of `METRICS` from true labels and class probabilities (n, k).

    Predictions are `argmax(probs)`. Ranking metrics for a class absent from `labels`
    are skipped; if no class can be ranked the value is None.
    """
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != y.shape[0]:
        raise ValueError(f"probs must have shape (n, k) with n={y.shape[0]}, got {p.shape}")
    scores = Scores(labels=y, probs=p, k=num_classes or p.shape[1])
    return {m.name: _nan_to_none(m.compute(scores)) for m in METRICS}


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
