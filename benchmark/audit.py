"""Leakage audit: how much does the study's random split inflate a model's scores?

`run_audit(task_id, contenders, seeds)` trains each contender (a baseline or a fine-tuned model)
with the same seeds on two variants of one task and reports, for every metric, the inflation
`random - grouped` (mean ± sd over seeds), plus the nearest train row of every test row
(`benchmark.nearest`) for both variants.

The variants (`variant_task`) are drawn from the rows of the task's own build (every split, with
its `cluster` groups) by the builds' split functions (`loaders.build.splits`), stratified on the
recipe's base classes as the pipeline is:
- `grouped`: `grouped_stratified_split` (a whole group on one side, the default build);
- `random`: `random_stratified_split` (per class, ignoring groups: the study's split; it leaks).
Audit seed i uses split seed = build seed + i and model seed i on both variants, so the sd over
seeds covers the split draw as well as training. Seed 0 reproduces the builds exactly: the
`grouped` variant is the published task (same fingerprint) and the `random` variant is the
`split_by=random` build. `csv:`/`fasta:` tasks (without a split column) work the same way on the
groups and split functions of `benchmark.byo` (split seed = i).

Each (contender, variant, seed) is scored by `benchmark.runner.run_predictor`, so every run is an
ordinary results file (JSON + predictions parquet) that can be re-scored. The audit JSON
(schema `phenoseq-audit/1`, see `docs/leakage.md`) ties them together.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmark.metrics import METRIC_NAMES, get_metric, summarize
from benchmark.predictor import Predictor
from benchmark.results import environment_info
from benchmark.runner import results_stem, run_predictor
from benchmark.task import Task
from loaders.core.errors import UserError

SCHEMA = "phenoseq-audit/1"
VARIANTS: tuple[str, ...] = ("grouped", "random")
SPLIT_NAMES: tuple[str, ...] = ("train", "validation", "test")
LEAK_NOTE = ("random = the study's per-class random split (near-identical copies straddle train and test: it "
             "leaks); grouped = the suite's split, whole similarity groups on one side. inflation = random - grouped.")


class AuditError(UserError, ValueError):
    """A task or option the audit cannot run on (one-line message)."""


@dataclass(frozen=True)
class Contender:
    """One model to audit: its name (for files and tables), a factory of fresh predictors, its config."""

    name: str
    make: Callable[[Task, int], Predictor]
    config: dict[str, Any] = field(default_factory=dict)


@dataclass
class Pool:
    """Every row of a task (all splits) with what re-splitting needs.

    `frame` has the row-schema columns (`cluster` = the similarity group); `strata` are the labels the
    split is stratified on (the recipe's base classes); split seed of audit seed i = `base_seed` + i.
    """

    task_id: str
    dataset_name: str
    config: str
    source: str
    synthetic: bool
    label_names: list[str]
    frame: pd.DataFrame
    strata: np.ndarray
    fractions: list[float]
    base_seed: int
    grouping: dict[str, Any]
    reference: dict[str, str]
    """Fingerprints the seed-0 variants must reproduce ({"grouped": <build's fingerprint>})."""


# ----------------------------------------------------------------- pools

def _frame(data) -> pd.DataFrame:
    from loaders.core.schema import COLUMNS

    parts = [data[s].to_pandas() for s in SPLIT_NAMES if s in data]
    return pd.concat(parts, ignore_index=True)[list(COLUMNS)].sort_values("id", kind="stable").reset_index(drop=True)


def _base_labels(recipe, build_dir: Path, config: str, frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    """The recipe's base class of each row (from a config that maps base classes one to one), else the config's labels."""
    import loaders

    n = len(recipe.classes)
    for cfg in recipe.configs:
        if sorted(cfg.label_map) == list(range(n)):
            if cfg.name == config:
                inverse = np.argsort(cfg.label_map)
                return inverse[frame["label"].to_numpy()], "base classes"
            other = _frame(loaders.read_built(build_dir, cfg.name)).set_index("id")["label"]
            inverse = np.argsort(cfg.label_map)
            return inverse[other.loc[frame["id"]].to_numpy()], "base classes"
    return frame["label"].to_numpy(), "config labels"


def pool_from_build(task_id: str, source: str | None = None, cache_dir: str | Path | None = None) -> Pool:
    """The rows of a suite task's default (grouped) build, built on first use."""
    import loaders
    from benchmark.tasks import parse_task_id
    from loaders.registry import get_recipe

    name, config = parse_task_id(task_id)
    path = loaders.build_dataset(name, source=source, cache_dir=cache_dir)
    build = json.loads((path / "build.json").read_text())
    params = build["params"]
    if params["split_by"] != "cluster":
        raise AuditError(f"{path}: the audit compares against a cluster-grouped build, this one is split_by={params['split_by']}")
    data = loaders.read_built(path, config)
    frame = _frame(data)
    strata, on = _base_labels(get_recipe(name), path, config, frame)
    return Pool(task_id=task_id, dataset_name=build["dataset"], config=config, source=build["source"],
                synthetic=bool(build.get("synthetic")), label_names=list(data["train"].features["label"].names),
                frame=frame, strata=strata, fractions=[float(f) for f in params["fractions"]], base_seed=int(params["seed"]),
                grouping={"identity": params["cluster_identity"], "coverage": params["cluster_coverage"],
                          "code": "loaders/build/containment.py", "stratified_on": on, "build": str(path)},
                reference={"grouped": build["fingerprints"][config]})


def pool_from_file(task_id: str) -> Pool:
    """The rows of a `csv:`/`fasta:` task without a split column, grouped by `benchmark.byo`."""
    from benchmark.byo import DEFAULT_FRACTIONS, load_byo_task

    task = load_byo_task(task_id, split_seed=0)
    block = task.meta.get("split") or {}
    if block.get("by") != "cluster":
        raise AuditError(f"{task_id}: the file has a split column; the audit draws its own splits (drop the column)")
    frame = _frame(task.data)
    return Pool(task_id=task_id, dataset_name=task.dataset_name, config=task.config, source=task.source,
                synthetic=task.synthetic, label_names=list(task.label_names), frame=frame,
                strata=frame["label"].to_numpy(), fractions=list(DEFAULT_FRACTIONS), base_seed=0,
                grouping={"identity": block["identity"], "coverage": block["coverage"],
                          "code": "loaders/build/containment.py", "stratified_on": "labels", "build": None},
                reference={"grouped": task.fingerprint})


def load_pool(task_id: str, source: str | None = None, cache_dir: str | Path | None = None) -> Pool:
    """`pool_from_file` for `csv:`/`fasta:` ids, else `pool_from_build`."""
    if task_id.startswith(("csv:", "fasta:")):
        return pool_from_file(task_id)
    return pool_from_build(task_id, source, cache_dir)


# ----------------------------------------------------------------- variants

def split_index(pool: Pool, variant: str, seed: int) -> np.ndarray:
    """0/1/2 (train/validation/test) per row of `pool.frame` for one variant and audit seed."""
    from loaders.build.splits import grouped_stratified_split, random_stratified_split

    split_seed = pool.base_seed + seed
    if variant == "grouped":
        return grouped_stratified_split(pool.frame["cluster"].to_numpy(), pool.strata, pool.fractions, split_seed)
    if variant == "random":
        return random_stratified_split(pool.strata, pool.fractions, split_seed, keys=pool.frame["id"].to_numpy())
    raise ValueError(f"unknown variant {variant!r} (variants: {', '.join(VARIANTS)})")


def variant_task(pool: Pool, variant: str, seed: int) -> Task:
    """The task of one variant and audit seed (rows sorted by id in each split, as a build writes them)."""
    from datasets import Dataset, DatasetDict

    from loaders.build.splits import rows_grouped_across
    from loaders.core.fingerprint import fingerprint_split
    from loaders.core.schema import features

    split = split_index(pool, variant, seed)
    feats = features(pool.label_names)
    data = DatasetDict({name: Dataset.from_pandas(pool.frame[split == i].reset_index(drop=True), features=feats,
                                                  preserve_index=False)
                        for i, name in enumerate(SPLIT_NAMES)})
    leaks = variant == "random"
    block = {"by": "random" if leaks else "cluster", "grouped": not leaks, "leaks": leaks, "audit_variant": variant,
             "split_seed": pool.base_seed + seed, "test_rows_grouped_with_train":
             rows_grouped_across(pool.frame["cluster"].to_numpy(), split)}
    return Task(id=pool.task_id, dataset_name=pool.dataset_name, config=pool.config, data=data,
                label_names=list(pool.label_names), fingerprint=fingerprint_split(data["test"]), source=pool.source,
                synthetic=pool.synthetic, meta={"split": block})


# ----------------------------------------------------------------- figures

def inflation(grouped: Sequence[dict[str, Any]], random: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per metric: random - grouped per seed (paired), then mean, sd (ddof=1) and n; `higher_is_better` kept beside."""
    diffs = []
    for g, r in zip(grouped, random, strict=True):
        diffs.append({k: (r[k] - g[k]) if r.get(k) is not None and g.get(k) is not None else None
                      for k in METRIC_NAMES})
    out = summarize(diffs)
    for k, s in out.items():
        s["values"] = [d.get(k) for d in diffs]
        s["higher_is_better"] = get_metric(k).higher_is_better
    return out


def nearest_block(tasks: dict[str, Task]) -> tuple[dict[str, Any], pd.DataFrame]:
    """Nearest train row of each test row for each variant: summary (histograms) and one row per test row."""
    from benchmark.nearest import nearest_train, summarize_nearest

    blocks, frames = {}, []
    for variant, task in tasks.items():
        test, train = task.data["test"], task.data["train"]
        found = nearest_train(list(test["sequence"]), list(train["sequence"]))
        train_ids = list(train["id"])
        blocks[variant] = summarize_nearest(found)
        frames.append(pd.DataFrame({
            "variant": variant, "id": list(test["id"]),
            "nearest_id": [train_ids[f.index] if f.index >= 0 else None for f in found],
            "identity": [f.identity for f in found], "coverage": [f.coverage for f in found],
            "coverage_train": [f.coverage_train for f in found], "strand": [f.strand for f in found],
            "linked": [f.linked for f in found]}))
    return blocks, pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------- the audit

def slug(text: str) -> str:
    """File-name-safe form of a name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "model"


def audit_stem(task_id: str) -> str:
    """File stem of an audit: the task id made file-name-safe (`<stem>.audit.json`, runs under `<stem>/`)."""
    return slug(task_id)


def run_audit(pool: Pool, contenders: Sequence[Contender], seeds: int, out_dir: str | Path,
              nearest: bool = True, on_run: Callable[[str, str, int, dict[str, Any]], None] | None = None) -> tuple[dict[str, Any], Path]:
    """Train every contender on both variants for seeds 0..seeds-1; write `<out>/<stem>.audit.json`; return it and its path.

    Runs go to `<out>/<stem>/<contender>/<variant>/seed-<i>/` (ordinary results files); the nearest
    train rows of seed 0 to `<out>/<stem>/nearest.parquet`. The audit JSON is written last (atomically).
    """
    from loaders.core.files import atomic_write_bytes, sha256_file

    if seeds < 1:
        raise AuditError("--seeds must be at least 1")
    if not contenders:
        raise AuditError("nothing to audit: name --baseline and/or --model")
    out = Path(out_dir)
    stem = audit_stem(pool.task_id)
    runs_dir = out / stem
    tasks = {(v, s): variant_task(pool, v, s) for s in range(seeds) for v in VARIANTS}
    for v in VARIANTS:
        for s in range(seeds):
            t = tasks[(v, s)]
            if len(t.data["train"]) == 0 or len(t.data["test"]) == 0:
                raise AuditError(f"{pool.task_id}: the {v} split of seed {s} has an empty train or test split")
    matches = tasks[("grouped", 0)].fingerprint == pool.reference["grouped"]
    variants_block = {v: {"leaks": v == "random", "seeds": [
        {"seed": s, "split_seed": pool.base_seed + s, "fingerprint": tasks[(v, s)].fingerprint,
         "rows": {name: len(tasks[(v, s)].data[name]) for name in SPLIT_NAMES},
         "test_rows_grouped_with_train": tasks[(v, s)].meta["split"]["test_rows_grouped_with_train"]}
        for s in range(seeds)]} for v in VARIANTS}
    models = []
    for c in contenders:
        runs: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
        info: dict[str, Any] = {}
        for s in range(seeds):
            for v in VARIANTS:
                task = tasks[(v, s)]
                where = runs_dir / slug(c.name) / v / f"seed-{s}"
                results, path = run_predictor(lambda seed, t=task: c.make(t, seed), task, [s], where,
                                              {**c.config, "audit": {"variant": v, "split_seed": pool.base_seed + s}},
                                              stem=results_stem(pool.task_id, c.name) + f"__{v}")
                info = results["model"]
                entry = results["seeds"][0]
                runs[v].append({"seed": s, "results": str(path.relative_to(out)), "sha256": sha256_file(path),
                                "fingerprint": task.fingerprint, "metrics": entry["metrics"],
                                "train_seconds": entry["train_seconds"]})
                if on_run:
                    on_run(c.name, v, s, entry["metrics"])
        models.append({"name": c.name, "model": info, "config": c.config, "runs": runs,
                       "summary": {v: summarize([r["metrics"] for r in runs[v]]) for v in VARIANTS},
                       "inflation": inflation([r["metrics"] for r in runs["grouped"]],
                                              [r["metrics"] for r in runs["random"]])})
    audit: dict[str, Any] = {
        "schema": SCHEMA, "task": pool.task_id,
        "dataset": {"name": pool.dataset_name, "config": pool.config, "source": pool.source, "synthetic": pool.synthetic},
        "note": LEAK_NOTE,
        "design": {"seeds": list(range(seeds)), "split_seeds": [pool.base_seed + s for s in range(seeds)],
                   "fractions": pool.fractions, "grouping": pool.grouping,
                   "seed0_grouped_is_the_published_task": matches},
        "variants": variants_block, "models": models, "environment": environment_info(),
    }
    if nearest:
        blocks, frame = nearest_block({v: tasks[(v, 0)] for v in VARIANTS})
        runs_dir.mkdir(parents=True, exist_ok=True)
        npath = runs_dir / "nearest.parquet"
        tmp = runs_dir / ".nearest.parquet.tmp"
        frame.to_parquet(tmp, index=False)
        tmp.replace(npath)
        audit["nearest"] = {"seed": 0, "method": NEAREST_METHOD, "file": str(npath.relative_to(out)),
                            "sha256": sha256_file(npath), **blocks}
    path = out / f"{stem}.audit.json"
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(audit, indent=2) + "\n").encode())
    return audit, path


NEAREST_METHOD = ("benchmark/nearest.py: 12-mer candidates (either strand, top 4, >= 3 shared), Biopython local "
                  "alignment (+2/-3/-5), nearest = best score if >= 60; identity = identical columns / columns, "
                  "coverage = test bases aligned / test length")
