"""The adapter interface: one object hides a model family's tokenization quirks.

An adapter turns DNA strings into token ids (content tokens, then the tokenizer's own
special tokens around them), knows the model's maximum length, its pooling and whether
it needs remote code. Long inputs are cut head+tail (default) or into sliding windows.
"""
from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

from benchmark.models.errors import ModelError

PROBE = "ACGTACGTACGTACGTACGTACGTACGTACGT"
"""A DNA string used to discover which special tokens a tokenizer puts around content."""

UNBOUNDED = 10**7
"""Tokenizers report `model_max_length` ~1e30 when they do not know; treat >= this as unknown."""


def head_tail(ids: list[int], budget: int) -> list[int]:
    """Keep `ids` whole when they fit; else the first ceil(budget/2) and last floor(budget/2).

    Short inputs are never duplicated: head and tail only exist when `len(ids) > budget`,
    so they come from disjoint parts of the sequence.
    """
    if len(ids) <= budget:
        return list(ids)
    tail = budget // 2
    head = budget - tail
    return list(ids[:head]) + (list(ids[-tail:]) if tail else [])


def window_starts(n: int, budget: int, stride: int) -> list[int]:
    """Start offsets of windows of `budget` tokens covering `n` tokens; the last ends at `n`."""
    if n <= budget:
        return [0]
    starts = list(range(0, n - budget + 1, max(1, stride)))
    if starts[-1] != n - budget:
        starts.append(n - budget)
    return starts


def accepts_argument(model: Any, name: str) -> bool:
    """Whether `model.forward` takes `name` (or **kwargs)."""
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError, AttributeError):  # pragma: no cover - exotic callables
        return True
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def special_affixes(tokenizer: Any, text: str) -> tuple[list[int], list[int]]:
    """The special-token ids a tokenizer puts before and after content (e.g. [CLS] ... [SEP])."""
    bare = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    full = list(tokenizer(text, add_special_tokens=True)["input_ids"])
    if not bare:
        return [], []
    for i in range(len(full) - len(bare) + 1):
        if full[i:i + len(bare)] == bare:
            return full[:i], full[i + len(bare):]
    return [], []


class Adapter:
    """Default behaviour (used as the generic fallback); families override what differs."""

    name: ClassVar[str] = "generic"
    description: ClassVar[str] = "AutoTokenizer + AutoModelForSequenceClassification (or AutoModel + mean pooling + linear head)"
    needs_remote_code: ClassVar[bool] = False
    pooling: ClassVar[str] = "mean"
    uses_attention_mask: ClassVar[bool] = True
    default_max_length: ClassVar[int] = 512

    def __init__(self, tokenizer: Any, config: Any) -> None:
        self.tokenizer = tokenizer
        self.config = config
        self.prepare()
        self.prefix, self.suffix = special_affixes(tokenizer, self.text(PROBE))

    # --- detection -------------------------------------------------------------------
    @classmethod
    def matches(cls, config: Any, tokenizer: Any) -> bool:
        """Whether this adapter is the right one for (config, tokenizer)."""
        return True

    # --- tokenization ----------------------------------------------------------------
    def prepare(self) -> None:
        """Fix the tokenizer/config in place (pad token, padding side)."""
        tok = self.tokenizer
        if tok.pad_token is None:
            if tok.eos_token is not None:
                tok.pad_token = tok.eos_token
            elif tok.unk_token is not None:
                tok.pad_token = tok.unk_token
        if tok.pad_token_id is not None:
            self.config.pad_token_id = tok.pad_token_id

    def text(self, seq: str) -> str:
        """The string handed to the tokenizer for one DNA sequence."""
        return seq

    def content_ids(self, seqs: Sequence[str]) -> list[list[int]]:
        """Token ids of each sequence without special tokens (no truncation)."""
        enc = self.tokenizer([self.text(s) for s in seqs], add_special_tokens=False, truncation=False)
        return [list(x) for x in enc["input_ids"]]

    def encode(self, seqs: Sequence[str], max_length: int, windows: bool = False,
               stride: int | None = None) -> tuple[list[list[int]], list[int]]:
        """Model inputs (with special tokens) and, per input, the index of its sequence.

        Without `windows` there is one input per sequence, cut head+tail to `max_length`;
        with `windows`, every sequence becomes overlapping windows (stride = half a window).
        """
        budget = max_length - len(self.prefix) - len(self.suffix)
        if budget < 1:
            raise ModelError(f"max length {max_length} leaves no room for content after special tokens")
        out: list[list[int]] = []
        owner: list[int] = []
        for i, ids in enumerate(self.content_ids(seqs)):
            if windows:
                step = stride or max(1, budget // 2)
                for s in window_starts(len(ids), budget, step):
                    out.append(self.prefix + ids[s:s + budget] + self.suffix)
                    owner.append(i)
            else:
                out.append(self.prefix + head_tail(ids, budget) + self.suffix)
                owner.append(i)
        return out, owner

    # --- model -------------------------------------------------------------------------
    def bind(self, model: Any) -> None:
        """Adjust to the built model: a model whose forward takes no `attention_mask` gets none."""
        if self.uses_attention_mask and not accepts_argument(model, "attention_mask"):
            self.uses_attention_mask = False

    def padding_side(self) -> str:
        """`right` when the model sees no mask, else the tokenizer's own side.

        Without a mask nothing hides padding from the model: pads after the content leave a causal
        model's content positions exactly as unpadded, and the heads of such models (HyenaDNA, HF
        decoders) pool the token before the first pad; pads before it (the published HyenaDNA
        tokenizer pads left) would sit in the causal past of every content token.
        """
        if not self.uses_attention_mask:
            return "right"
        side = getattr(self.tokenizer, "padding_side", None)
        return side if side in ("left", "right") else "right"

    def model_max_length(self) -> int | None:
        """Largest number of tokens (with specials) the model accepts; None if unbounded."""
        cfg = self.config
        limits: list[int] = []
        mpe = getattr(cfg, "max_position_embeddings", None)
        if isinstance(mpe, int) and getattr(cfg, "position_embedding_type", "absolute") != "rotary":
            offset = 2 if getattr(cfg, "model_type", "") in ("roberta", "xlm-roberta", "camembert", "esm") else 0
            limits.append(mpe - offset)
        for key in ("n_positions", "max_seq_len"):
            val = getattr(cfg, key, None)
            if isinstance(val, int):
                limits.append(val)
        tml = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(tml, int) and 0 < tml < UNBOUNDED:
            limits.append(tml)
        return min(limits) if limits else None

    def resolve_max_length(self, requested: int | None) -> int:
        """`requested` checked against the model's limit; default min(limit, family default)."""
        limit = self.model_max_length()
        if requested is None:
            return min(limit, self.default_max_length) if limit else self.default_max_length
        if requested < 2:
            raise ModelError(f"--max-length must be at least 2, got {requested}")
        if limit is not None and requested > limit:
            raise ModelError(f"--max-length {requested} is larger than the model allows ({limit} tokens)")
        return requested

    def describe(self) -> dict[str, Any]:
        """What `bench ls` and `phenoseq.json` record about this adapter."""
        return {"adapter": self.name, "pooling": self.pooling, "needs_remote_code": self.needs_remote_code,
                "uses_attention_mask": self.uses_attention_mask, "model_max_length": self.model_max_length()}
