"""`bench baseline <name> --task <task> --seeds 3`: score a baseline exactly like `bench run`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from baselines.random_init import BaselineError
from baselines.registry import BASELINES, baseline_config, make_baseline
from benchmark.runner import results_stem, run_predictor
from benchmark.tasks import load_task

err = Console(stderr=True)


def _user_errors() -> tuple[type[Exception], ...]:
    types: list[type[Exception]] = [BaselineError]
    for mod, name in (("benchmark.tasks", "TaskError"), ("loaders.api", "DatasetError"), ("benchmark.models", "ModelError")):
        try:
            types.append(getattr(__import__(mod, fromlist=[name]), name))
        except (ImportError, AttributeError):
            pass
    return tuple(types)


def baseline(
    name: str = typer.Argument(..., help=f"One of: {', '.join(BASELINES)}."),
    task: str = typer.Option(..., "--task", "-t", help="<dataset>/<config>, e.g. herv_classification/binary."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Number of seeds (0..N-1)."),
    source: str | None = typer.Option(None, "--source", help="Dataset source: grch38 (default) or demo."),
    output: Path = typer.Option(Path("results"), "--output", "-o", help="Results directory."),
    model: str | None = typer.Option(None, "--model", "-m", help="random-init only: architecture to re-initialise."),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code", help="random-init only: allow the model's code."),
    epochs: float | None = typer.Option(None, "--epochs", help="cnn: maximum epochs (default 40); random-init: fine-tuning epochs (default 3)."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="cnn: CPU threads (default 1)."),
    shuffle_labels: bool = typer.Option(False, "--shuffle-labels", help="Negative control: seeded permutation of the train labels (test untouched); should score at chance."),
) -> None:
    """Fit baseline NAME on TASK for several seeds; write results JSON + predictions parquet."""
    try:
        if name not in BASELINES:
            raise BaselineError(f"unknown baseline '{name}' (baselines: {', '.join(BASELINES)})")
        if model and name != "random-init":
            raise BaselineError(f"--model only applies to random-init, not '{name}'")
        if epochs is not None and name not in ("cnn", "random-init"):
            raise BaselineError(f"--epochs only applies to cnn and random-init, not '{name}'")
        if threads is not None and name != "cnn":
            raise BaselineError(f"--threads only applies to cnn, not '{name}'")
        the_task = load_task(task, source=source)
        if shuffle_labels:
            from benchmark.controls import shuffle_train_labels

            the_task = shuffle_train_labels(the_task, seed=0)
        options: dict[str, Any] = {}
        if name == "cnn":
            options = {k: v for k, v in (("max_epochs", None if epochs is None else int(epochs)), ("num_threads", threads))
                       if v is not None}
        if name == "random-init":
            options = {"model": model, "config": {"epochs": 3.0 if epochs is None else epochs, "progress": False},
                       "trust_remote_code": trust_remote_code, "task_id": the_task.id,
                       "label_names": the_task.label_names}
        first = make_baseline(name, **options)  # resolves --model before any training
        made = {0: first}
        stem = (results_stem(the_task.id, model) + "__random-init" if name == "random-init"
                else results_stem(the_task.id, f"baseline/{name}")) + ("__shuffled-labels" if shuffle_labels else "")
        run_config = {"baseline": name, **baseline_config(first), "source": the_task.source,
                      "seeds": list(range(seeds)), "shuffle_labels": shuffle_labels}

        def on_seed(seed: int, entry: dict[str, Any]) -> None:
            m = entry["metrics"]
            err.print(f"seed {seed}: accuracy {m['accuracy']:.4f}  mcc {m['mcc']:.4f}  ({entry['train_seconds']:.1f}s)")

        results, path = run_predictor(lambda s: made.pop(s, None) or make_baseline(name, **options), the_task,
                                      list(range(seeds)), output, run_config, stem=stem, on_seed=on_seed)
    except _user_errors() as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    s = results["summary"]
    typer.echo(f"{the_task.id} · {name} · {seeds} seed(s): accuracy {s['accuracy']['mean']:.4f} ± {s['accuracy']['sd']:.4f}, "
               f"mcc {s['mcc']['mean']:.4f} ± {s['mcc']['sd']:.4f}")
    typer.echo(f"results: {path}")


def register(app: typer.Typer) -> None:
    """Add `bench baseline` to the root `bench` app."""
    app.command("baseline")(baseline)
