"""Small one-hot CNN (Basset/DeepSEA-like, ~222 k parameters for 2 classes), seeded, early-stopped.

Sequences are one-hot encoded (A, C, G, T channels; N and padding are all-zero) and cut to
`max_len` by keeping the head and tail halves. Training: Adam on cross-entropy, the
weights of the epoch with the lowest validation loss are kept; training stops after
`patience` epochs without improvement (never before `min_epochs`). On CPU it runs with
`num_threads` intra-op threads (default 1: for a model this small, more threads mostly add
synchronisation cost, and on a shared machine they can make it several times slower).
"""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from datasets import Dataset
from torch import nn

_LUT = np.full(256, -1, dtype=np.int8)
for _i, _c in enumerate("ACGT"):
    _LUT[ord(_c)] = _i
    _LUT[ord(_c.lower())] = _i


def encode(sequences: list[str], max_len: int) -> np.ndarray:
    """Base codes (n, L) int8, -1 for N/padding; L = min(longest, max_len), head+tail truncation."""
    longest = max((len(s) for s in sequences), default=1)
    width = max(1, min(longest, max_len))
    out = np.full((len(sequences), width), -1, dtype=np.int8)
    head = width - width // 2
    for i, s in enumerate(sequences):
        if len(s) > width:
            s = s[:head] + s[len(s) - (width - head):]
        out[i, : len(s)] = _LUT[np.frombuffer(s.encode("ascii", "replace"), dtype=np.uint8)]
    return out


def one_hot(codes: np.ndarray) -> torch.Tensor:
    """(n, L) codes -> (n, 4, L) float32 one-hot."""
    x = np.zeros((codes.shape[0], 4, codes.shape[1]), dtype=np.float32)
    n_idx, pos = np.nonzero(codes >= 0)
    x[n_idx, codes[n_idx, pos], pos] = 1.0
    return torch.from_numpy(x)


