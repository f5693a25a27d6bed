"""The small model interface interpretation needs: tokenize with base spans, run forward.

A `ModelHandle` wraps any Hugging Face sequence-classification model and its tokenizer.
`encode` returns, next to the model inputs, the base span `[start, end)` each token
covers in its sequence (None for special and padding tokens), so attributions computed
per token can be spread back onto bases without knowing the model family:

- DNABERT-style k-mer tokenizers (`kmer=k`): the input is space-separated overlapping
  k-mers; word j covers bases `[j, j + k)`.
- fast tokenizers on raw sequence (BPE, single nucleotide): character offsets.
- slow tokenizers without offsets: content tokens are taken one base each, in order.
"""
from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

Span = tuple[int, int] | None


@dataclass
class Encoded:
    """Model inputs for a batch plus each token's base span."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    spans: list[list[Span]]
    lengths: list[int]


def kmer_text(seq: str, k: int) -> str:
    """DNABERT input: overlapping k-mers separated by spaces (`ACGTA`, k=3 -> `ACG CGT GTA`)."""
    return " ".join(seq[i : i + k] for i in range(len(seq) - k + 1))


def content_spans(tokens: Sequence[str], kmer: int | None, unk: str | None = None) -> list[Span]:
    """Base spans of content tokens: overlapping k-mers `[j, j + k)`, else consecutive pieces
    as long as each token's text (`##`/`Ġ`/`▁` markers stripped; an unknown token counts 1 base)."""
    if kmer:
        return [(j, j + kmer) for j in range(len(tokens))]
    out: list[Span] = []
    pos = 0
    for t in tokens:
        n = 1 if t == unk else len(t.replace("##", "").lstrip("Ġ▁")) or 1
        out.append((pos, pos + n))
        pos += n
    return out


def infer_kmer(tokenizer: Any) -> int | None:
    """k when the vocabulary is DNABERT-style (all 4^k k-mers of one length k > 1), else None."""
    try:
        vocab = tokenizer.get_vocab()
    except Exception:  # pragma: no cover - tokenizers without a vocab
        return None
    words = [w for w in vocab if w and set(w) <= set("ACGTN")]
    lengths = {len(w) for w in words}
    if len(lengths) == 1:
        k = lengths.pop()
        if k > 1 and len(words) >= 4**k:
            return k
    return None


