"""The `Task` type: one dataset config ready for training and scoring (see `benchmark.tasks` to get one)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datasets import DatasetDict


@dataclass
class Task:
    """A dataset config ready for training and scoring."""

    id: str
    dataset_name: str
    config: str
    data: DatasetDict
    label_names: list[str]
    fingerprint: str
    source: str
    synthetic: bool
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def num_labels(self) -> int:
        return len(self.label_names)

    def describe(self) -> dict[str, Any]:
        """The results' `dataset` block; `split` (how the split was made, `leaks`) when it is not a recipe's grouped build."""
        block = {"name": self.dataset_name, "config": self.config, "source": self.source, "synthetic": self.synthetic}
        if self.meta.get("split"):
            block["split"] = dict(self.meta["split"])
        return block
