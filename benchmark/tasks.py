"""Task registry: `<dataset>/<config>` ids over the loaders' recipes.

`load_task("herv_classification/binary", source="demo")` returns a `benchmark.task.Task` holding
the DatasetDict and its metadata (labels, fingerprint, source); `csv:PATH` and `fasta:PATH` load
the user's own file (`benchmark.byo`). `bench ls` prints `list_tasks()`.
"""
from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import loaders
import loaders.api
from benchmark.byo import load_byo_task
from benchmark.task import Task
from loaders.core.errors import UserError


class TaskError(UserError, ValueError):
    """A task id that does not resolve (message is one line, with a suggestion)."""


def list_tasks() -> list[dict[str, Any]]:
    """Every `<dataset>/<config>` with its classes and citation, from the recipe registry."""
    rows = []
    for recipe in loaders.list_recipes():
        for cfg in recipe.configs:
            rows.append(
                {
                    "task": f"{recipe.name}/{cfg.name}",
                    "classes": list(cfg.label_names),
                    "description": cfg.description,
                    "sources": list(recipe.sources),
                }
            )
    return rows


def parse_task_id(task_id: str) -> tuple[str, str]:
    """Split and validate `<dataset>/<config>`; suggest the closest id on a typo."""
    known = [t["task"] for t in list_tasks()]
    if task_id in known:
        name, config = task_id.split("/", 1)
        return name, config
    close = difflib.get_close_matches(task_id, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known tasks: {', '.join(known)}"
    raise TaskError(f"unknown task '{task_id}'{hint}")


def task_from_dir(dataset_dir: str | Path, config: str, task_id: str | None = None) -> Task:
    """A Task from a built dataset directory (layout of docs/ARCHITECTURE.md)."""
    dataset_dir = Path(dataset_dir)
    build = json.loads((dataset_dir / "build.json").read_text())
    data = loaders.read_built(dataset_dir, config)
    label_names = list(data["train"].features["label"].names)
    return Task(
        id=task_id or f"{build['dataset']}/{config}",
        dataset_name=build["dataset"],
        config=config,
        data=data,
        label_names=label_names,
        fingerprint=build["fingerprints"][config],
        source=build["source"],
        synthetic=bool(build.get("synthetic", False)),
        meta={"dir": str(dataset_dir), **({"split": build["split"]} if (build.get("split") or {}).get("leaks") else {})},
    )


def load_task(task_id: str, source: str | None = None, cache_dir: str | Path | None = None,
              random_split: bool = False) -> Task:
    """Resolve a task id, building its dataset on first use.

    `csv:PATH` and `fasta:PATH` load the user's own file instead (see `benchmark.byo`); only they take
    `random_split` (the study's leaky per-class split instead of the grouped one; recorded in the results).
    """
    if task_id.startswith(("csv:", "fasta:")):
        return load_byo_task(task_id, random_split=random_split)
    if random_split:
        raise TaskError(f"--random-split applies to csv:/fasta: tasks; for '{task_id}' build the leaky variant with "
                        "`bench data build <dataset> --split-by random`, or compare both with `bench audit`")
    name, _, config = task_id.partition("/")
    user = loaders.api.list_user_datasets(cache_dir).get(name)
    if user is not None and source in (None, "user"):
        build = json.loads((user / "build.json").read_text())
        if config not in build["fingerprints"]:
            raise TaskError(f"unknown task '{task_id}'; {name} has configs {', '.join(build['fingerprints'])}")
        return task_from_dir(user, config, task_id=task_id)
    name, config = parse_task_id(task_id)
    path = loaders.build_dataset(name, source=source, cache_dir=cache_dir)
    return task_from_dir(path, config, task_id=task_id)
