"""`bench run` (fine-tune a model on a task, several seeds) and `bench ls` (tasks and adapters).

A thin layer over `benchmark.finetune` and `benchmark.runner.run_predictor`. User errors
(unknown model or task, bad CSV, illegal characters, max length too large) are raised before
anything is written (the CLI root prints them as one line, exit 2); results are written only
after every seed is done.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

err = Console(stderr=True)
stdout = Console()
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
ATTN = ("auto", "sdpa", "eager")  # benchmark.speed.ATTN_CHOICES, without importing torch


RULES: dict[str, tuple[Any, str]] = {
    "--precision": (lambda v: v in PRECISIONS, f"must be one of {', '.join(PRECISIONS)}"),
    "--attn": (lambda v: v in ATTN, f"must be one of {', '.join(ATTN)}"),
    "--epochs": (lambda v: v > 0, "must be > 0"),
    "--lr": (lambda v: v > 0, "must be > 0"),
    "--weight-decay": (lambda v: v >= 0, "must be >= 0"),
    "--warmup": (lambda v: 0 <= v < 1, "must be in [0, 1)"),
    "--patience": (lambda v: v >= 0, "must be >= 0"),
    "--max-length": (lambda v: v >= 2, "must be at least 2"),
    "--max-tokens": (lambda v: v >= 1, "must be at least 1"),
    "--pad-multiple": (lambda v: v >= 1, "must be at least 1"),
    "--workers": (lambda v: v >= 0, "must be at least 0"),
}


def check_run_options(**opts: Any) -> None:
    """One-line errors for training option values (`bench run`, `bench baseline`, `bench audit`), before any
    task is built or model loaded. Checks the flags given (keys of `RULES`); a value of None means "default"."""
    from loaders.core.errors import UserError

    for flag, value in opts.items():
        ok, what = RULES[flag]
        if value is not None and not ok(value):
            raise UserError(f"{flag} {what}, got {value!r}")


RANDOM_SPLIT_HELP = ("csv:/fasta: tasks without a split column: the study's per-class random split instead of the "
                     "grouped one (leaks near-duplicates; recorded in the results).")


def out_dir_option(out: Path | None, output: Path | None, default: Path) -> Path:
    """The `--out` directory; `--output` is its deprecated, hidden spelling (one name per concept)."""
    if output is not None:
        err.print("note: --output is deprecated; use --out", highlight=False)
        if out is not None and out != output:
            from loaders.core.errors import UserError

            raise UserError(f"--out {out} and --output {output} disagree; pass only --out")
        return output
    return out if out is not None else default


def quiet_transformers() -> None:
    """No weight-loading reports or shard progress bars (training progress stays)."""
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    try:
        import datasets

        datasets.disable_progress_bars()
    except Exception:  # pragma: no cover
        pass


def limit_task(task: Any, limit: int, seed: int = 0) -> Any:
    """At most `limit` rows per split (seeded shuffle); the fingerprint is recomputed for the new test split."""
    from datasets import DatasetDict

    from loaders.core.fingerprint import fingerprint_split

    data = DatasetDict({k: (v.shuffle(seed=seed).select(range(min(limit, len(v)))) if len(v) > limit else v)
                        for k, v in task.data.items()})
    task.data = data
    task.fingerprint = fingerprint_split(data["test"])
    task.meta = {**task.meta, "limit": limit}
    return task


def summary_table(results: dict[str, Any], title: str) -> Table:
    """Rich table: one row per metric, mean ± sd over seeds."""
    table = Table(title=title)
    table.add_column("metric", no_wrap=True)
    table.add_column("mean ± sd", justify="right", no_wrap=True)
    table.add_column("n", justify="right")
    for name, s in results["summary"].items():
        value = "—" if s["mean"] is None else f"{s['mean']:.4f} ± {s['sd']:.4f}"
        table.add_row(name, value, str(s["n"]))
    return table


def is_main_process() -> bool:
    """Rank 0 (or not distributed) under `accelerate launch` / `torchrun`."""
    return int(os.environ.get("RANK", "0")) == 0


def run(
    model: str = typer.Option(..., "--model", "-m", help="Hub id or local model directory."),
    task: str = typer.Option(..., "--task", "-t", help="<dataset>/<config>, csv:PATH or fasta:PATH."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Number of seeds (0..N-1)."),
    epochs: float = typer.Option(3.0, "--epochs", help="Maximum epochs (early stopping on validation loss)."),
    lr: float = typer.Option(2e-5, "--lr", help="Peak learning rate (AdamW, warmup then cosine)."),
    batch_size: int = typer.Option(16, "--batch-size", min=1),
    max_length: int | None = typer.Option(None, "--max-length", help="Tokens per input (default: min(model max, family default))."),
    lora: bool = typer.Option(False, "--lora", help="Train LoRA adapters (peft) instead of all weights."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most N rows per split (quick runs)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Results directory (default: results).", show_default=False),
    output: Path | None = typer.Option(None, "--output", hidden=True, help="Deprecated spelling of --out."),
    windows: bool = typer.Option(False, "--windows", help="Sliding windows with pooled logits instead of head+tail truncation."),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code", help="Allow the model's own code (recorded in results)."),
    source: str | None = typer.Option(None, "--source", help="Dataset source: grch38 (default) or demo."),
    weight_decay: float = typer.Option(0.01, "--weight-decay"),
    warmup: float = typer.Option(0.1, "--warmup", help="Warmup fraction of the training steps."),
    patience: int = typer.Option(3, "--patience", help="Early-stopping patience in epochs (0: off)."),
    precision: str = typer.Option("auto", "--precision", help="auto (bf16/fp16 on GPU, fp32 on CPU), fp32, bf16, fp16."),
    adapter: str | None = typer.Option(None, "--adapter", help="Force a model adapter (see `bench ls`)."),
    random_init: bool = typer.Option(False, "--random-init", help="Same architecture, freshly initialised weights."),
    resume: bool = typer.Option(False, "--resume", help="Continue each seed from its last checkpoint under OUTPUT/checkpoints."),
    save_models: bool = typer.Option(True, "--save-models/--no-save-models", help="Save each seed's model under OUTPUT/models."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    shuffle_labels: bool = typer.Option(False, "--shuffle-labels", help="Negative control: seeded permutation of the train labels (test untouched); should score at chance."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", help="Token budget per training step (rows x padded width; e.g. 32768 on an H100) instead of --batch-size rows."),
    pad_multiple: int | None = typer.Option(None, "--pad-multiple", help="Round batch widths up to a multiple (default 64 on CUDA, 1 on CPU)."),
    attn: str = typer.Option("auto", "--attn", help="Attention kernel: auto (SDPA where the model has it), sdpa, eager."),
    compile_model: bool = typer.Option(False, "--compile/--no-compile", help="torch.compile the model (pays off on GPU over long runs)."),
    workers: int | None = typer.Option(None, "--workers", help="Data-loader worker processes (default 2 on CUDA, 0 on CPU)."),
    eval_batch_size: int | None = typer.Option(None, "--eval-batch-size", min=1, help="Evaluation rows per batch (default 2x --batch-size)."),
    random_split: bool = typer.Option(False, "--random-split", help=RANDOM_SPLIT_HELP),
) -> None:
    """Fine-tune MODEL on TASK for several seeds; write results JSON + predictions parquet."""
    from loaders.core.files import check_output_dir

    check_run_options(**{"--precision": precision, "--attn": attn, "--epochs": epochs, "--lr": lr,
                         "--weight-decay": weight_decay, "--warmup": warmup, "--patience": patience,
                         "--max-length": max_length, "--max-tokens": max_tokens, "--pad-multiple": pad_multiple,
                         "--workers": workers})
    output = check_output_dir(out_dir_option(out, output, Path("results")), "--out")
    quiet_transformers()
    from benchmark.byo import check_task_sequences, check_task_usable
    from benchmark.finetune import FineTuneConfig, FineTunePredictor, pick_precision
    from benchmark.runner import results_stem, run_predictor
    from benchmark.tasks import load_task

    out_dir: Path | None = None
    try:
        cfg = FineTuneConfig(epochs=epochs, lr=lr, weight_decay=weight_decay, warmup_ratio=warmup, batch_size=batch_size,
                             max_length=max_length, windows=windows, patience=patience, lora=lora, precision=precision,
                             progress=progress, max_tokens=max_tokens, pad_multiple=pad_multiple, attn=attn,
                             compile=compile_model, num_workers=workers, eval_batch_size=eval_batch_size)
        pick_precision(precision)
        the_task = load_task(task, source=source, random_split=random_split)
        if limit:
            the_task = limit_task(the_task, limit)
        if shuffle_labels:
            from benchmark.controls import shuffle_train_labels

            the_task = shuffle_train_labels(the_task, seed=0)
        check_task_sequences(the_task)
        check_task_usable(the_task)  # one class, an empty split...: one line, before any model is made
        stem = (results_stem(the_task.id, model) + ("__random-init" if random_init else "")
                + ("__shuffled-labels" if shuffle_labels else "") + ("__random-split" if random_split else ""))
        main = is_main_process()
        out_dir = output if main else Path(tempfile.mkdtemp(prefix="phenoseq-rank-"))

        def make(seed: int) -> FineTunePredictor:
            return FineTunePredictor(
                model, cfg, trust_remote_code=trust_remote_code, random_init=random_init, adapter=adapter,
                output_dir=output / "checkpoints" / stem, resume=resume, task_id=the_task.id,
                save_dir=(out_dir / "models" / stem / f"seed-{seed}") if save_models and main else None,
                label_names=the_task.label_names)

        first = make(0)  # resolves the model and checks --max-length before any training
        run_config = {
            "epochs": epochs, "lr": lr, "weight_decay": weight_decay, "warmup_ratio": warmup, "scheduler": cfg.scheduler,
            "batch_size": batch_size, "max_length": first.max_length, "truncation": "windows" if windows else "head+tail",
            "lora": lora, "patience": patience, "class_weighted_loss": cfg.class_weights, "group_by_length": cfg.group_by_length,
            "precision": pick_precision(precision), "limit": limit, "random_init": random_init,
            "trust_remote_code": trust_remote_code, "source": the_task.source, "seeds": list(range(seeds)),
            "shuffle_labels": shuffle_labels, "max_tokens": max_tokens, "pad_multiple": first._pad_multiple(),
            "attn": attn, "compile": compile_model, "eval_batch_size": first._eval_batch_size(),
        }
        made = {0: first}

        def on_seed(seed: int, entry: dict[str, Any]) -> None:
            stats = dict(getattr(fitted[-1], "train_stats", None) or {}) if fitted else {}
            run_config.update({k: stats[k] for k in ("attn_implementation", "optimizer", "batches_per_epoch",
                                                     "examples_per_batch") if k in stats})
            if main:
                m = entry["metrics"]
                err.print(f"seed {seed}: accuracy {m['accuracy']:.4f}  mcc {m['mcc']:.4f}  ({entry['train_seconds']:.1f}s)")

        fitted: list[FineTunePredictor] = []

        def next_predictor(seed: int) -> FineTunePredictor:
            fitted[:] = [made.pop(seed, None) or make(seed)]  # only the latest: earlier models can be freed
            return fitted[0]

        results, path = run_predictor(next_predictor, the_task, list(range(seeds)), out_dir,
                                      run_config, stem=stem, on_seed=on_seed)
    finally:
        if not is_main_process() and out_dir is not None:
            shutil.rmtree(out_dir, ignore_errors=True)  # a replica's copy of the results
    if main:
        stdout.print(summary_table(results, f"{the_task.id} · {model} · {seeds} seed(s)"))
        stdout.print(f"results: {path}")


def ls() -> None:
    """List tasks and model adapters."""
    from benchmark.models import list_adapters
    from benchmark.tasks import list_tasks

    tasks = Table(title="tasks")
    tasks.add_column("task", no_wrap=True)
    for col in ("classes", "sources", "description"):
        tasks.add_column(col)
    for row in list_tasks():
        tasks.add_row(row["task"], ", ".join(row["classes"]), ", ".join(row["sources"]), row["description"])
    tasks.add_row("csv:PATH", "from the file", "—", "your own CSV: sequence,label[,split]")
    tasks.add_row("fasta:PATH", "from the headers", "—", "your own FASTA: >ID label=NAME [split=...]")
    stdout.print(tasks)
    adapters = Table(title="model adapters")
    adapters.add_column("adapter", no_wrap=True)
    for col in ("remote code", "description"):
        adapters.add_column(col)
    for row in list_adapters():
        adapters.add_row(row["adapter"], "yes" if row["needs_remote_code"] else "no", row["description"])
    stdout.print(adapters)


def register(app: typer.Typer) -> None:
    """Add `run` and `ls` to the root `bench` app."""
    app.command("run")(run)
    app.command("ls")(ls)
