"""One place that maps a model (config + tokenizer) to its adapter, and loads models.

`load_model_spec(model_id)` resolves a local directory or Hub id (offline-aware) and
picks the adapter; `build_model(spec, ...)` makes the sequence-classification model.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmark.models.base import Adapter
from benchmark.models.errors import ModelError, model_step, step_error
from benchmark.models.families import DNABERT2, GENALM, GPT2BPE, Caduceus, HyenaDNA
from benchmark.models.head import PooledClassifier
from benchmark.models.kmer import DNABERTKmer, NucleotideTransformer

ADAPTERS: tuple[type[Adapter], ...] = (HyenaDNA, Caduceus, DNABERT2, GENALM, NucleotideTransformer, DNABERTKmer, GPT2BPE, Adapter)
"""Checked in order; the first whose `matches` is true wins; `Adapter` (generic) always matches."""


def list_adapters() -> list[dict[str, Any]]:
    """Name, description and remote-code need of every adapter (for `bench ls`)."""
    return [{"adapter": a.name, "description": a.description, "needs_remote_code": a.needs_remote_code}
            for a in ADAPTERS]


def adapter_class(name: str) -> type[Adapter]:
    for cls in ADAPTERS:
        if cls.name == name:
            return cls
    raise ModelError(f"unknown adapter '{name}' (adapters: {', '.join(a.name for a in ADAPTERS)})")


def select_adapter(config: Any, tokenizer: Any, name: str | None = None) -> Adapter:
    """The adapter for (config, tokenizer), or the one called `name`."""
    if name:
        return adapter_class(name)(tokenizer, config)
    for cls in ADAPTERS:
        if cls.matches(config, tokenizer):
            return cls(tokenizer, config)
    raise AssertionError("unreachable: generic adapter matches everything")


def _offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or os.environ.get("TRANSFORMERS_OFFLINE", "0") not in ("", "0", "false")


def _looks_like_path(model: str) -> bool:
    """Hub ids are `name` or `org/name`; anything else is meant as a path."""
    return model.startswith((".", "/", "~")) or model.count("/") > 1 or model.endswith("/") or os.sep != "/" and os.sep in model


def resolve_source(model: str) -> str:
    """A local directory (checked) or a Hub id (left to transformers)."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"model directory '{model}' has no config.json (not a transformers model)")
        return str(path)
    if _looks_like_path(model) or path.exists():
        raise ModelError(f"model directory '{model}' does not exist")
    return model


def _load_error(model: str, exc: Exception) -> ModelError:
    if os.environ.get("PHENOSEQ_DEBUG", "") not in ("", "0"):
        raise exc
    text = str(exc)
    if "trust_remote_code" in text:
        return ModelError(f"model '{model}': load failed: it needs its own code from the Hub; "
                          "rerun with --trust-remote-code if you trust it")
    if _offline() and not Path(model).expanduser().is_dir() and isinstance(exc, (OSError, ValueError)):
        return ModelError(f"cannot resolve model '{model}': not a local directory and not in the Hugging Face cache "
                          "(offline mode, HF_HUB_OFFLINE=1)")
    return step_error(model, "load", exc)


def check_runtime(model: str, adapter: Adapter) -> None:
    """Families whose kernels need hardware or packages this machine lacks fail here, in one line."""
    if adapter.name == "caduceus":
        import importlib.util

        import torch

        missing = [what for what, ok in (("CUDA", torch.cuda.is_available()),
                                         ("mamba-ssm", importlib.util.find_spec("mamba_ssm") is not None)) if not ok]
        if missing:
            raise ModelError(f"model '{model}' (caduceus): load failed: needs CUDA + mamba-ssm (its Mamba kernels run only "
                             f"on a CUDA GPU; missing here: {', '.join(missing)})")


@dataclass
class ModelSpec:
    """A resolved model: where it comes from, its config, tokenizer and adapter."""

    model_id: str
    source: str
    config: Any
    tokenizer: Any
    adapter: Adapter
    trust_remote_code: bool
    revision: str | None = None