class SmallCNN(nn.Module):
    """conv 19 (c1) -> pool 8 -> conv 11 (c2) -> pool 4 -> conv 7 (c3) -> global max -> dense -> logits.

    Early, aggressive pooling keeps it cheap on CPU; most parameters sit in conv 2/3 and the dense layer.
    """

    def __init__(self, num_labels: int, channels: tuple[int, int, int] = (64, 96, 160), hidden: int = 256,
                 dropout: float = 0.3) -> None:
        super().__init__()
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            nn.Conv1d(4, c1, 19, padding=9), nn.ReLU(), nn.MaxPool1d(8, ceil_mode=True), nn.Dropout(0.1),
            nn.Conv1d(c1, c2, 11, padding=5), nn.ReLU(), nn.MaxPool1d(4, ceil_mode=True), nn.Dropout(0.1),
            nn.Conv1d(c2, c3, 7, padding=3), nn.ReLU(), nn.AdaptiveMaxPool1d(1),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c3, hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, num_labels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run with `n` intra-op CPU threads (None: leave torch's setting), restoring it afterwards."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def n_parameters(module: nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters()))


class CNNPredictor:
    """`Predictor` around `SmallCNN`."""

    def __init__(self, max_len: int = 1024, batch_size: int = 32, lr: float = 3e-3, max_epochs: int = 40,
                 patience: int = 6, min_epochs: int = 10, channels: tuple[int, int, int] = (64, 96, 160),
                 device: str = "auto", num_threads: int | None = 1) -> None:
        self.max_len, self.batch_size, self.lr = int(max_len), int(batch_size), float(lr)
        self.channels, self.min_epochs = tuple(int(c) for c in channels), int(min_epochs)
        self.max_epochs, self.patience = int(max_epochs), int(patience)
        self.device = torch.device("cuda" if device == "auto" and torch.cuda.is_available() else
                                   ("cpu" if device == "auto" else device))
        self.num_threads = num_threads
        self.model: SmallCNN | None = None
        self.history: list[dict[str, float]] = []
        self.best_epoch = -1

    def _batches(self, codes: np.ndarray, order: np.ndarray):
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            yield idx, one_hot(codes[idx]).to(self.device)

    def _loss(self, codes: np.ndarray, y: np.ndarray) -> float:
        assert self.model is not None
        self.model.eval()
        total = 0.0
        with torch.no_grad():
            for idx, x in self._batches(codes, np.arange(len(codes))):
                logits = self.model(x)
                total += float(nn.functional.cross_entropy(logits, torch.from_numpy(y[idx]).to(self.device),
                                                           reduction="sum"))
        return total / max(len(codes), 1)

    @classmethod
    def from_options(cls, task: Any, epochs: float | None = None, threads: int | None = None) -> "CNNPredictor":
        """From `bench baseline cnn` options: --epochs (maximum epochs), --threads."""
        kwargs: dict[str, Any] = {}
        if epochs is not None:
            kwargs["max_epochs"] = int(epochs)
        if threads is not None:
            kwargs["num_threads"] = threads
        return cls(**kwargs)

    def fit(self, train: Dataset, validation: Dataset | None, *, num_labels: int, seed: int) -> "CNNPredictor":
        with torch_threads(self.num_threads if self.device.type == "cpu" else None):
            return self._fit(train, validation, num_labels, seed)

    def _fit(self, train: Dataset, validation: Dataset | None, num_labels: int, seed: int) -> "CNNPredictor":
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        self.model = SmallCNN(num_labels, channels=self.channels).to(self.device)
        opt = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        codes = encode(list(train["sequence"]), self.max_len)
        y = np.asarray(train["label"], dtype=np.int64)
        has_val = validation is not None and len(validation) > 0
        if has_val:
            v_codes = encode(list(validation["sequence"]), self.max_len)
            v_y = np.asarray(validation["label"], dtype=np.int64)
        best, best_state, stale = float("inf"), None, 0
        self.history, self.best_epoch = [], -1
        for epoch in range(self.max_epochs):
            self.model.train()
            for idx, x in self._batches(codes, rng.permutation(len(codes))):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(self.model(x), torch.from_numpy(y[idx]).to(self.device))
                loss.backward()
                opt.step()
            val = self._loss(v_codes, v_y) if has_val else self._loss(codes, y)
            self.history.append({"epoch": epoch, "val_loss": val})
            if val < best - 1e-6:
                best, best_state, stale, self.best_epoch = val, copy.deepcopy(self.model.state_dict()), 0, epoch
            else:
                stale += 1
                if stale >= self.patience and epoch + 1 >= self.min_epochs:
                    break
        if best_state is not None:
            self.model.load_state_dict(best_state)
        return self

    def predict_proba(self, data: Dataset) -> np.ndarray:
        if self.model is None:
            raise RuntimeError("cnn: call fit() first")
        self.model.eval()
        codes = encode(list(data["sequence"]), self.max_len)
        out = []
        with torch.no_grad(), torch_threads(self.num_threads if self.device.type == "cpu" else None):
            for _, x in self._batches(codes, np.arange(len(codes))):
                out.append(torch.softmax(self.model(x).double(), dim=1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.model.head[-1].out_features))

    def info(self) -> dict[str, Any]:
        n = 0 if self.model is None else n_parameters(self.model)
        return {"id": "baseline/cnn", "revision": None, "n_params": n, "adapter": "one-hot-cnn",
                "trust_remote_code": False}

    def config(self) -> dict[str, Any]:
        """Hyper-parameters for the results' `config` block."""
        return {"max_len": self.max_len, "batch_size": self.batch_size, "lr": self.lr, "max_epochs": self.max_epochs,
                "patience": self.patience, "min_epochs": self.min_epochs, "channels": list(self.channels), "early_stop": "validation loss", "device": str(self.device),
                "num_threads": self.num_threads}
