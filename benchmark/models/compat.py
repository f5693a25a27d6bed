"""What transformers 5 removed but published remote code (written for transformers 4.x) still uses.

Found by running the families' real code (tests/test_families_real.py):
- GENA-LM's `modeling_bert.py` imports `find_pruneable_heads_and_indices` and `prune_linear_layer` from
  `transformers.pytorch_utils` and calls `get_extended_attention_mask`, `invert_attention_mask`,
  `get_head_mask` on the model: without them it cannot load, then cannot run a forward pass;
- DNABERT-2's `bert_layers.py` reads `config.is_decoder`, which its `BertConfig` no longer gets.

And what newer Triton removed: DNABERT-2's `flash_attn_triton.py` calls `tl.dot(q, k, trans_b=True)`,
which only Triton 2.0 accepts. With the Triton that current torch ships (3.x), its first forward pass on
CUDA fails to compile ("dot() got an unexpected keyword argument 'trans_b'"; MAGICS-LAB/DNABERT_2
issues #57, #70, where the maintainer's advice is to uninstall Triton). `stale_triton_kernel` finds that
case before anything runs, and `use_pytorch_attention` sends the model to its own PyTorch attention.

`restore_legacy_helpers()` puts 4.x-equivalent helpers back where that code looks for them, and
`legacy_config(config)` gives a config the 4.x attribute defaults it lacks — each only when missing:
nothing that transformers still defines is replaced. `real_init_for_remote_code()` builds remote-code
models for real while loading them (transformers 5 builds them on the meta device, which breaks
DNABERT-2 and corrupts GENA-LM).
"""
from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


def get_extended_attention_mask(self: nn.Module, attention_mask: torch.Tensor, input_shape: tuple[int, ...],
                                device: torch.device | None = None, dtype: torch.dtype | None = None) -> torch.Tensor:
    """(batch, seq) 1/0 mask -> additive (batch, 1, [seq,] seq) mask: 0 where attended, dtype-min elsewhere
    (causal for decoders), as transformers 4.x `ModuleUtilsMixin` did."""
    dtype = dtype or next(self.parameters()).dtype
    if attention_mask.dim() == 3:
        ext = attention_mask[:, None, :, :]
    elif attention_mask.dim() == 2:
        ext = attention_mask[:, None, None, :]
        if getattr(self.config, "is_decoder", False):
            n = input_shape[1]
            causal = torch.tril(torch.ones(n, n, device=attention_mask.device, dtype=attention_mask.dtype))
            ext = causal[None, None, :, :] * ext
    else:
        raise ValueError(f"wrong shape for attention_mask (shape {tuple(attention_mask.shape)})")
    ext = ext.to(dtype=dtype)
    return (1.0 - ext) * torch.finfo(dtype).min


def invert_attention_mask(self: nn.Module, encoder_attention_mask: torch.Tensor) -> torch.Tensor:
    """Additive mask for cross-attention (4.x semantics)."""
    dtype = next(self.parameters()).dtype
    m = encoder_attention_mask
    ext = (m[:, None, :, :] if m.dim() == 3 else m[:, None, None, :]).to(dtype=dtype)
    return (1.0 - ext) * torch.finfo(dtype).min


def get_head_mask(self: nn.Module, head_mask: torch.Tensor | None, num_hidden_layers: int,
                  is_attention_chunked: bool = False) -> Any:
    """`[None] * layers` without a head mask, else the mask broadcast to (layers, batch, heads, seq, seq)."""
    if head_mask is None:
        return [None] * num_hidden_layers
    if head_mask.dim() == 1:
        head_mask = head_mask[None, None, :, None, None].expand(num_hidden_layers, -1, -1, -1, -1)
    elif head_mask.dim() == 2:
        head_mask = head_mask[:, None, :, None, None]
    head_mask = head_mask.to(dtype=next(self.parameters()).dtype)
    return head_mask.unsqueeze(-1) if is_attention_chunked else head_mask


LEGACY_CONFIG_DEFAULTS: dict[str, Any] = {"is_decoder": False, "add_cross_attention": False,
                                          "chunk_size_feed_forward": 0}


