"""Commands of this package for `bench` (filled in by its owner)."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root `bench` app."""