def load_model_spec(model: str, trust_remote_code: bool = False, adapter: str | None = None,
                    revision: str | None = None) -> ModelSpec:
    """Resolve `model` (local dir or Hub id) into config + tokenizer + adapter; one-line errors."""
    from transformers import AutoConfig, AutoTokenizer

    source = resolve_source(model)
    if trust_remote_code:
        from benchmark.models.compat import restore_legacy_helpers

        restore_legacy_helpers()
    kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if revision:
        kwargs["revision"] = revision
    try:
        config = AutoConfig.from_pretrained(source, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    except Exception as exc:  # remote code can raise anything
        raise _load_error(model, exc) from None
    if trust_remote_code:
        from benchmark.models.compat import legacy_config

        legacy_config(config)
    with model_step(model, "load"):
        chosen = select_adapter(config, tokenizer, adapter)
    if chosen.needs_remote_code and not trust_remote_code:
        raise ModelError(f"model '{model}' ({chosen.name}) needs its own code from the Hub; rerun with --trust-remote-code")
    check_runtime(model, chosen)
    if revision is None:
        revision = getattr(config, "_commit_hash", None)
    return ModelSpec(model, source, config, tokenizer, chosen, trust_remote_code, revision)


def has_sequence_classification(config: Any) -> bool:
    """Whether `AutoModelForSequenceClassification` knows this config (natively or via auto_map)."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING

    auto_map = getattr(config, "auto_map", None) or {}
    if isinstance(auto_map, dict) and "AutoModelForSequenceClassification" in auto_map:
        return True
    try:
        return type(config) in MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING
    except Exception:  # pragma: no cover - defensive
        return False


def build_model(spec: ModelSpec, num_labels: int, label_names: list[str] | None = None,
                random_init: bool = False) -> tuple[Any, str]:
    """Sequence-classification model for `spec` and its head kind (`auto` or `pooled`).

    `random_init` builds the same architecture from the config with fresh weights.
    """
    from transformers import AutoModel, AutoModelForSequenceClassification

    config = spec.config
    config.num_labels = num_labels
    names = list(label_names) if label_names else [str(i) for i in range(num_labels)]
    config.id2label = dict(enumerate(names))
    config.label2id = {n: i for i, n in enumerate(names)}
    if spec.tokenizer.pad_token_id is not None:
        config.pad_token_id = spec.tokenizer.pad_token_id
    trust = spec.trust_remote_code
    import torch

    # fp32 master weights (transformers 5 would otherwise load a checkpoint's own half dtype);
    # mixed precision on GPU comes from autocast in the Trainer.
    load = {"trust_remote_code": trust, "revision": spec.revision, "dtype": torch.float32}
    fresh = {"trust_remote_code": trust, "dtype": torch.float32}
    try:
        if has_sequence_classification(config):
            if random_init:
                return AutoModelForSequenceClassification.from_config(config, **fresh), "auto"
            return from_pretrained(AutoModelForSequenceClassification, spec.source, config=config, **load), "auto"
        backbone = (AutoModel.from_config(config, **fresh) if random_init
                    else from_pretrained(AutoModel, spec.source, config=config, **load))
    except Exception as exc:  # remote code can raise anything
        raise _load_error(spec.model_id, exc) from None
    return PooledClassifier(backbone, num_labels, pooling=spec.adapter.pooling), "pooled"


def from_pretrained(auto: Any, source: str, **kwargs: Any) -> Any:
    """`auto.from_pretrained(source, ...)`; remote code is built for real, not on the meta device
    (see `benchmark.models.compat.real_init_for_remote_code`), and a Triton kernel that cannot compile
    with the installed Triton is switched off for the code's own PyTorch path (`use_pytorch_attention`)."""
    from benchmark.models.compat import real_init_for_remote_code, use_pytorch_attention

    if not kwargs.get("trust_remote_code"):
        return auto.from_pretrained(source, **kwargs)
    with real_init_for_remote_code():
        model = auto.from_pretrained(source, **kwargs)
    use_pytorch_attention(model)
    return model


def count_parameters(model: Any) -> int:
    return int(sum(p.numel() for p in model.parameters()))
