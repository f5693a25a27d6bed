"""`bench interpret`: attributions, regions, motif enrichment and the planted-motif check.

A thin layer over `benchmark.interpret.pipeline`. Without `--check`, writes regions (BED +
FASTA), FIMO hits, the enrichment table, figures and `report.html` into `--out`. With
`--check planted`, scores the planted-motif probe (per seed and method; optionally after
fine-tuning on a planted probe, `--probe-epochs`) and writes the `interpretation` block into
`--results` (an existing results JSON, replaced atomically) or `<out>/interpretation.json`, and
the per-motif, per-method table into `<out>/planted.md`.
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
    method: str = typer.Option("attention", "--method", help="attention | gradxinput | ig; with --check planted a "
                                                             "comma-separated list (the first gives the board's numbers)."),
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
    control_label: str | None = typer.Option(None, "--control-label", help="Class of the shuffled controls when fine-tuning on the probe "
                                                                          "(default: label 0, or 1 when planted is 0)."),
    backgrounds: str | None = typer.Option(None, "--backgrounds", help="--check planted: plant into sequences of this class only "
                                                                       "(default: every class)."),
    seeds: int = typer.Option(1, "--seeds", min=1, help="--check planted: seeds (a directory of seed-*/ models: its first N; "
                                                          "one model: N runs, each with its own probe and probe fine-tuning)."),
    probe_length: int | None = typer.Option(None, "--probe-length", min=20, help="--check planted: probe window in bases "
                                                                                 "(default: what the model sees)."),
    probe_copies: int = typer.Option(4, "--probe-copies", min=1, help="Planted/shuffled pairs per training background (--probe-epochs)."),
    probe_backgrounds: int | None = typer.Option(None, "--probe-backgrounds", min=1,
                                                 help="--probe-epochs: at most N training backgrounds (seeded choice; default all)."),
    ig_steps: int = typer.Option(32, "--ig-steps", min=2, help="Integrated-gradients steps."),
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
    methods = [m.strip() for m in method.split(",") if m.strip()]
    for m in methods or [method]:
        if m not in ("attention", "gradxinput", "ig"):
            raise UserError(f"unknown method '{m}'; choose attention, gradxinput or ig")
    if len(methods) > 1 and check != "planted":
        raise UserError("several methods need --check planted")
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
    from benchmark.interpret.pipeline import interpret_sequences
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
    names = list(the_task.label_names)
    if check == "planted":
        _planted(model, the_task, split, methods, names, out=out, results=results, motif_ids=motif_ids,
                 planted_label=planted_label, control_label=control_label, backgrounds=backgrounds, seeds=seeds,
                 n_sequences=max_sequences, probe_epochs=probe_epochs, probe_lr=probe_lr, probe_length=probe_length,
                 probe_copies=probe_copies, probe_backgrounds=probe_backgrounds, ig_steps=ig_steps, threshold=threshold, device=device,
                 trust_remote_code=trust_remote_code)
        return
    data = the_task.data[split]
    handle = load_handle(model, device=device, trust_remote_code=trust_remote_code)
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


def _seed_models(model: Path, seeds: int) -> dict[int, Path]:
    """Seed -> model directory: a `bench run` models folder's `seed-N/` (first `seeds`), else `model` for seeds 0..N-1."""
    found = sorted((int(d.name[5:]), d) for d in model.glob("seed-*") if d.is_dir() and d.name[5:].isdigit())
    if found and not (model / "config.json").exists() and not (model / "phenoseq.json").exists():
        return dict(found[:seeds])
    return {s: model for s in range(seeds)}


