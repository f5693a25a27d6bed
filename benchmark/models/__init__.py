"""Model adapters: each family's tokenization, max length, pooling and remote-code needs.

>>> from benchmark.models import load_model_spec
>>> spec = load_model_spec("path/to/model")   # spec.adapter.name == "dnabert-kmer", ...
"""
from benchmark.models.base import Adapter, head_tail, window_starts
from benchmark.models.errors import ModelError, model_step
from benchmark.models.registry import (
    ADAPTERS,
    ModelSpec,
    build_model,
    count_parameters,
    list_adapters,
    load_model_spec,
    select_adapter,
)

__all__ = ["ADAPTERS", "Adapter", "ModelError", "ModelSpec", "build_model", "count_parameters", "head_tail",
           "list_adapters", "load_model_spec", "model_step", "select_adapter", "window_starts"]
