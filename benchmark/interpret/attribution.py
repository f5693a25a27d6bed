"""Per-base attributions: last-layer CLS attention, gradient x input, integrated gradients.

Every method first scores tokens, then `spread_to_bases` puts the token scores back on
the bases: each base gets the mean score of the tokens covering it (an overlapping
k-mer token covers k bases). Special and padding tokens have no span and are excluded;
bases no token covers (truncated) get NaN.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from benchmark.interpret.handle import Encoded, ModelHandle, Span
from loaders.core.errors import UserError

METHODS: tuple[str, ...] = ("attention", "gradxinput", "ig")


class AttributionError(UserError, ValueError):
    """A method that the model cannot support (one-line message)."""


def spread_to_bases(token_scores: Sequence[float] | np.ndarray, spans: Sequence[Span], length: int) -> np.ndarray:
    """Per-base mean of the scores of the tokens covering each base; NaN where none does."""
    total = np.zeros(length, dtype=np.float64)
    count = np.zeros(length, dtype=np.int64)
    for score, span in zip(np.asarray(token_scores, dtype=np.float64), spans):
        if span is None:
            continue
        s, e = max(span[0], 0), min(span[1], length)
        if e > s:
            total[s:e] += score
            count[s:e] += 1
    out = np.full(length, np.nan)
    covered = count > 0
    out[covered] = total[covered] / count[covered]
    return out


def cls_attention(last_layer: np.ndarray, query_index: Sequence[int]) -> np.ndarray:
    """Attention from the CLS query to every token, summed over heads: (B, H, T, T) -> (B, T)."""
    att = np.asarray(last_layer)
    rows = [att[b, :, q, :].sum(axis=0) for b, q in enumerate(query_index)]
    return np.stack(rows) if rows else np.zeros((0, att.shape[-1]))


def _cls_positions(enc: Encoded, cls_id: int | None) -> list[int]:
    if cls_id is None:
        raise AttributionError("attention attribution needs a CLS token; use --method gradxinput or ig")
    pos = []
    for row in enc.input_ids.tolist():
        if cls_id not in row:
            raise AttributionError("no CLS token in the model input; use --method gradxinput or ig")
        pos.append(row.index(cls_id))
    return pos


def _batches(seqs: Sequence[str], batch_size: int) -> list[Sequence[str]]:
    return [seqs[i : i + batch_size] for i in range(0, len(seqs), batch_size)]


def attention_tokens(handle: ModelHandle, enc: Encoded) -> np.ndarray:
    """Token scores (B, T) from the last layer's CLS->token attention summed over heads."""
    backbone = getattr(handle.model, "backbone", None)  # the harness's PooledClassifier drops attentions
    model = backbone if backbone is not None else handle.model
    if hasattr(model, "set_attn_implementation"):
        try:
            model.set_attn_implementation("eager")
        except Exception:  # pragma: no cover - models with a single implementation
            pass
    with torch.no_grad():
        if backbone is not None:
            kw = {"attention_mask": enc.attention_mask} if handle.accepts_attention_mask else {}
            out = backbone(input_ids=enc.input_ids, output_attentions=True, **kw)
        else:
            out = handle.forward(enc.input_ids, enc.attention_mask, output_attentions=True)
    attentions = getattr(out, "attentions", None)
    if not attentions:
        raise AttributionError(f"{handle.name} returns no attention weights (attention-free?); use --method gradxinput or ig")
    return cls_attention(attentions[-1].float().cpu().numpy(), _cls_positions(enc, handle.tokenizer.cls_token_id))


def _targets(handle: ModelHandle, enc: Encoded, target: Sequence[int] | int | None) -> torch.Tensor:
    if target is None:
        with torch.no_grad():
            return handle.logits(enc.input_ids, enc.attention_mask).argmax(-1)
    if isinstance(target, int):
        return torch.full((enc.input_ids.shape[0],), target, dtype=torch.long, device=enc.input_ids.device)
    return torch.as_tensor(list(target), dtype=torch.long, device=enc.input_ids.device)