def _native_parent(config: Any) -> Any:
    import transformers

    for cls in type(config).__mro__[1:]:
        if getattr(cls, "__module__", "").startswith("transformers.models."):
            return cls
    mapping = getattr(transformers, "CONFIG_MAPPING", {})
    model_type = getattr(config, "model_type", None)
    if model_type and model_type in mapping:
        return mapping[model_type]
    same = getattr(transformers, type(config).__name__, None)  # DNABERT-2's remote `BertConfig`
    return same if isinstance(same, type) else None


def _native_defaults(config: Any) -> dict[str, Any]:
    """Default attributes of the transformers config class that a remote config class derives from.

    A remote subclass that overrides `__init__` (DNABERT-2's `BertConfig(transformers.BertConfig)`)
    no longer gets the parent's defaults in transformers 5 (e.g. `pad_token_id`, `is_decoder`).
    """
    cls = _native_parent(config)
    if cls is None:
        return {}
    try:
        return dict(vars(cls()))
    except Exception:  # pragma: no cover - a parent that cannot be built bare
        return {}


def legacy_config(config: Any) -> Any:
    """Give `config` the attribute defaults it lacks: its transformers parent's, then 4.x's (in place; returned)."""
    if type(config).__module__.startswith("transformers_modules"):
        for name, value in _native_defaults(config).items():
            if not name.startswith("_") and not hasattr(config, name):
                setattr(config, name, value)
    for name, value in LEGACY_CONFIG_DEFAULTS.items():
        if not hasattr(config, name):
            setattr(config, name, value)
    if not hasattr(config, "pruned_heads"):
        config.pruned_heads = {}
    return config


def restore_legacy_helpers() -> list[str]:
    """Add the missing helpers to `transformers.pytorch_utils` and `PreTrainedModel`; returns the names added."""
    import transformers.pytorch_utils as pu
    from transformers import PreTrainedModel

    added = []
    for owner, name, fn in ((pu, "find_pruneable_heads_and_indices", find_pruneable_heads_and_indices),
                            (pu, "prune_linear_layer", prune_linear_layer),
                            (PreTrainedModel, "get_extended_attention_mask", get_extended_attention_mask),
                            (PreTrainedModel, "invert_attention_mask", invert_attention_mask),
                            (PreTrainedModel, "get_head_mask", get_head_mask)):
        if not hasattr(owner, name):
            setattr(owner, name, fn)
            added.append(name)
    return added


@contextmanager
def real_init_for_remote_code() -> Iterator[None]:
    """Build remote-code models on the CPU, not on the meta device, while loading them.

    transformers 5 constructs a model under `torch.device("meta")` and only then loads weights.
    Published remote code written for 4.x computes state in `__init__` that no checkpoint holds:
    DNABERT-2 builds its ALiBi matrix there (mixing a CPU tensor with meta ones: "Tensor on device
    meta is not on the expected device cpu!"), GENA-LM registers a non-persistent `token_type_ids`
    buffer (replaced by uninitialised memory: garbage token types, then `IndexError`), and weights a
    checkpoint lacks (DNABERT-2's pooler) came out as NaN. transformers re-creates such state for its
    own classes only. Inside this context, classes from remote code are constructed for real and keep
    that state (as transformers 4 did); transformers' own classes are untouched.
    """
    from transformers import PreTrainedModel

    original = PreTrainedModel.__dict__["get_init_context"]

    def get_init_context(cls: type, *args: Any, **kwargs: Any) -> list:
        contexts = original.__func__(cls, *args, **kwargs)
        if cls.__module__.startswith("transformers_modules"):
            contexts = [c for c in contexts if not (isinstance(c, torch.device) and c.type == "meta")]
        return contexts

    move = PreTrainedModel._move_missing_keys_from_meta_to_device

    def keep_real_state(self: Any, *args: Any, **kwargs: Any) -> Any:
        # This step swaps every missing parameter and every non-persistent buffer for `torch.empty_like`
        # (meant for a model on the meta device). A model built for real already holds initialised
        # values there (DNABERT-2's unsaved pooler otherwise came out as NaN), so it is skipped.
        on_meta = any(t.device.type == "meta" for t in (*self.parameters(), *self.buffers()))
        if type(self).__module__.startswith("transformers_modules") and not on_meta:
            return None
        return move(self, *args, **kwargs)

    PreTrainedModel.get_init_context = classmethod(get_init_context)
    PreTrainedModel._move_missing_keys_from_meta_to_device = keep_real_state
    try:
        yield
    finally:
        PreTrainedModel.get_init_context = original
        PreTrainedModel._move_missing_keys_from_meta_to_device = move


