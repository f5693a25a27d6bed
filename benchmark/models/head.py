"""A classification head over any `AutoModel` backbone (fallback when the model has no
`...ForSequenceClassification` class): pooled hidden states -> dropout -> linear."""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers.modeling_outputs import SequenceClassifierOutput

HEAD_FILE = "pooled_head.safetensors"


def pool(hidden: torch.Tensor, mask: torch.Tensor | None, mode: str) -> torch.Tensor:
    """(batch, time, dim) -> (batch, dim) by `cls` (first), `last` (last unmasked) or `mean` (masked)."""
    if mode == "cls":
        return hidden[:, 0]
    if mask is None:
        return hidden[:, -1] if mode == "last" else hidden.mean(dim=1)
    mask = mask.to(hidden.dtype)
    if mode == "last":
        idx = (mask * torch.arange(mask.shape[1], device=mask.device)).argmax(dim=1)
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), idx]
    return (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)


class PooledClassifier(nn.Module):
    """`backbone` (an AutoModel) + pooling + linear head; returns `SequenceClassifierOutput`."""

    def __init__(self, backbone: nn.Module, num_labels: int, pooling: str = "mean", dropout: float = 0.1) -> None:
        super().__init__()
        self.backbone = backbone
        self.config = backbone.config
        self.pooling = pooling
        hidden = getattr(self.config, "hidden_size", None) or getattr(self.config, "d_model", None) or self.config.n_embd
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(int(hidden), num_labels)
        self.num_labels = num_labels

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, **_: Any) -> SequenceClassifierOutput:
        takes_mask = "attention_mask" in inspect.signature(self.backbone.forward).parameters
        kwargs = {"attention_mask": attention_mask} if attention_mask is not None and takes_mask else {}
        out = self.backbone(input_ids=input_ids, **kwargs)
        hidden = out[0] if isinstance(out, tuple) else out.last_hidden_state
        logits = self.classifier(self.dropout(pool(hidden, attention_mask, self.pooling)))
        loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return SequenceClassifierOutput(loss=loss, logits=logits)

    def save_pretrained(self, path: str | Path, **kwargs: Any) -> None:
        """Backbone via its own `save_pretrained`, head weights beside it."""
        from safetensors.torch import save_file

        from benchmark.models.saving import save_pretrained

        kwargs.pop("state_dict", None)  # the Trainer's view of the whole model; the backbone saves its own
        save_pretrained(self.backbone, path, **kwargs)
        save_file({k: v.contiguous() for k, v in self.classifier.state_dict().items()}, str(Path(path) / HEAD_FILE))

    def load_head(self, path: str | Path) -> None:
        from safetensors.torch import load_file

        self.classifier.load_state_dict(load_file(str(Path(path) / HEAD_FILE)))
