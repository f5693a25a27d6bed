"""`bench audit`: the leakage audit (random vs grouped split, same models, same seeds), and `bench audit submit`.

A thin layer over `benchmark.audit` (the audit) and `leaderboard.audit` (validation, store, plot).
It lives in the composition root because it builds both baselines and fine-tuned models.
Heavy modules are imported inside the command bodies.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

audit_app = typer.Typer(help="Leakage audit: the same models and seeds on the random and the grouped split.",
                        no_args_is_help=False)


def _contenders(baseline: str | None, models: list[str], epochs: float | None,
                lr: float, batch_size: int, max_length: int | None, trust_remote_code: bool,
                threads: int | None) -> list[Any]:
    """`Contender`s for the named baselines (comma-separated) and fine-tuned models."""
    from baselines.registry import check_options, from_options
    from benchmark.audit import Contender

    out = []
    for name in [n.strip() for n in (baseline or "").split(",") if n.strip()]:
        options = {"epochs": epochs if name == "cnn" else None, "threads": threads if name == "cnn" else None}
        check_options(name, options)

        def make(task, seed, name=name, options=options):
            return from_options(name, task, options)

        out.append(Contender(name, make, {"baseline": name, **({k: v for k, v in options.items() if v is not None})}))
    for model in models:
        from benchmark.finetune import FineTuneConfig, FineTunePredictor

        cfg = FineTuneConfig(epochs=epochs or 3.0, lr=lr, batch_size=batch_size, max_length=max_length, progress=False)

        def make_ft(task, seed, model=model, cfg=cfg):
            return FineTunePredictor(model, cfg, trust_remote_code=trust_remote_code, task_id=task.id,
                                     label_names=task.label_names)

        out.append(Contender(model, make_ft, {"model": model, "epochs": cfg.epochs, "lr": lr, "batch_size": batch_size,
                                              "max_length": max_length, "trust_remote_code": trust_remote_code}))
    return out


@audit_app.callback(invoke_without_command=True)
def audit(
    ctx: typer.Context,
    task: str | None = typer.Option(None, "--task", "-t", help="<dataset>/<config>, or csv:PATH / fasta:PATH without a split column."),
    baseline: str | None = typer.Option(None, "--baseline", "-b", help="Comma-separated baselines, e.g. kmer-lr,cnn."),
    model: list[str] = typer.Option([], "--model", "-m", help="Hub id or local model directory to fine-tune (repeatable)."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Seeds 0..N-1: model seed i and split seed (build seed + i) on both variants."),
    source: str | None = typer.Option(None, "--source", help="Dataset source: grch38 (default) or demo."),
    out: Path = typer.Option(Path("results/audit"), "--out", "-o", help="Output directory."),
    nearest: bool = typer.Option(True, "--nearest/--no-nearest", help="Nearest train row of each test row (seed 0, both variants)."),
    epochs: float | None = typer.Option(None, "--epochs", help="cnn: maximum epochs; --model: fine-tuning epochs (default 3)."),
    lr: float = typer.Option(2e-5, "--lr", help="--model: peak learning rate."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="--model: rows per batch."),
    max_length: int | None = typer.Option(None, "--max-length", help="--model: tokens per input."),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code", help="--model: allow the model's own code."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="cnn: CPU threads."),
) -> None:
    """Train the same models with the same seeds on the random and the grouped split; report the inflation."""
    if ctx.invoked_subcommand is not None:
        return
    from loaders.core.errors import UserError

    if not task:
        raise UserError("bench audit needs --task <dataset>/<config> (or csv:PATH / fasta:PATH)")
    from benchmark.cli import check_run_options
    from loaders.core.files import check_output_dir

    check_run_options(**{"--epochs": epochs, "--lr": lr, "--max-length": max_length})
    out = check_output_dir(out, "--out")
    from rich.console import Console

    from benchmark.audit import load_pool, run_audit
    from benchmark.cli import quiet_transformers, stdout
    from leaderboard.audit import plot_audit, summary_rows

    err = Console(stderr=True)
    contenders = _contenders(baseline, model, epochs, lr, batch_size, max_length, trust_remote_code, threads)
    if not contenders:
        raise UserError("nothing to audit: name --baseline (e.g. kmer-lr,cnn) and/or --model")
    if model:
        quiet_transformers()
    pool = load_pool(task, source=source)

    def on_run(name: str, variant: str, seed: int, m: dict[str, Any]) -> None:
        err.print(f"{name} · {variant} · seed {seed}: accuracy {m['accuracy']:.4f}  mcc {m['mcc']:.4f}")

    result, path = run_audit(pool, contenders, seeds, out, nearest=nearest, on_run=on_run)
    png = plot_audit(result, path.with_suffix(".png"))
    from rich.table import Table

    table = Table(title=f"leakage audit · {task} · {seeds} seed(s) · inflation = random − grouped")
    for col in ("model", "metric", "grouped", "random", "inflation"):
        table.add_column(col, justify="left" if col in ("model", "metric") else "right", no_wrap=True)
    for row in summary_rows(result, metrics=("accuracy", "mcc", "auroc")):
        table.add_row(*row)
    stdout.print(table)
    for variant, block in (result.get("nearest") or {}).items():
        if isinstance(block, dict) and "linked" in block:
            stdout.print(f"{variant}: {block['linked']} of {block['test_rows']} test rows have a train row at >= 95 % "
                         f"identity over >= 80 % (median identity {block['identity']['median']:.3f}, "
                         f"coverage {block['coverage']['median']:.3f})")
    stdout.print(f"audit: {path}\nplot: {png}")


@audit_app.command("submit")
def submit(
    audit_json: Path = typer.Argument(..., help="An audit JSON written by `bench audit` (its runs beside it)."),
    store: Path | None = typer.Option(None, "--store", help="Results store directory (default: $PHENOSEQ_LEADERBOARD or <cache>/leaderboard)."),
    source: str | None = typer.Option(None, "--source", help="Local build to check against (default: the audit's dataset source)."),
) -> None:
    """Re-derive both split variants from the local build, re-score every run from its predictions, store the audit."""
    from leaderboard.audit import submit_audit
    from leaderboard.store import default_store_dir

    audit_id, created = submit_audit(audit_json, store or default_store_dir(), source=source)
    typer.echo(f"{'accepted' if created else 'already stored'}: audit {audit_id} (re-scored)")


def register(app: typer.Typer) -> None:
    """Add `bench audit [submit]` to the root `bench` app."""
    app.add_typer(audit_app, name="audit")
