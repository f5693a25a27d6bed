"""`bench interpret`: attributions, regions, motif enrichment and the planted-motif check.

A thin layer over `benchmark.interpret.pipeline`. Without `--check`, writes regions (BED +
FASTA), FIMO hits, the enrichment table, figures and `report.html` into `--out`. With
`--check planted`, scores the planted-motif probe and writes the `interpretation` block
into `--results` (an existing results JSON, replaced atomically) or `<out>/interpretation.json`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from loaders.core.errors import UserError


def _label_index(value: str | None, names: list[str], default: int) -> int:
    if value is None:
        return default
    if value in names:
        return names.index(value)
    if value.isdigit() and int(value) < len(names):
        return int(value)
    raise UserError(f"'{value}' is not a class of this task ({', '.join(names)})")


def interpret(
    model: Path = typer.Option(..., "--model", "-m", help="Fine-tuned model directory (from `bench run`, with phenoseq.json)."),
    task: str = typer.Option(..., "--task", "-t", help="<dataset>/<config>, csv:PATH or fasta:PATH."),
    method: str = typer.Option("attention", "--method", help="attention | gradxinput | ig."),
    source: str | None = typer.Option(None, "--source", help="Dataset source: grch38 (default) or demo."),
    out: Path = typer.Option(Path("interpretation"), "--out", "-o", help="Output directory."),
    check: str | None = typer.Option(None, "--check", help="'planted': score the planted-motif probe instead."),
    results: Path | None = typer.Option(None, "--results", help="Results JSON to add the interpretation block to (--check planted)."),
    split: str = typer.Option("test", "--split", help="Split to interpret (held-out test by default)."),
    max_sequences: int = typer.Option(200, "--max-sequences", min=2, help="At most N sequences (seeded choice)."),
    class_a: str | None = typer.Option(None, "--class-a", help="Class whose regions are tested against the rest (default: label 1)."),
    min_factor: float | None = typer.Option(10.0, "--min-factor", help="High bases: > FACTOR x the sequence minimum (study: 10)."),
    above_mean: bool = typer.Option(True, "--above-mean/--no-above-mean", help="High bases: > the sequence mean (study: yes)."),
    quantile: float | None = typer.Option(None, "--quantile", help="High bases: >= this quantile of the sequence."),
    min_len: int = typer.Option(8, "--min-len", min=1, help="Shortest run of high bases kept (bp)."),
    pad: int = typer.Option(4, "--pad", min=0, help="Padding added to each side of a region (bp)."),
    motifs: str | None = typer.Option(None, "--motifs", help="Comma-separated JASPAR ids and/or motif files (MEME, .jaspar, "
                                                            ".pfm, HOCOMOCO .pcm): the planted motifs, or the motifs scanned."),
    planted_label: str | None = typer.Option(None, "--planted-label", help="Class the planted probes are explained for (default: label 1)."),
    probe_epochs: int = typer.Option(0, "--probe-epochs", min=0,
                                       help="--check planted: first fine-tune on a planted/shuffled probe from the train split "
                                            "for this many epochs (0: use the model as fine-tuned on the task)."),
    probe_lr: float = typer.Option(3e-3, "--probe-lr", help="Learning rate of --probe-epochs."),
    seed: int = typer.Option(0, "--seed"),
    device: str | None = typer.Option(None, "--device", help="cpu, cuda... (default: cuda when available)."),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code",
                                           help="Allow the model's own code (needed for remote-code families; recorded)."),
) -> None:
    """Explain a fine-tuned model on a task; or, with --check planted, score planted-motif recovery."""
    from benchmark.cli import quiet_transformers

    quiet_transformers()
    if method not in ("attention", "gradxinput", "ig"):
        raise UserError(f"unknown method '{method}'; choose attention, gradxinput or ig")
    if check not in (None, "planted"):
        raise UserError(f"unknown check '{check}'; the only check is 'planted'")
    if results is not None and check is None:
        raise UserError("--results needs --check planted")
    if results is not None and not results.is_file():
        raise UserError(f"results file '{results}' does not exist")
    if not model.is_dir():
        raise UserError(f"model directory '{model}' does not exist")
    from loaders.core.files import check_output_dir

    check_output_dir(out, "--out")
    from benchmark.interpret.handle import load_handle
    from benchmark.models import model_step
    from benchmark.interpret.pipeline import interpret_sequences, planted_check, update_results
    from benchmark.interpret.regions import Threshold
    from benchmark.tasks import load_task

    threshold = Threshold(above_mean=above_mean, min_factor=min_factor, quantile=quantile)
    motif_ids = [m.strip() for m in motifs.split(",") if m.strip()] if motifs else None
    if motif_ids:
        from benchmark.interpret.motif_files import resolve_motifs

        resolve_motifs(motif_ids)  # a bad file or id fails here, in one line
    the_task = load_task(task, source=source)
    if split not in the_task.data:
        raise UserError(f"task {the_task.id} has no split '{split}' ({', '.join(the_task.data)})")
    data = the_task.data[split]
    handle = load_handle(model, device=device, trust_remote_code=trust_remote_code)
    names = list(the_task.label_names)
    if check == "planted":
        kw: dict[str, Any] = {"motif_ids": motif_ids} if motif_ids else {}
        label = _label_index(planted_label, names, 1 if len(names) > 1 else 0)
        control = 0 if label != 0 else 1
        if probe_epochs > 0:
            from benchmark.interpret.pipeline import finetune_on_probe

            handle = finetune_on_probe(handle, list(the_task.data["train"]["sequence"]), planted_label=label,
                                       control_label=control, epochs=probe_epochs, lr=probe_lr, seed=seed, **kw)
        with model_step(handle.name, "explain"):
            block, probe, _ = planted_check(handle, list(data["sequence"]), list(data["id"]), method=method,
                                            n_sequences=max_sequences, planted_label=label, control_label=control,
                                            seed=seed, threshold=threshold, **kw)
        block["trust_remote_code"] = trust_remote_code
        if results is not None:
            update_results(results, block)
            where = results
        else:
            out.mkdir(parents=True, exist_ok=True)
            where = out / "interpretation.json"
            where.write_text(json.dumps(block, indent=2) + "\n")
        typer.echo(f"planted AUROC {block['planted_auroc']} (random {block['random_auroc']}), "
                   f"FIMO recovery {block['fimo_recovery']} over {block['n_sequences']} sequences -> {where}")
        return
    import numpy as np

    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(data), size=min(max_sequences, len(data)), replace=False).tolist())
    sub = data.select(pick)
    with model_step(handle.name, "explain"):
        summary = interpret_sequences(handle, sub["id"], sub["sequence"], sub["label"], names, out, method=method,
                                      class_a=_label_index(class_a, names, 1 if len(names) > 1 else 0),
                                      threshold=threshold, min_len=min_len, pad=pad, motif_ids=motif_ids)
    _record_trust(out / "summary.json", trust_remote_code)
    typer.echo(f"{summary['n_regions']} regions, {summary['n_hits']} motif hits, "
               f"{summary['significant_motifs']} motifs with q < 0.05 -> {out / 'report.html'}")
    if summary["n_regions"] == 0:
        typer.echo("note: no base passed the threshold (attributions flatter than the study's 10x-minimum rule); "
                   "try --min-factor 2 or --no-above-mean --quantile 0.9", err=True)


def _record_trust(summary_path: Path, trust_remote_code: bool) -> None:
    """Add `trust_remote_code` to the run's summary.json (as `bench run` records it in results)."""
    from loaders.core.files import atomic_write_text

    if summary_path.is_file():
        summary = json.loads(summary_path.read_text())
        summary["trust_remote_code"] = trust_remote_code
        atomic_write_text(summary_path, json.dumps(summary, indent=2) + "\n")


def register(app: typer.Typer) -> None:
    """Add `bench interpret` to the root app."""
    app.command("interpret")(interpret)
