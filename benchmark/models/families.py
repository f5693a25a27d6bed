"""Families recognised from their config: DNABERT-2, GENA-LM, HyenaDNA, Caduceus (remote code) and decoders (GPT-2, Mistral, Llama...)."""
from __future__ import annotations

from typing import Any

from benchmark.models.base import Adapter


def _auto_map_text(config: Any) -> str:
    auto_map = getattr(config, "auto_map", None) or {}
    return " ".join(str(v) for v in auto_map.values()) if isinstance(auto_map, dict) else str(auto_map)


class DNABERT2(Adapter):
    """DNABERT-2: BPE over raw DNA, BERT with ALiBi (remote code)."""

    name = "dnabert-2"
    description = "DNABERT-2: BPE tokens, ALiBi BERT (remote code), [CLS] pooling"
    needs_remote_code = True
    pooling = "cls"

    attention: str | None = None
    """The attention path in use once bound: `triton-flash`, `pytorch`, or `pytorch (why)`."""

    @classmethod
    def matches(cls, config: Any, tokenizer: Any) -> bool:
        name = str(getattr(config, "_name_or_path", "") or getattr(config, "name_or_path", "")).lower()
        return "bert_layers" in _auto_map_text(config) or "dnabert-2" in name or "dnabert2" in name

    def bind(self, model: Any) -> None:
        """As `Adapter.bind`; and where the published Triton kernel cannot compile (Triton >= 2.1), its PyTorch attention."""
        from benchmark.models.compat import (
            KERNEL_ATTR,
            kernel_modules,
            use_pytorch_attention,
        )

        super().bind(model)
        why = use_pytorch_attention(model)
        flash = any(getattr(m, KERNEL_ATTR) is not None for m in kernel_modules(model))
        self.attention = "triton-flash" if flash else (f"pytorch ({why})" if why else "pytorch")


class GENALM(Adapter):
    """GENA-LM (AIRI): BPE over raw DNA, its own pre-LayerNorm BERT `modeling_bert.py` (remote code)."""

    name = "gena-lm"
    description = "GENA-LM: BPE tokens, pre-LN BERT / BigBird (remote code), [CLS] pooling"
    needs_remote_code = True
    pooling = "cls"

    @classmethod
    def matches(cls, config: Any, tokenizer: Any) -> bool:
        name = str(getattr(config, "_name_or_path", "") or getattr(config, "name_or_path", "")).lower()
        return "modeling_bert." in _auto_map_text(config) or "gena-lm" in name


class HyenaDNA(Adapter):
    """HyenaDNA: character tokens, long context, causal, no attention mask (right padding), remote code.

    Its head takes no `attention_mask`: `bind` drops the mask, so inputs are padded right (see
    `Adapter.padding_side`), whatever the published tokenizer's own left padding.
    """

    name = "hyenadna"
    description = "HyenaDNA: single-nucleotide tokens, long context (remote code), last-token pooling"
    needs_remote_code = True
    pooling = "last"
    default_max_length = 1024

    @classmethod
    def matches(cls, config: Any, tokenizer: Any) -> bool:
        return getattr(config, "model_type", "") == "hyenadna"



class Caduceus(Adapter):
    """Caduceus: character tokens, bidirectional Mamba, no attention mask (remote code)."""

    name = "caduceus"
    description = "Caduceus: single-nucleotide tokens, RC-equivariant Mamba (remote code, CUDA + mamba-ssm), mean pooling"
    needs_remote_code = True
    pooling = "mean"
    default_max_length = 1024

    @classmethod
    def matches(cls, config: Any, tokenizer: Any) -> bool:
        return getattr(config, "model_type", "") == "caduceus"


DECODER_TYPES = frozenset({"gpt2", "gpt_neo", "gpt_neox", "gptj", "codegen", "llama", "mistral", "qwen2", "mamba"})


class GPT2BPE(Adapter):
    """Decoder-only LM (GPT-2, Mistral, Llama...) with a BPE tokenizer: pad = eos when it has no pad token,
    right padding with an attention mask, last-token pooling."""

    name = "gpt2-bpe"
    description = "Decoder LM (GPT-2 / Mistral / Llama style) with BPE: pad = eos, last non-pad token pooling"
    pooling = "last"

    @classmethod
    def matches(cls, config: Any, tokenizer: Any) -> bool:
        return getattr(config, "model_type", "") in DECODER_TYPES

    def prepare(self) -> None:
        tok = self.tokenizer
        if tok.pad_token is None and tok.eos_token is not None:
            tok.pad_token = tok.eos_token
        tok.padding_side = "right"
        super().prepare()
