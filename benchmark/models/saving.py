"""Saving models whose parameters share storage without saying so.

safetensors refuses aliased tensors, and `save_pretrained` only drops the aliases a model declares
as tied. HyenaDNA's Hub code reuses one `HyenaSin` module (and its `freq` parameter) at three places
of every filter MLP, so its state dict holds `implicit_filter.1.freq`, `.3.freq` and `.5.freq` on one
storage and `save_pretrained` fails. `distinct_state_dict` copies such undeclared aliases apart: the
file then holds every key with the same values, and loading writes them back into the one shared
parameter, so a save/load round trip is exact and the model keeps its sharing while it trains.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import torch


def _declared_tied(model: Any) -> set[str]:
    tied = getattr(model, "all_tied_weights_keys", None) or {}
    names = set(tied) | set(tied.values()) if isinstance(tied, dict) else set()
    legacy = getattr(model, "_tied_weights_keys", None)
    if isinstance(legacy, (list, tuple, set)):
        names |= set(legacy)
    elif isinstance(legacy, dict):
        names |= set(legacy) | set(legacy.values())
    return names


def shared_groups(state_dict: dict[str, Any]) -> list[list[str]]:
    """Keys of `state_dict` whose tensors share storage, in groups of two or more (sorted)."""
    by_storage: dict[tuple, list[str]] = defaultdict(list)
    for name, tensor in state_dict.items():
        if isinstance(tensor, torch.Tensor) and tensor.device.type != "meta" and tensor.numel():
            by_storage[(tensor.device, tensor.untyped_storage().data_ptr())].append(name)
    return [sorted(names) for names in by_storage.values() if len(names) > 1]


def distinct_state_dict(model: Any, state_dict: dict[str, Any] | None = None) -> dict[str, Any]:
    """`model.state_dict()` with undeclared aliases cloned (declared tied weights are left to transformers)."""
    state = dict(state_dict if state_dict is not None else model.state_dict())
    declared = _declared_tied(model)
    for names in shared_groups(state):
        if any(n in declared or n.split(".", 1)[-1] in declared for n in names):
            continue
        for name in names[1:]:
            state[name] = state[name].clone()
    return state


def save_pretrained(model: Any, path: str | Path, **kwargs: Any) -> None:
    """`model.save_pretrained(path)` that also works when parameters share storage undeclared."""
    state = kwargs.pop("state_dict", None)
    model.save_pretrained(str(path), state_dict=distinct_state_dict(model, state), **kwargs)


def save_tokenizer(tokenizer: Any, path: str | Path) -> None:
    """`tokenizer.save_pretrained(path)`, then make sure a tokenizer from remote code can be loaded back.

    Some published tokenizers (HyenaDNA's `CharacterTokenizer`) override `save_pretrained` and write
    a `tokenizer_config.json` without `auto_map` or their code file; both are added here.
    """
    import inspect
    import json
    import shutil

    path = Path(path)
    tokenizer.save_pretrained(str(path))
    cls = type(tokenizer)
    if not cls.__module__.startswith("transformers_modules"):
        return
    source = Path(inspect.getfile(cls))
    if not (path / source.name).is_file():
        shutil.copyfile(source, path / source.name)
    cfg_file = path / "tokenizer_config.json"
    cfg = json.loads(cfg_file.read_text()) if cfg_file.is_file() else {}
    auto = cfg.get("auto_map") if isinstance(cfg.get("auto_map"), dict) else {}
    if "AutoTokenizer" not in auto:
        auto["AutoTokenizer"] = [f"{source.stem}.{cls.__name__}", None]
        cfg["auto_map"] = auto
        cfg_file.write_text(json.dumps(cfg, indent=2) + "\n")
