"""Encoded splits, the padding collator and token-budget batches.

Kept apart from training so the throughput benchmark times exactly the same code.

Shape bucketing: on an accelerator every new tensor shape costs kernel selection (and a
recompile under `torch.compile`), so batch widths are rounded up to a multiple
(`pad_multiple`, 64 on CUDA), never past the model's max length. Token-budget batches
(`max_tokens`) hold as many sequences as fit `rows x padded width <= max_tokens`: short
sequences fill a step, long ones cannot run out of memory, and each width bucket has
one row count, so the shapes stay few.
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


def bucket_width(longest: int, multiple: int | None = None, cap: int | None = None) -> int:
    """`longest` rounded up to a multiple of `multiple` (1/None: unchanged), but never above `cap`
    (the model's max length), so bucketing cannot ask for positions the model lacks."""
    width = int(longest)
    if multiple and multiple > 1:
        width = -(-width // multiple) * multiple
    if cap is not None:
        width = min(width, max(int(cap), int(longest)))
    return width


class PadCollator:
    """Pads `input_ids` to the longest in the batch (dynamic) or to `pad_to` (pad-to-max).

    With `multiple_of` the width is rounded up to that multiple (shape bucketing), capped
    at `max_width`. Emits `attention_mask` unless the model takes none; respects
    left/right padding; ignores every other column (e.g. `length`).
    """

    def __init__(self, pad_id: int, padding_side: str = "right", pad_to: int | None = None,
                 multiple_of: int | None = None, attention_mask: bool = True, max_width: int | None = None) -> None:
        self.pad_id = int(pad_id)
        self.left = padding_side == "left"
        self.pad_to = pad_to
        self.multiple_of = multiple_of
        self.attention_mask = attention_mask
        self.max_width = max_width

    def width(self, longest: int) -> int:
        return bucket_width(self.pad_to or longest, self.multiple_of, self.max_width)

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


def token_budget_batches(lengths: Sequence[int], max_tokens: int, pad_multiple: int | None = 1,
                         max_width: int | None = None, rng: np.random.Generator | None = None) -> list[list[int]]:
    """Batches of indices whose padded size (rows x bucketed width) stays within `max_tokens`.

    Inputs are grouped by bucketed width (`bucket_width`); each bucket, narrowest first, is cut
    into batches of `max(1, max_tokens // width)` rows. The few left over join the next wider
    bucket (they pad to its width), so only the widest bucket can end in a short batch and the
    number of batches depends on the lengths alone, never on the shuffle. With `rng` the order
    within buckets and the order of the batches are shuffled; without it the batches run from
    the shortest inputs to the longest (evaluation).
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be positive, got {max_tokens}")
    lengths = np.asarray(lengths, dtype=np.int64)
    if not len(lengths):
        return []
    widths = np.array([bucket_width(n, pad_multiple, max_width) for n in lengths], dtype=np.int64)
    batches: list[list[int]] = []
    carry: list[int] = []
    for width in np.unique(widths):
        members = np.flatnonzero(widths == width)
        members = rng.permutation(members) if rng is not None else members[np.argsort(lengths[members], kind="stable")]
        items = carry + members.tolist()
        rows = max(1, int(max_tokens) // int(width))
        full = len(items) // rows * rows
        batches.extend(items[i:i + rows] for i in range(0, full, rows))
        carry = items[full:]
    if carry:
        batches.append(carry)
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


class TokenBudgetBatchSampler(torch.utils.data.Sampler):
    """`torch.utils.data.DataLoader` batch sampler over `token_budget_batches`, reshuffled per epoch.

    The order depends on (`seed`, epoch) only: `set_epoch` (called by the Trainer) picks the
    epoch; without it every new pass counts as the next epoch. `len` is the same every epoch.
    """

    def __init__(self, lengths: Sequence[int], max_tokens: int, *, pad_multiple: int | None = 1,
                 max_width: int | None = None, shuffle: bool = True, seed: int = 0) -> None:
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.max_tokens, self.pad_multiple, self.max_width = int(max_tokens), pad_multiple, max_width
        self.shuffle, self.seed = shuffle, int(seed)
        self.epoch = 0
        self._next = 0
        self._count = len(token_budget_batches(self.lengths, self.max_tokens, pad_multiple, max_width))

    def set_epoch(self, epoch: int) -> None:
        self._next = int(epoch)

    def batches(self, epoch: int) -> list[list[int]]:
        rng = np.random.default_rng([self.seed, int(epoch)]) if self.shuffle else None
        return token_budget_batches(self.lengths, self.max_tokens, self.pad_multiple, self.max_width, rng)

    def __iter__(self):
        self.epoch = self._next
        self._next = self.epoch + 1
        return iter(self.batches(self.epoch))

    def __len__(self) -> int:
        return self._count


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
