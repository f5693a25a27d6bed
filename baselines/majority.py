"""Majority baseline: predicts the training class prior for every example."""
from __future__ import annotations

from typing import Any

import numpy as np
from datasets import Dataset


class MajorityPredictor:
    """Class prior of the training split; argmax is the majority class (ties: lowest index)."""

    def __init__(self) -> None:
        self.prior: np.ndarray | None = None

    def fit(self, train: Dataset, validation: Dataset | None, *, num_labels: int, seed: int) -> "MajorityPredictor":
        counts = np.bincount(np.asarray(train["label"], dtype=np.int64), minlength=num_labels).astype(np.float64)
        if counts.sum() == 0:
            raise ValueError("majority: empty training split")
        self.prior = counts / counts.sum()
        return self

    def predict_proba(self, data: Dataset) -> np.ndarray:
        if self.prior is None:
            raise RuntimeError("majority: call fit() first")
        return np.tile(self.prior, (len(data), 1))

    def info(self) -> dict[str, Any]:
        k = 0 if self.prior is None else len(self.prior)
        return {"id": "baseline/majority", "revision": None, "n_params": k, "adapter": "majority",
                "trust_remote_code": False}
