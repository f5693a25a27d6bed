"""The one scoring loop: fit a predictor per seed, score test, write results.

`bench run` (fine-tuned models) and `bench baseline` both call `run_predictor`, so
every entry on the leaderboard was produced and scored the same way.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmark.metrics import compute_metrics, probability_problem, summarize
from benchmark.predictor import Predictor
from benchmark.results import SCHEMA, environment_info, predictions_frame, write_results
from benchmark.task import Task


def results_stem(task_id: str, model_id: str) -> str:
    """File stem `<task>__<model>` with path-unsafe characters replaced."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{task_id}__{model_id}").strip("_")


def check_probs(probs: np.ndarray, ids: list[str], k: int, who: str) -> np.ndarray:
    """Fail loudly if a predictor returns malformed probabilities (a bug in the predictor)."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape != (len(ids), k):
        raise ValueError(f"{who}: predict_proba returned shape {probs.shape}, expected {(len(ids), k)}")
    problem = probability_problem(probs, ids)
    if problem:
        raise ValueError(f"{who}: predict_proba returned {problem}")
    return probs


def run_predictor(
    make_predictor: Callable[[int], Predictor],
    task: Task,
    seeds: Sequence[int],
    output: str | Path,
    run_config: dict[str, Any],
    stem: str | None = None,
    on_seed: Callable[[int, dict[str, Any]], None] | None = None,
) -> tuple[dict[str, Any], Path]:
    """Fit/score one predictor per seed on `task`; write and return the results (JSON path).

    Nothing is written until every seed has finished, so a failure leaves no partial file.
    """
    test = task.data["test"]
    labels = np.asarray(test["label"], dtype=np.int64)
    ids = list(test["id"])
    seed_entries: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    model_info: dict[str, Any] = {}
    for seed in seeds:
        predictor = make_predictor(seed)
        t0 = time.perf_counter()
        predictor.fit(task.data["train"], task.data.get("validation"), num_labels=task.num_labels, seed=seed)
        train_seconds = time.perf_counter() - t0
        probs = check_probs(predictor.predict_proba(test), ids, task.num_labels, type(predictor).__name__)
        metrics = compute_metrics(labels, probs, task.num_labels)
        entry = {"seed": int(seed), "metrics": metrics, "train_seconds": round(train_seconds, 3)}
        seed_entries.append(entry)
        frames.append(predictions_frame(int(seed), ids, labels, probs))
        model_info = predictor.info()
        if on_seed:
            on_seed(int(seed), entry)
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "task": task.id,
        "dataset_fingerprint": task.fingerprint,
        "dataset": task.describe(),
        "model": model_info,
        "config": dict(run_config),
        "seeds": seed_entries,
        "summary": summarize([e["metrics"] for e in seed_entries]),
        "environment": environment_info(),
    }
    path = write_results(results, pd.concat(frames, ignore_index=True), output, stem or results_stem(task.id, model_info.get("id", "model")))
    return results, path
