"""The one interface shared by everything that predicts (scikit-learn style).

Fine-tuned foundation models, baselines and anything a user plugs in implement
`Predictor`; the runner, the leaderboard and interpretation never branch on what
kind of model they hold.
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
from datasets import Dataset


@runtime_checkable
class Predictor(Protocol):
    """Fit on a task's train (+ validation) split, predict class probabilities."""

    def fit(self, train: Dataset, validation: Dataset | None, *, num_labels: int, seed: int) -> "Predictor":
        """Train (and early-stop on `validation` where the model supports it)."""
        ...

    def predict_proba(self, data: Dataset) -> np.ndarray:
        """Probabilities, shape (len(data), num_labels), rows summing to 1."""
        ...

    def info(self) -> dict[str, Any]:
        """The results' `model` block: id, revision, n_params, adapter, trust_remote_code."""
        ...
