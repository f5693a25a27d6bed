"""`bench baseline <name> --task <task> --seeds 3`: score a baseline exactly like `bench run`.

Which options a baseline takes, and how it is built from them, comes from `baselines.registry`;
this module only declares the flags. The harness (datasets, scikit-learn, torch) is imported inside
the command, so `bench --help` stays fast.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from baselines.registry import OPTIONS, baseline_config, baseline_names, check_options, from_options
from benchmark.cli import RANDOM_SPLIT_HELP, check_run_options, out_dir_option

err = Console(stderr=True)


def load_task(task: str, source: str | None = None, random_split: bool = False) -> Any:
    """`benchmark.tasks.load_task`, imported on use."""
    from benchmark.tasks import load_task as load

    return load(task, source=source, random_split=random_split)


def baseline(
    name: str = typer.Argument(..., help=f"One of: {', '.join(baseline_names())}."),
    task: str = typer.Option(..., "--task", "-t", help="<dataset>/<config>, e.g. herv_classification/binary."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Number of seeds (0..N-1)."),
    source: str | None = typer.Option(None, "--source", help="Dataset source: grch38 (default) or demo."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Results directory (default: results).", show_default=False),
    output: Path | None = typer.Option(None, "--output", hidden=True, help="Deprecated spelling of --out."),
    model: str | None = typer.Option(None, "--model", "-m", help=f"random-init: {OPTIONS['model']}"),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code", help=f"random-init: {OPTIONS['trust_remote_code']}"),
    epochs: float | None = typer.Option(None, "--epochs", help=OPTIONS["epochs"]),
    threads: int | None = typer.Option(None, "--threads", min=1, help=f"cnn: {OPTIONS['threads']}"),
    shuffle_labels: bool = typer.Option(False, "--shuffle-labels", help="Negative control: seeded permutation of the train labels (test untouched); should score at chance."),
    random_split: bool = typer.Option(False, "--random-split", help=RANDOM_SPLIT_HELP),
) -> None:
    """Fit baseline NAME on TASK for several seeds; write results JSON + predictions parquet."""
    from loaders.core.files import check_output_dir

    output = check_output_dir(out_dir_option(out, output, Path("results")), "--out")
    options = {"model": model, "trust_remote_code": trust_remote_code or None, "epochs": epochs, "threads": threads}
    check_options(name, options)  # cheap checks before the task is built
    check_run_options(**{"--epochs": epochs})
    from benchmark.byo import check_task_sequences, check_task_usable
    from benchmark.runner import results_stem, run_predictor

    the_task = load_task(task, source=source, random_split=random_split)
    if shuffle_labels:
        from benchmark.controls import shuffle_train_labels

        the_task = shuffle_train_labels(the_task, seed=0)
    check_task_sequences(the_task)
    check_task_usable(the_task)  # one class, an empty split...: one line, before anything is fitted
    first = from_options(name, the_task, options)  # resolves --model before any training
    made = {0: first}
    info = first.info()
    stem = results_stem(the_task.id, info["id"]) + ("__random-init" if info.get("random_init") else "") \
        + ("__shuffled-labels" if shuffle_labels else "") + ("__random-split" if random_split else "")
    run_config = {"baseline": name, **baseline_config(first), "source": the_task.source,
                  "seeds": list(range(seeds)), "shuffle_labels": shuffle_labels}

    def on_seed(seed: int, entry: dict[str, Any]) -> None:
        m = entry["metrics"]
        err.print(f"seed {seed}: accuracy {m['accuracy']:.4f}  mcc {m['mcc']:.4f}  ({entry['train_seconds']:.1f}s)")

    results, path = run_predictor(lambda s: made.pop(s, None) or from_options(name, the_task, options), the_task,
                                  list(range(seeds)), output, run_config, stem=stem, on_seed=on_seed)
    s = results["summary"]
    typer.echo(f"{the_task.id} · {name} · {seeds} seed(s): accuracy {s['accuracy']['mean']:.4f} ± {s['accuracy']['sd']:.4f}, "
               f"mcc {s['mcc']['mean']:.4f} ± {s['mcc']['sd']:.4f}")
    typer.echo(f"results: {path}")


def register(app: typer.Typer) -> None:
    """Add `bench baseline` to the root `bench` app."""
    app.command("baseline")(baseline)
