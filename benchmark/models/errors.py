"""One-line model errors: which model, which step (load, train, save, predict, explain), what went wrong.

`ModelError` is the user-facing error of everything model-side (`bench run`, `bench interpret`
print it as one line and exit 2). `model_step` turns any failure inside a step — often raised deep
in a model's own remote code — into a `ModelError` naming the model, the step and the cause.
Set `PHENOSEQ_DEBUG=1` to get the original exception and its traceback instead.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from loaders.core.errors import UserError

STEPS = ("load", "train", "save", "predict", "explain")


class ModelError(UserError, ValueError):
    """A user-facing model problem (unknown id, bad max length, a model failing a step); one-line message."""


def cause(exc: BaseException) -> str:
    """`Type: first line of the message` (at most 300 characters)."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    name = type(exc).__name__
    return f"{name}: {first[:300]}" if first else name


def step_error(model: str, step: str, exc: BaseException | str) -> ModelError:
    """`model 'M': STEP failed: CAUSE`."""
    why = exc if isinstance(exc, str) else cause(exc)
    return ModelError(f"model '{model}': {step} failed: {why}")


@contextmanager
def model_step(model: str, step: str) -> Iterator[None]:
    """Re-raise any failure inside the block as a one-line `ModelError` (already-`ModelError`s pass through)."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    try:
        yield
    except ModelError:
        raise
    except Exception as exc:  # a model's own code can raise anything
        if os.environ.get("PHENOSEQ_DEBUG", "") not in ("", "0"):
            raise
        raise step_error(model, step, exc) from exc
