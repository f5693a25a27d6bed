"""The baselines by name: `make_baseline(name, **options)` returns a fresh `Predictor`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from baselines.random_init import BaselineError

BASELINES: dict[str, str] = {
    "majority": "class prior of the training split",
    "kmer-lr": "k-mer spectrum (k=1..6, normalised, sparse) + logistic regression",
    "cnn": "small one-hot CNN (~313k params), early-stopped on validation loss",
    "random-init": "--model architecture with re-initialised weights, fine-tuned like `bench run`",
}


def _factories() -> dict[str, Callable[..., Any]]:
    from baselines.cnn import CNNPredictor
    from baselines.kmer_lr import KmerLRPredictor
    from baselines.majority import MajorityPredictor
    from baselines.random_init import RandomInitPredictor

    return {"majority": MajorityPredictor, "kmer-lr": KmerLRPredictor, "cnn": CNNPredictor,
            "random-init": RandomInitPredictor}


def make_baseline(name: str, **options: Any) -> Any:
    """A new predictor for baseline `name` (options go to its constructor)."""
    if name not in BASELINES:
        raise BaselineError(f"unknown baseline '{name}' (baselines: {', '.join(BASELINES)})")
    return _factories()[name](**options)


def baseline_config(predictor: Any) -> dict[str, Any]:
    """The predictor's hyper-parameters (empty when it has none)."""
    return dict(predictor.config()) if hasattr(predictor, "config") else {}