@dataclass
class ModelHandle:
    """A classification model ready for attribution (eval mode, on `device`)."""

    model: torch.nn.Module
    tokenizer: Any
    kmer: int | None = None
    max_length: int = 512
    device: str = "cpu"
    name: str = "model"
    meta: dict[str, Any] = field(default_factory=dict)
    adapter: Any = None

    def __post_init__(self) -> None:
        self.model.to(self.device).eval()

    @property
    def accepts_attention_mask(self) -> bool:
        if self.adapter is not None and not getattr(self.adapter, "uses_attention_mask", True):
            return False
        try:
            return "attention_mask" in inspect.signature(self.model.forward).parameters
        except (TypeError, ValueError):  # pragma: no cover
            return True

    def encode(self, seqs: Sequence[str]) -> Encoded:
        """Tokenize a batch (padded, cut to `max_length` tokens) with base spans."""
        seqs = [s.upper() for s in seqs]
        if self.adapter is not None:
            return self._encode_adapter(seqs)
        k = self.kmer
        texts = [kmer_text(s, k) for s in seqs] if k else list(seqs)
        tok = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
            return_special_tokens_mask=True,
            return_offsets_mapping=bool(getattr(self.tokenizer, "is_fast", False)) and not k,
        )
        ids = tok["input_ids"]
        mask = tok.get("attention_mask", torch.ones_like(ids))
        special = tok["special_tokens_mask"]
        spans: list[list[Span]] = []
        for b in range(ids.shape[0]):
            row: list[Span] = []
            word_ids = tok.word_ids(b) if getattr(tok, "is_fast", False) and k else None
            offsets = tok["offset_mapping"][b].tolist() if "offset_mapping" in tok else None
            j = 0
            for t in range(ids.shape[1]):
                if not mask[b, t] or special[b, t]:
                    row.append(None)
                    continue
                if k:
                    w = word_ids[t] if word_ids is not None else j
                    row.append(None if w is None else (w, w + k))
                elif offsets is not None:
                    s, e = offsets[t]
                    row.append((s, e) if e > s else None)
                else:
                    row.append((j, j + 1))
                j += 1
            spans.append(row)
        return Encoded(ids.to(self.device), mask.to(self.device), spans, [len(s) for s in seqs])

    def _encode_adapter(self, seqs: list[str]) -> Encoded:
        """Inputs exactly as the harness's adapter builds them (prefix + head/tail content + suffix)."""
        from benchmark.models.base import head_tail

        ad = self.adapter
        prefix, suffix = list(ad.prefix), list(ad.suffix)
        budget = self.max_length - len(prefix) - len(suffix)
        rows, spans = [], []
        for seq, ids in zip(seqs, ad.content_ids(seqs)):
            cs = content_spans(self.tokenizer.convert_ids_to_tokens(ids), self.kmer, self.tokenizer.unk_token)
            keep = head_tail(list(range(len(ids))), budget)
            rows.append(prefix + [ids[i] for i in keep] + suffix)
            spans.append([None] * len(prefix) + [cs[i] for i in keep] + [None] * len(suffix))
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        left = ad.padding_side() == "left"
        ids_t = torch.full((len(rows), width), pad, dtype=torch.long)
        mask_t = torch.zeros((len(rows), width), dtype=torch.long)
        for b, r in enumerate(rows):
            cols = slice(width - len(r), width) if left else slice(0, len(r))
            ids_t[b, cols] = torch.tensor(r)
            mask_t[b, cols] = 1
            fill = [None] * (width - len(r))
            spans[b] = fill + spans[b] if left else spans[b] + fill
        return Encoded(ids_t.to(self.device), mask_t.to(self.device), spans, [len(s) for s in seqs])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, **kw: Any) -> Any:
        """The model's output; the mask is passed only to models that take one."""
        if attention_mask is not None and self.accepts_attention_mask:
            kw["attention_mask"] = attention_mask
        return self.model(input_ids=input_ids, **kw)

    def logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.forward(input_ids, attention_mask).logits


def load_handle(model_dir: str | Path, device: str | None = None, max_length: int | None = None,
                trust_remote_code: bool | None = None) -> ModelHandle:
    """A handle for a fine-tuned model directory (`FineTunePredictor.save`, with `phenoseq.json`).

    Loads with the harness's `benchmark.finetune.load_finetuned`, so inputs are built by
    the same adapter as in fine-tuning; a plain Hugging Face directory (no `phenoseq.json`)
    is loaded with the Auto classes (k-mer size from the vocabulary). `trust_remote_code`:
    False refuses a model that runs its own code (one-line `ModelError`); None trusts what
    the run recorded. `meta["trust_remote_code"]` says what was used.
    """
    from benchmark.finetune import load_finetuned, needs_remote_code
    from benchmark.models import ModelError, model_step

    model_dir = Path(model_dir)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if (model_dir / "phenoseq.json").exists():
        fitted = load_finetuned(model_dir, trust_remote_code=trust_remote_code)
        meta = {**fitted.meta, "trust_remote_code": bool(fitted.spec.trust_remote_code)}
        adapter = fitted.adapter
        kmer = getattr(adapter, "k", None) if adapter.name == "dnabert-kmer" else None
        return ModelHandle(fitted.model, fitted.tokenizer, kmer=kmer, max_length=max_length or int(fitted.max_length),
                           device=device, name=str(meta.get("model_id") or model_dir.name), meta=meta, adapter=adapter)
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    trust = bool(trust_remote_code)
    if needs_remote_code(model_dir) and not trust:
        raise ModelError(f"model '{model_dir}' runs its own code; rerun with --trust-remote-code if you trust it")
    from benchmark.models.registry import from_pretrained

    with model_step(str(model_dir), "load"):
        tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=trust)
        model = from_pretrained(AutoModelForSequenceClassification, str(model_dir), trust_remote_code=trust)
    max_len = max_length or int(getattr(model.config, "max_position_embeddings", 512) or 512)
    return ModelHandle(model, tokenizer, kmer=infer_kmer(tokenizer), max_length=min(max_len, 4096), device=device,
                       name=model_dir.name, meta={"trust_remote_code": trust})