KERNEL_ATTR = "flash_attn_qkvpacked_func"
"""The module global through which DNABERT-2's `bert_layers.py` calls its Triton kernel (None: PyTorch attention)."""


WHY_ATTR = "_phenoseq_pytorch_attention_why"
"""Set on a module whose kernel `use_pytorch_attention` cleared: why (so later loads report it too)."""
_NOTED: set[str] = set()


def kernel_modules(model: nn.Module) -> list[Any]:
    """The remote-code modules of `model`'s layers that define the Triton kernel global (set or cleared)."""
    names = {type(m).__module__ for m in model.modules()}
    return [sys.modules[n] for n in sorted(names) if n in sys.modules and hasattr(sys.modules[n], KERNEL_ATTR)]


def _kernel_sources(kernel: Any) -> list[str]:
    """Source of the module(s) that define `kernel`. DNABERT-2's entry point is `FlashAttnQKVPackedFunc.apply`,
    a method bound to an autograd Function: its own `__module__` is torch's, its class's is the kernel file."""
    names = []
    owner = getattr(kernel, "__self__", None)
    if isinstance(owner, type):
        names.append(owner.__module__)
    names.append(getattr(kernel, "__module__", ""))
    sources = []
    for name in dict.fromkeys(names):
        module = sys.modules.get(name or "")
        try:
            sources.append(inspect.getsource(module) if module is not None else "")
        except (OSError, TypeError):
            continue
    return sources


def stale_triton_kernel(kernel: Any) -> str | None:
    """Why `kernel` (a Triton flash-attention entry point) cannot compile with the installed Triton, or None.

    The kernel's module source uses `tl.dot(..., trans_b=True)` (Triton 2.0) while the installed
    `triton.language.dot` has no `trans_b` parameter (Triton >= 2.1).
    """
    if not any("trans_b=" in source for source in _kernel_sources(kernel)):
        return None
    try:
        import triton
        import triton.language as tl
    except Exception:  # the kernel imported Triton, which now fails: it cannot run either
        return "Triton cannot be imported"
    try:
        params = inspect.signature(tl.dot).parameters
    except (TypeError, ValueError):
        return None
    if "trans_b" in params:
        return None
    version = getattr(triton, "__version__", "?")
    return f"its Triton flash-attention kernel needs Triton 2.0 (tl.dot(..., trans_b=True)); Triton {version} has no trans_b"


def use_pytorch_attention(model: nn.Module) -> str | None:
    """Send `model` to its PyTorch attention where its Triton kernel cannot compile here; returns why, or None.

    Only the module global is cleared (`bert_layers.flash_attn_qkvpacked_func = None`, the very switch the
    published code uses when Triton is missing), so the weights and the math are the model's own. Says
    so once per process on stderr.
    """
    why = None
    for module in kernel_modules(model):
        kernel = getattr(module, KERNEL_ATTR)
        reason = stale_triton_kernel(kernel) if kernel is not None else None
        if reason:
            setattr(module, KERNEL_ATTR, None)
            setattr(module, WHY_ATTR, reason)
        if why is None and getattr(module, KERNEL_ATTR) is None:
            why = getattr(module, WHY_ATTR, None)
    if why and why not in _NOTED:
        _NOTED.add(why)
        print(f"note: {type(model).__name__}: {why}; using its PyTorch attention (same weights, slower)",
              file=sys.stderr)
    return why