def _planted(model: Path, the_task: Any, split: str, methods: list[str], names: list[str], *, out: Path,
             results: Path | None, motif_ids: list[str] | None, planted_label: str | None, control_label: str | None,
             backgrounds: str | None, seeds: int, n_sequences: int, probe_epochs: int, probe_lr: float,
             probe_length: int | None, probe_copies: int, probe_backgrounds: int | None, ig_steps: int, threshold: Any, device: str | None,
             trust_remote_code: bool) -> None:
    """`--check planted`: the recovery over seeds and methods -> results block + `<out>/planted.md`."""
    from benchmark.interpret.handle import load_handle
    from benchmark.interpret.pipeline import PlantedSettings, planted_recovery, update_results
    from benchmark.interpret.planted import DEFAULT_MOTIFS, check_block, recovery_markdown, recovery_table
    from benchmark.models import model_step
    from loaders.core.files import atomic_write_text, atomic_write_with, sha256_file

    label = _label_index(planted_label, names, 1 if len(names) > 1 else 0)
    control = _label_index(control_label, names, 0 if label != 0 else 1)
    if control == label:
        raise UserError(f"--control-label must differ from --planted-label ('{names[label]}')")
    data, train = the_task.data[split], the_task.data.get("train") if probe_epochs > 0 else None
    if probe_epochs > 0 and train is None:
        raise UserError(f"--probe-epochs needs a train split; task {the_task.id} has none")
    if backgrounds is not None:
        cls = _label_index(backgrounds, names, 0)
        data = data.filter(lambda row: row["label"] == cls)
        train = train.filter(lambda row: row["label"] == cls) if train is not None else None
        if len(data) == 0 or (train is not None and len(train) == 0):
            raise UserError(f"no '{names[cls]}' sequences in the {split} or train split of {the_task.id}")
    settings = PlantedSettings(motif_ids=tuple(motif_ids or DEFAULT_MOTIFS), n_sequences=n_sequences, planted_label=label,
                               control_label=control, probe_epochs=probe_epochs, probe_lr=probe_lr, probe_copies=probe_copies,
                               probe_backgrounds=probe_backgrounds, probe_length=probe_length, ig_steps=ig_steps, threshold=threshold)
    dirs = _seed_models(model, seeds)

    def load(seed: int) -> Any:  # afresh for every seed: probe fine-tuning changes the model in place
        return load_handle(dirs[seed], device=device, trust_remote_code=trust_remote_code)

    with model_step(str(model), "explain"):
        res = planted_recovery(load, list(dirs), list(data["sequence"]), list(data["id"]), methods, settings,
                               train_backgrounds=list(train["sequence"]) if train else None)
    runs, probes, motif_objs = res.runs, res.probes, res.motifs
    motif_list = [m.id for m in motif_objs]
    where_bg = f" {names[_label_index(backgrounds, names, 0)]}" if backgrounds is not None else ""
    how = f", probe-tuned {probe_epochs} ep." if probe_epochs > 0 else ""
    block = check_block(runs, motif_list, method=runs[0].method, task=the_task.id,
                        task_label=f"{runs[0].method} on {the_task.id}{where_bg}{how}",
                        planted_label=names[label], control_label=names[control],
                        backgrounds=names[_label_index(backgrounds, names, 0)] if backgrounds is not None else "all",
                        split=split, probe_epochs=probe_epochs,
                        probe_length=max(len(s) for p in probes.values() for s in p.sequences),
                        trust_remote_code=trust_remote_code)
    table = recovery_markdown(recovery_table(runs), {m.id: m.name for m in motif_objs if m.name != m.id})
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "planted.md", f"Planted check on {block['task_label']}: planted = {names[label]}, "
                      f"control = {names[control]}, seeds {block['seeds']}.\n\n{table}")
    # per-example attributions of the headline method, beside the block: the board re-computes the planted
    # AUROC from them (mean over every planted probe of every seed; seeds score equal numbers of probes)
    examples = out / "interpretation.parquet" if results is None else results.with_name(f"{results.stem}.interpretation.parquet")
    atomic_write_with(examples, lambda tmp: res.examples.to_parquet(tmp, index=False))
    block["per_example"] = {"file": examples.name, "sha256": sha256_file(examples)}
    block["n_sequences"] = len(res.examples)
    if results is not None:
        update_results(results, block)
        where = results
    else:
        where = out / "interpretation.json"
        atomic_write_text(where, json.dumps(block, indent=2) + "\n")
    typer.echo(table)
    typer.echo(f"{block['method']}: planted AUROC {block['planted_auroc']} (random {block['random_auroc']}), "
               f"FIMO recovery {block['fimo_recovery']}, motif effect {block['motif_effect']} over "
               f"{block['n_sequences']} planted probes over {len(block['seeds'])} seed(s) -> {where}")


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
