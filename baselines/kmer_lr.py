"""k-mer spectrum (k = 1..6, normalised, sparse) + logistic regression (scikit-learn)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from datasets import Dataset
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from baselines.kmers import DEFAULT_KS, kmer_spectrum, n_features


class KmerLRPredictor:
    """Per-column scaled (no centring, keeps sparsity) k-mer frequencies into L2 logistic regression.

    The validation split is not used for training (no early stopping in lbfgs).
    """

    def __init__(self, ks: Sequence[int] = DEFAULT_KS, C: float = 0.1, max_iter: int = 500, tol: float = 1e-3) -> None:
        self.ks = tuple(sorted(set(int(k) for k in ks)))
        self.C, self.max_iter, self.tol = float(C), int(max_iter), float(tol)
        self.scaler: StandardScaler | None = None
        self.model: LogisticRegression | None = None
        self.num_labels = 0

    def _features(self, data: Dataset) -> Any:
        return kmer_spectrum(list(data["sequence"]), self.ks)

    def fit(self, train: Dataset, validation: Dataset | None, *, num_labels: int, seed: int) -> "KmerLRPredictor":
        y = np.asarray(train["label"], dtype=np.int64)
        self.num_labels = num_labels
        self.scaler = StandardScaler(with_mean=False, copy=False)
        x = self.scaler.fit_transform(self._features(train))
        self.model = LogisticRegression(C=self.C, max_iter=self.max_iter, tol=self.tol, random_state=seed)
        self.model.fit(x, y)
        return self

    def predict_proba(self, data: Dataset) -> np.ndarray:
        if self.model is None or self.scaler is None:
            raise RuntimeError("kmer-lr: call fit() first")
        p = self.model.predict_proba(self.scaler.transform(self._features(data), copy=False))
        out = np.zeros((p.shape[0], self.num_labels), dtype=np.float64)
        out[:, self.model.classes_] = p  # classes absent from train get probability 0
        return out

    def info(self) -> dict[str, Any]:
        n = 0 if self.model is None else int(self.model.coef_.size + self.model.intercept_.size)
        return {"id": "baseline/kmer-lr", "revision": None, "n_params": n,
                "adapter": "kmer-spectrum", "trust_remote_code": False}

    def config(self) -> dict[str, Any]:
        """Hyper-parameters for the results' `config` block."""
        return {"ks": list(self.ks), "n_features": n_features(self.ks), "C": self.C, "max_iter": self.max_iter,
                "tol": self.tol, "scaling": "per-column sd (no centring)"}