def _embedding_layer(handle: ModelHandle) -> torch.nn.Module:
    layer = None
    for owner in (handle.model, getattr(handle.model, "backbone", None)):
        get = getattr(owner, "get_input_embeddings", None)
        layer = get() if get else None
        if layer is not None:
            break
    if layer is None:
        raise AttributionError(f"{handle.name} exposes no input embedding layer")
    return layer


def gradient_tokens(handle: ModelHandle, enc: Encoded, method: str, target: Sequence[int] | int | None,
                    n_steps: int = 32) -> np.ndarray:
    """Token scores (B, T): gradient x input or integrated gradients of the target class's
    log-probability on the input embeddings, summed over the hidden dimension (captum layer attributions)."""
    from captum.attr import LayerGradientXActivation, LayerIntegratedGradients

    layer = _embedding_layer(handle)
    tgt = _targets(handle, enc, target)

    def fwd(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        # log-probabilities, not raw logits: a class can be won by pushing the other logits
        # down, which the raw target logit misses (for two classes this is logit1 - logit0).
        return torch.log_softmax(handle.logits(input_ids, attention_mask).float(), dim=-1)

    if method == "gradxinput":
        attr = LayerGradientXActivation(fwd, layer).attribute(
            enc.input_ids, target=tgt, additional_forward_args=(enc.attention_mask,))
    elif method == "ig":
        pad = handle.tokenizer.pad_token_id
        pad = 0 if pad is None else pad
        content = torch.tensor([[s is not None for s in row] for row in enc.spans], device=enc.input_ids.device)
        baseline = torch.where(content, torch.full_like(enc.input_ids, pad), enc.input_ids)
        attr = LayerIntegratedGradients(fwd, layer).attribute(
            enc.input_ids, baselines=baseline, target=tgt, additional_forward_args=(enc.attention_mask,),
            n_steps=n_steps, internal_batch_size=max(1, enc.input_ids.shape[0]) * 8)
    else:  # pragma: no cover - guarded by attribute()
        raise AttributionError(f"unknown gradient method {method!r}")
    return attr.sum(-1).detach().float().cpu().numpy()


def attribute(handle: ModelHandle, seqs: Sequence[str], method: str = "attention",
              target: Sequence[int] | int | None = None, batch_size: int = 16, n_steps: int = 32) -> list[np.ndarray]:
    """Per-base attribution of each sequence (an array as long as the sequence).

    `target`: class whose logit gradients explain (per sequence, one for all, or None for the
    predicted class); attention ignores it.
    """
    if method not in METHODS:
        raise AttributionError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    targets = list(target) if target is not None and not isinstance(target, int) else None
    out: list[np.ndarray] = []
    for i, batch in enumerate(_batches(list(seqs), batch_size)):
        enc = handle.encode(batch)
        if method == "attention":
            tokens = attention_tokens(handle, enc)
        else:
            tgt = targets[i * batch_size : i * batch_size + len(batch)] if targets is not None else target
            tokens = gradient_tokens(handle, enc, method, tgt, n_steps=n_steps)
        out.extend(spread_to_bases(tokens[b], enc.spans[b], enc.lengths[b]) for b in range(len(batch)))
    return out


def pooled_embeddings(handle: ModelHandle, seqs: Sequence[str], batch_size: int = 16) -> np.ndarray:
    """Mean of the last hidden state over content tokens (special and padding excluded): (n, hidden)."""
    rows = []
    for batch in _batches(list(seqs), batch_size):
        enc = handle.encode(batch)
        backbone = getattr(handle.model, "backbone", None)  # the harness's PooledClassifier
        with torch.no_grad():
            if backbone is not None:
                kw = {"attention_mask": enc.attention_mask} if handle.adapter is None or handle.adapter.uses_attention_mask else {}
                out = backbone(input_ids=enc.input_ids, **kw)
                hidden = (out[0] if isinstance(out, tuple) else out.last_hidden_state).float()
            else:
                out = handle.forward(enc.input_ids, enc.attention_mask, output_hidden_states=True)
                hidden = out.hidden_states[-1].float()
        content = torch.tensor([[s is not None for s in row] for row in enc.spans], device=hidden.device)
        w = content.unsqueeze(-1).float()
        rows.append(((hidden * w).sum(1) / w.sum(1).clamp(min=1)).cpu().numpy())
    return np.concatenate(rows) if rows else np.zeros((0, 0))
