"""Encoded splits and the padding collator (dynamic or pad-to-max).

Kept apart from training so the throughput benchmark times exactly the same code.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from benchmark.models.base import Adapter


def encode_split(adapter: Adapter, sequences: Sequence[str], labels: Sequence[int] | None, max_length: int,
                 windows: bool = False, stride: int | None = None) -> tuple[dict[str, list], np.ndarray]:
    """Columns `input_ids`, `length` (and `labels`) for a model, plus each input's sequence index."""
    ids, owner = adapter.encode(list(sequences), max_length, windows=windows, stride=stride)
    cols: dict[str, list] = {"input_ids": ids, "length": [len(x) for x in ids]}
    if labels is not None:
        lab = np.asarray(labels, dtype=np.int64)
        cols["labels"] = lab[np.asarray(owner, dtype=np.int64)].tolist() if len(owner) else []
    return cols, np.asarray(owner, dtype=np.int64)


class PadCollator:
    """Pads `input_ids` to the longest in the batch (dynamic) or to `pad_to` (pad-to-max).

    Emits `attention_mask` unless the model takes none; respects left/right padding;
    ignores every other column (e.g. `length`).
    """

    def __init__(self, pad_id: int, padding_side: str = "right", pad_to: int | None = None,
                 multiple_of: int | None = None, attention_mask: bool = True) -> None:
        self.pad_id = int(pad_id)
        self.left = padding_side == "left"
        self.pad_to = pad_to
        self.multiple_of = multiple_of
        self.attention_mask = attention_mask

    def width(self, longest: int) -> int:
        width = self.pad_to or longest
        if self.multiple_of:
            width = -(-width // self.multiple_of) * self.multiple_of
        return width

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        seqs = [f["input_ids"] for f in features]
        width = self.width(max(len(s) for s in seqs))
        ids = np.full((len(seqs), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(seqs), width), dtype=np.int64)
        for i, s in enumerate(seqs):
            n = len(s)
            if self.left:
                ids[i, width - n:] = s
                mask[i, width - n:] = 1
            else:
                ids[i, :n] = s
                mask[i, :n] = 1
        batch = {"input_ids": torch.from_numpy(ids)}
        if self.attention_mask:
            batch["attention_mask"] = torch.from_numpy(mask)
        if "labels" in features[0]:
            batch["labels"] = torch.tensor([int(f["labels"]) for f in features], dtype=torch.long)
        return batch


def pool_logits(logits: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Mean of the window logits of each sequence -> (n, k)."""
    logits = np.asarray(logits, dtype=np.float64)
    out = np.zeros((n, logits.shape[1]), dtype=np.float64)
    counts = np.bincount(owner, minlength=n).astype(np.float64)
    np.add.at(out, owner, logits)
    return out / np.maximum(counts, 1.0)[:, None]


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
