"""`bench`: the PhenoSeq Bench command line. Each package contributes its commands.

This is also the one place user errors are handled: any `loaders.core.errors.UserError` raised by
any command is printed as one line (`<label>: <message>` on stderr, label `error` or e.g.
`rejected`) and the command exits with the error's `exit_code` (2). Commands never catch user
errors themselves; everything else is a bug and keeps its traceback.
"""
from __future__ import annotations

from typing import Any

import click
import typer
from typer.core import TyperGroup

import baselines.cli
import benchmark.cli
import benchmark.interpret.cli
import benchmark.interpret.motifs_cli
import leaderboard.cli
import loaders.cli
import phenoseq.audit_cli
from loaders.core.errors import UserError


def report(exc: UserError) -> int:
    """Print `exc` as one line on stderr; return its exit code."""
    typer.echo(f"{getattr(exc, 'label', 'error')}: {exc.one_line()}", err=True)
    return int(getattr(exc, "exit_code", 2))


class BenchGroup(TyperGroup):
    """Root command group: turns a `UserError` from any sub-command into one line and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise typer.Exit(report(exc)) from None


def new_app(**kwargs: Any) -> typer.Typer:
    """A typer app with the root error handling (tests mount single packages' commands on one)."""
    return typer.Typer(cls=BenchGroup, pretty_exceptions_enable=False, **kwargs)


app = new_app(
    name="bench",
    help="PhenoSeq Bench: genotype-phenotype classification benchmarks for genomic language models.",
    no_args_is_help=True,
    add_completion=False,
)
loaders.cli.register(app)
benchmark.cli.register(app)
benchmark.interpret.cli.register(app)
benchmark.interpret.motifs_cli.register(app)
baselines.cli.register(app)
leaderboard.cli.register(app)
phenoseq.audit_cli.register(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
