"""random-init: any `--model` architecture fine-tuned from freshly initialised weights.

Same tokenizer, adapter, head and training loop as `bench run` (via
`benchmark.finetune.FineTunePredictor(..., random_init=True)`), so the gap to the
pretrained model's row is what pre-training adds.
"""
from __future__ import annotations

from typing import Any

from datasets import Dataset

from baselines.registry import BaselineError


def _finetune() -> Any:
    try:
        from benchmark import finetune
    except ImportError as exc:  # pragma: no cover - depends on the harness being installed
        raise BaselineError(f"random-init needs benchmark.finetune.FineTunePredictor, which failed to import: {exc}") from exc
    if not hasattr(finetune, "FineTunePredictor"):  # pragma: no cover
        raise BaselineError("random-init needs benchmark.finetune.FineTunePredictor, which this checkout lacks")
    return finetune


class RandomInitPredictor:
    """`Predictor` wrapping `FineTunePredictor(model, random_init=True)`."""

    def __init__(self, model: str | None, config: dict[str, Any] | None = None, *, trust_remote_code: bool = False,
                 **kwargs: Any) -> None:
        if not model:
            raise BaselineError("random-init needs --model (a Hub id or local model directory whose architecture to re-initialise)")
        ft = _finetune()
        self.config_dict = dict(config or {})
        self.inner = ft.FineTunePredictor(model, ft.FineTuneConfig.from_dict(self.config_dict),
                                          trust_remote_code=trust_remote_code, random_init=True, **kwargs)

    @classmethod
    def from_options(cls, task: Any, model: str | None = None, trust_remote_code: bool = False,
                     epochs: float | None = None) -> "RandomInitPredictor":
        """From `bench baseline random-init` options: --model, --trust-remote-code, --epochs (default 3)."""
        return cls(model, {"epochs": 3.0 if epochs is None else epochs, "progress": False},
                   trust_remote_code=trust_remote_code, task_id=task.id, label_names=task.label_names)

    def fit(self, train: Dataset, validation: Dataset | None, *, num_labels: int, seed: int) -> "RandomInitPredictor":
        self.inner.fit(train, validation, num_labels=num_labels, seed=seed)
        return self

    def predict_proba(self, data: Dataset) -> Any:
        return self.inner.predict_proba(data)

    def info(self) -> dict[str, Any]:
        return {**self.inner.info(), "random_init": True}

    def config(self) -> dict[str, Any]:
        """Hyper-parameters for the results' `config` block."""
        return {**self.config_dict, "random_init": True, "max_length": self.inner.max_length}
