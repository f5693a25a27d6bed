"""`bench`: the PhenoSeq Bench command line. Each package contributes its commands.

This is also the one place user errors are handled: any `loaders.core.errors.UserError` raised by
any command is printed as one line (`<label>: <message>` on stderr, label `error` or e.g.
`rejected`) and the command exits with the error's `exit_code` (2). Commands never catch user
errors themselves; everything else is a bug and keeps its traceback. Two kinds of fault are the
user's too and get the same one line: a usage error (missing option, bad value; the line points at
`--help`), and an environment error on a path (permission denied, read-only file system, disk
full, quota).

Every package's `cli.py` imports only typer/rich at module level (the work is imported inside each
command), so `bench --help` and `bench submit` start without torch, transformers, datasets or pandas.
"""
from __future__ import annotations

import errno
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer >= 0.2x parses with its own copy of click
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - typer on the click package
    from click.exceptions import NoArgsIsHelpError, UsageError

import baselines.cli
import benchmark.cli
import benchmark.interpret.cli
import benchmark.interpret.motifs_cli
import leaderboard.cli
import loaders.cli
import phenoseq.audit_cli
from loaders.core.errors import UserError


ENVIRONMENT_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}
"""OSErrors that are the machine's state, not a bug: reported in one line like a `UserError`."""


def report(exc: UserError) -> int:
    """Print `exc` as one line on stderr; return its exit code."""
    typer.echo(f"{getattr(exc, 'label', 'error')}: {exc.one_line()}", err=True)
    return int(getattr(exc, "exit_code", 2))


def _usage_line(exc: UsageError) -> str:
    text = " ".join(exc.format_message().split())
    where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
    return f"error: {text}{where}"


class BenchGroup(TyperGroup):
    """Root command group: turns a `UserError` from any sub-command into one line and its exit code
    (also a usage error or an environment `OSError`; see the module docstring)."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:
            typer.echo(_usage_line(exc), err=True)
            raise typer.Exit(2) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise typer.Exit(report(exc)) from None
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:
            typer.echo(_usage_line(exc), err=True)
            raise typer.Exit(2) from None
        except OSError as exc:
            if exc.errno not in ENVIRONMENT_ERRNOS:
                raise
            where = exc.filename if exc.filename is not None else "a path"
            typer.echo(f"error: {where}: {exc.strerror or errno.errorcode.get(exc.errno, 'OSError')}", err=True)
            raise typer.Exit(2) from None


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
