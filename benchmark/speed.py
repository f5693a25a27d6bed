"""Fast-path settings for fine-tuning: attention kernel, optimizer, data-loader workers, compile.

Each helper picks what the device and the model allow and says what it picked, so
`bench run` can record it in the results `config` and the throughput benchmark can
report it next to its figures.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import torch

from benchmark.models.base import ModelError

ATTN_CHOICES = ("auto", "sdpa", "eager")
CUDA_PAD_MULTIPLE = 64
"""Default width multiple on CUDA: 16 shapes up to 1,024 tokens, <= 63 pad tokens per row."""
COMPILE_BACKEND = "inductor"
RECOMPILE_LIMIT = 64
"""Graphs torch.compile may keep per function (bucketed widths x a few row counts, train and eval)."""


def on_cuda() -> bool:
    return torch.cuda.is_available()


def resolve_pad_multiple(requested: int | None, uses_attention_mask: bool = True) -> int:
    """Width multiple: `requested`, else 64 on CUDA and 1 (exact widths) on CPU.

    Models that take no attention mask (HyenaDNA, Caduceus) see every pad token, so they
    get no extra padding unless asked.
    """
    if requested is not None:
        if requested < 1:
            raise ModelError(f"--pad-multiple must be at least 1, got {requested}")
        return int(requested)
    return CUDA_PAD_MULTIPLE if on_cuda() and uses_attention_mask else 1


def resolve_workers(requested: int | None) -> int:
    """Data-loader worker processes: `requested`, else 2 on CUDA (collation off the training
    thread) and 0 on CPU (the cores are busy training)."""
    if requested is not None:
        if requested < 0:
            raise ModelError(f"--workers must be >= 0, got {requested}")
        return int(requested)
    if not on_cuda():
        return 0
    return max(0, min(2, (os.cpu_count() or 1) - 1))


def optimizer_name() -> str:
    """The Trainer's `optim`: fused AdamW (one kernel for all parameters) where torch has it
    for the device (CUDA; CPU from torch 2.4), else the multi-tensor (foreach) AdamW."""
    version = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2])
    if on_cuda() or version >= (2, 4):
        return "adamw_torch_fused"
    return "adamw_torch"


def _transformers_model(model: Any) -> Any:
    """The `PreTrainedModel` that owns the attention layers (the backbone of a pooled head)."""
    return getattr(model, "backbone", model)


def set_attention(model: Any, requested: str = "auto") -> str:
    """Switch `model` to `requested` attention and return the implementation in use.

    `auto`: SDPA (`torch.nn.functional.scaled_dot_product_attention`, which dispatches to
    flash / memory-efficient kernels on GPU) when the model class supports it, else what the
    model already uses. `sdpa` on a model without SDPA support is a one-line error.
    """
    if requested not in ATTN_CHOICES:
        raise ModelError(f"--attn must be one of {', '.join(ATTN_CHOICES)}, got '{requested}'")
    target = _transformers_model(model)
    config = getattr(target, "config", None)
    current = getattr(config, "_attn_implementation", None) or "eager"
    supports = bool(getattr(target, "_supports_sdpa", False))
    settable = hasattr(target, "set_attn_implementation")
    want = "sdpa" if requested == "auto" and supports else (current if requested == "auto" else requested)
    if want == current:
        return current
    if want == "sdpa" and not supports:
        raise ModelError(f"--attn sdpa: {type(target).__name__} has no scaled-dot-product attention; use --attn eager or auto")
    if not settable:
        if requested == "auto":
            return current
        raise ModelError(f"--attn {requested}: {type(target).__name__} cannot switch its attention implementation")
    try:
        target.set_attn_implementation(want)
    except (ValueError, ImportError) as exc:
        if requested == "auto":
            return current
        raise ModelError(f"--attn {requested}: {str(exc).splitlines()[0][:200]}") from None
    return getattr(target.config, "_attn_implementation", want) or want


@contextlib.contextmanager
def no_padding_probe() -> Iterator[None]:
    """Build the SDPA mask without asking the GPU whether anything is padded.

    transformers' SDPA mask builders call `bool(padding_mask.all())` on every forward pass
    (to drop the mask and reach the flash kernel when nothing is padded): on CUDA that
    blocks the host until the GPU has finished all queued work, once per step. Inside this
    context they build the (identical) explicit mask instead; only unpadded batches lose the
    mask-free kernel, and with bucketed widths nearly every batch is padded anyway.
    """
    try:
        import transformers.masking_utils as masking
    except ImportError:  # pragma: no cover - older transformers
        yield
        return
    saved: dict[str, Any] = {}
    for name in ("_ignore_bidirectional_mask_sdpa", "_ignore_causal_mask_sdpa"):
        original = getattr(masking, name, None)
        if original is None:
            continue

        def patched(padding_mask: Any, *args: Any, _original: Any = original, **kwargs: Any) -> bool:
            if padding_mask is not None and getattr(padding_mask, "is_cuda", False):
                return False
            return _original(padding_mask, *args, **kwargs)

        saved[name] = original
        setattr(masking, name, patched)
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(masking, name, original)


def allow_bucketed_recompiles() -> None:
    """Compile for many bucketed shapes: batch and width dimensions are symbolic from the first
    compile (one graph for all widths instead of a static one first, then a dynamic one), and
    torch.compile may keep more graphs (e.g. single-row batches) before falling back to eager."""
    import torch._dynamo

    cfg = torch._dynamo.config
    if hasattr(cfg, "assume_static_by_default"):
        cfg.assume_static_by_default = False
    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(cfg, name) and getattr(cfg, name) < RECOMPILE_LIMIT:
            setattr(cfg, name, RECOMPILE_LIMIT)
