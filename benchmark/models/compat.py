"""Helpers that transformers 5 removed but published remote code still imports.

GENA-LM's `modeling_bert.py` (written for transformers 4.x) does
`from transformers.pytorch_utils import find_pruneable_heads_and_indices, prune_linear_layer`;
under transformers 5 that import fails and the model cannot load at all. `restore_legacy_helpers()`
puts the two (head pruning: only called when a user prunes attention heads) back where that code
looks for them, if and only if they are missing. It changes nothing that transformers defines.
"""
from __future__ import annotations

import torch
from torch import nn


def find_pruneable_heads_and_indices(heads: list[int], n_heads: int, head_size: int,
                                     already_pruned_heads: set[int]) -> tuple[set[int], torch.LongTensor]:
    """Heads still to prune and the indices of the hidden units to keep (transformers 4.x semantics)."""
    mask = torch.ones(n_heads, head_size)
    todo = set(heads) - already_pruned_heads
    for head in todo:
        mask[head - sum(1 for h in already_pruned_heads if h < head)] = 0
    keep = mask.view(-1).eq(1)
    return todo, torch.arange(len(keep))[keep].long()


def prune_linear_layer(layer: nn.Linear, index: torch.LongTensor, dim: int = 0) -> nn.Linear:
    """A copy of `layer` keeping only the entries `index` along `dim` (0: outputs, 1: inputs)."""
    index = index.to(layer.weight.device)
    weight = layer.weight.index_select(dim, index).detach().clone()
    bias = None
    if layer.bias is not None:
        bias = layer.bias.detach().clone() if dim == 1 else layer.bias[index].detach().clone()
    size = list(layer.weight.size())
    size[dim] = len(index)
    new = nn.Linear(size[1], size[0], bias=bias is not None).to(layer.weight.device, layer.weight.dtype)
    with torch.no_grad():
        new.weight.copy_(weight)
        if bias is not None:
            new.bias.copy_(bias)
    return new


def restore_legacy_helpers() -> list[str]:
    """Add the missing helpers to `transformers.pytorch_utils`; returns the names added."""
    import transformers.pytorch_utils as pu

    added = []
    for name, fn in (("find_pruneable_heads_and_indices", find_pruneable_heads_and_indices),
                     ("prune_linear_layer", prune_linear_layer)):
        if not hasattr(pu, name):
            setattr(pu, name, fn)
            added.append(name)
    return added
