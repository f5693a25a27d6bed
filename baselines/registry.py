"""The baselines registry: one `Baseline` record per baseline, nothing else lists them.

A record holds the name, a one-line description, the factory (`"module:Class"`, imported on use so
`bench --help` stays fast) and which of the shared `bench baseline` options it takes
(`OPTIONS`). The class builds itself from those options with `from_options(task, **options)`
(default: `cls(**options)`), so `bench baseline` needs no per-baseline code.

Adding a baseline: write a `Predictor` class (`fit`, `predict_proba`, `info`, optionally
`config()` and `from_options`), append a `Baseline` record here; the conformance checks in
tests/test_registries.py then run on it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from loaders.core.errors import UserError

OPTIONS: dict[str, str] = {
    "model": "Hub id or local model directory whose architecture is re-initialised.",
    "trust_remote_code": "Allow the model's own code.",
    "epochs": "Maximum (cnn, default 40) or fine-tuning (random-init, default 3) epochs.",
    "threads": "CPU threads (default 1).",
}
"""Every option a baseline may take: name → help (the CLI flag is `--<name with - for _>`)."""


class BaselineError(UserError, ValueError):
    """A user-facing baseline problem (one-line message)."""


@dataclass(frozen=True)
class Baseline:
    """One registered baseline (see module docstring)."""

    name: str
    description: str
    factory: str
    """`"module:Class"` of its `Predictor`."""
    options: tuple[str, ...] = ()
    """Keys of `OPTIONS` it takes."""

    def predictor_class(self) -> type:
        module, _, attr = self.factory.partition(":")
        return getattr(importlib.import_module(module), attr)


BASELINES: tuple[Baseline, ...] = (
    Baseline("majority", "class prior of the training split", "baselines.majority:MajorityPredictor"),
    Baseline("kmer-lr", "k-mer spectrum (k=1..6, normalised, sparse) + logistic regression",
             "baselines.kmer_lr:KmerLRPredictor"),
    Baseline("cnn", "small one-hot CNN (~222k params), early-stopped on validation loss",
             "baselines.cnn:CNNPredictor", options=("epochs", "threads")),
    Baseline("random-init", "--model architecture with re-initialised weights, fine-tuned like `bench run`",
             "baselines.random_init:RandomInitPredictor", options=("model", "trust_remote_code", "epochs")),
)


def baseline_names() -> list[str]:
    """Registered baseline names, in registry order."""
    return [b.name for b in BASELINES]


def get_baseline(name: str) -> Baseline:
    """The baseline called `name`; a one-line error listing the known ones otherwise."""
    for b in BASELINES:
        if b.name == name:
            return b
    raise BaselineError(f"unknown baseline '{name}' (baselines: {', '.join(baseline_names())})")


def make_baseline(name: str, **kwargs: Any) -> Any:
    """A new predictor for baseline `name` (keyword arguments go to its constructor)."""
    return get_baseline(name).predictor_class()(**kwargs)


def check_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options given (not None) if baseline `name` takes them all; a one-line error otherwise."""
    spec = get_baseline(name)
    given = {k: v for k, v in options.items() if v is not None}
    for key in given:
        if key not in OPTIONS:
            raise BaselineError(f"unknown baseline option '{key}'")
        if key not in spec.options:
            takers = [b.name for b in BASELINES if key in b.options]
            raise BaselineError(f"--{key.replace('_', '-')} only applies to {' and '.join(takers)}, not '{name}'")
    return given


def from_options(name: str, task: Any, options: dict[str, Any]) -> Any:
    """A new predictor for `name` from `bench baseline` options (those left None were not given)."""
    given = check_options(name, options)
    cls = get_baseline(name).predictor_class()
    build = getattr(cls, "from_options", None)
    return build(task, **given) if build is not None else cls(**given)


def baseline_config(predictor: Any) -> dict[str, Any]:
    """The predictor's hyper-parameters (empty when it has none)."""
    return dict(predictor.config()) if hasattr(predictor, "config") else {}
