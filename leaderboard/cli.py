"""`bench submit` and `bench leaderboard [push]`: thin layer over validate/store/render/push."""
from __future__ import annotations

from pathlib import Path

import typer

STORE_HELP = "Results store directory (default: $PHENOSEQ_LEADERBOARD or <cache>/leaderboard)."


def _store(path: Path | None):
    from leaderboard.store import ResultsStore, default_store_dir
    from loaders.core.files import check_output_dir

    return ResultsStore(check_output_dir(path or default_store_dir(), "--store"))


def submit(
    results: Path = typer.Argument(..., help="Results JSON (its predictions parquet beside it)."),
    store: Path | None = typer.Option(None, "--store", help=STORE_HELP),
    source: str | None = typer.Option(None, "--source", help="Local build to score against (default: the results' dataset source)."),
) -> None:
    """Validate RESULTS, re-compute every metric from its predictions, and store the entry."""
    from leaderboard.store import submit as do_submit

    target = _store(store)  # a --store that is a file fails before the submission is read
    stored = do_submit(results, target, source=source)
    entry = target.read_entry(stored.entry_id)
    s = entry["summary"]
    verb = "accepted" if stored.created else "already stored"
    typer.echo(f"{verb}: {stored.entry_id} · {entry['task']} · {entry['model']['id']} · "
               f"accuracy {s['accuracy']['mean']:.4f} ± {s['accuracy']['sd']:.4f}, mcc {s['mcc']['mean']:.4f} ± {s['mcc']['sd']:.4f} (re-computed)")


board_app = typer.Typer(help="Render the leaderboard (html|md|json), or `push` it to the Hub.", no_args_is_help=False)


@board_app.callback(invoke_without_command=True)
def leaderboard(
    ctx: typer.Context,
    task: str | None = typer.Option(None, "--task", "-t", help="Only this task."),
    fmt: str = typer.Option("html", "--format", "-f", help="html, md or json."),
    out: Path = typer.Option(Path("site"), "--out", "-o", help="Output directory."),
    store: Path | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Render per-task tables (mean ± sd over seeds) and plots from the results store."""
    if ctx.invoked_subcommand is not None:
        return
    from leaderboard.render import FORMATS, render
    from loaders.core.errors import UserError
    from loaders.core.files import check_output_dir

    if fmt not in FORMATS:
        raise UserError(f"unknown format '{fmt}' (formats: {', '.join(FORMATS)})")
    check_output_dir(out, "--out")
    from leaderboard.audit import load_audits

    results_store = _store(store)
    rows, audits = results_store.rows(), load_audits(results_store.root, task)
    if task and not any(r["task"] == task for r in rows) and not audits:
        raise UserError(f"no entries for task '{task}' in the store")
    path = render(rows, out, fmt, task=task, audits=audits)
    typer.echo(f"leaderboard: {path}")


@board_app.command("push")
def push_cmd(
    repo: str = typer.Option(..., "--repo", help="Hub dataset repo, org/name."),
    store: Path | None = typer.Option(None, "--store", help=STORE_HELP),
    token: str | None = typer.Option(None, "--token", envvar="HF_TOKEN", help="Hub token (default: $HF_TOKEN / cached login)."),
    private: bool = typer.Option(False, "--private", help="Create the repo as private."),
) -> None:
    """Publish the results store as a Hub dataset."""
    from leaderboard.push import push

    url = push(_store(store), repo, token=token, private=private)
    typer.echo(f"pushed: {url}")


def register(app: typer.Typer) -> None:
    """Add `bench submit` and `bench leaderboard [push]` to the root `bench` app."""
    app.command("submit")(submit)
    app.add_typer(board_app, name="leaderboard")
