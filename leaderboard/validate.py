"""Submission validation: schema, fingerprint, per-example predictions, re-scored metrics.

`validate_submission(results.json, task=None)` either returns a `Submission` whose
metrics were all re-computed with `benchmark.metrics.compute_metrics` from the
predictions against the held-out test labels of the local task build, or raises
`SubmissionError` with a one-line reason. Reported numbers are never trusted: the metrics
of the file's schema version must equal the re-computed ones (within `METRIC_TOLERANCE`);
then every current metric replaces them and the entry is stored as the current schema, so a
results file written before a metric was added still submits.
Nothing is written here; `leaderboard.store` stores what this returns.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from benchmark.metrics import compute_metrics, metric_names, probability_problem, summarize
from benchmark.results import SCHEMA, predictions_frame, schema_version
from benchmark.task import Task
from loaders.core.errors import UserError
from loaders.core.files import sha256_file

METRIC_TOLERANCE = 1e-6
"""Largest |reported - re-computed| accepted for any metric, mean or sd."""
SAFE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.parquet$")
INTERPRETATION_NUMBERS = ("planted_auroc", "random_auroc", "fimo_recovery", "n_sequences")


class SubmissionError(UserError, ValueError):
    """Why a submission was rejected (one line; the CLI prints it as `rejected: <reason>`)."""

    label = "rejected"


@dataclass(frozen=True)
class Limits:
    """Size limits on submitted files (bytes) and seeds."""

    max_json_bytes: int = 2 * 2**20
    max_predictions_bytes: int = 256 * 2**20
    max_seeds: int = 100


@dataclass
class Submission:
    """A validated, re-scored submission ready for the store."""

    results: dict[str, Any]
    predictions: pd.DataFrame
    task_id: str
    fingerprint: str


def _load_local_task(task_id: str, source: str | None) -> Task:
    """The local build of `task_id` (patched in tests; builds on first use)."""
    from benchmark.tasks import load_task

    return load_task(task_id, source=source)


def _short(x: object, n: int = 12) -> str:
    s = str(x)
    return s if len(s) <= n else s[:n] + "…"


def _read_json(path: Path, limits: Limits) -> dict[str, Any]:
    if not path.is_file():
        raise SubmissionError(f"no such results file: {path}")
    size = path.stat().st_size
    if size > limits.max_json_bytes:
        raise SubmissionError(f"results JSON too large: {size} bytes (limit {limits.max_json_bytes})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise SubmissionError(f"results file is not valid JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise SubmissionError("results JSON must be an object")
    return data


def _check_header(res: dict[str, Any], limits: Limits) -> None:
    schema = res.get("schema")
    if schema is None:
        raise SubmissionError(f"missing schema version (expected {SCHEMA!r} or older)")
    if schema_version(schema) is None:
        raise SubmissionError(f"unknown schema version {_short(schema, 40)!r} (expected {SCHEMA!r} or older)")
    if not isinstance(res.get("task"), str) or not res["task"]:
        raise SubmissionError("missing task id")
    fp = res.get("dataset_fingerprint")
    if not isinstance(fp, str) or not fp:
        raise SubmissionError("missing dataset_fingerprint")
    model = res.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("id"), str) or not model["id"]:
        raise SubmissionError("missing model.id")
    seeds = res.get("seeds")
    if not isinstance(seeds, list) or not seeds:
        raise SubmissionError("no seeds in results")
    if len(seeds) > limits.max_seeds:
        raise SubmissionError(f"too many seeds: {len(seeds)} (limit {limits.max_seeds})")
    seen: set[int] = set()
    for entry in seeds:
        if not isinstance(entry, dict) or not isinstance(entry.get("seed"), int) or isinstance(entry.get("seed"), bool):
            raise SubmissionError("every seeds[] entry needs an integer 'seed'")
        if entry["seed"] in seen:
            raise SubmissionError(f"seed {entry['seed']} appears twice in results")
        seen.add(entry["seed"])
        if not isinstance(entry.get("metrics"), dict):
            raise SubmissionError(f"seed {entry['seed']}: missing metrics")
        if not isinstance(entry.get("predictions"), dict) or not isinstance(entry["predictions"].get("file"), str):
            raise SubmissionError(f"seed {entry['seed']}: missing predictions.file")
    if not isinstance(res.get("summary"), dict):
        raise SubmissionError("missing summary")
    interp = res.get("interpretation")
    if interp is not None:
        if not isinstance(interp, dict):
            raise SubmissionError("interpretation must be an object")
        for key in INTERPRETATION_NUMBERS:
            v = interp.get(key)
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v)):
                raise SubmissionError(f"interpretation.{key} must be a finite number")


def _predictions_path(res: dict[str, Any], json_path: Path, limits: Limits) -> Path:
    names = {entry["predictions"]["file"] for entry in res["seeds"]}
    if len(names) != 1:
        raise SubmissionError(f"seeds must name exactly one predictions file, found {len(names)}")
    name = names.pop()
    if not SAFE_FILE.match(name) or ".." in name:
        raise SubmissionError(f"unsafe predictions file name {_short(name, 60)!r} (must be a plain *.parquet name beside the JSON)")
    folder = json_path.resolve().parent
    path = folder / name
    if path.is_symlink() or (path.exists() and path.resolve().parent != folder):
        raise SubmissionError(f"predictions file {name!r} must be a regular file beside the JSON, not a link")
    if not path.is_file():
        raise SubmissionError(f"predictions file {name!r} not found beside the JSON")
    size = path.stat().st_size
    if size > limits.max_predictions_bytes:
        raise SubmissionError(f"predictions file too large: {size} bytes (limit {limits.max_predictions_bytes})")
    digests = {entry["predictions"].get("sha256") for entry in res["seeds"]} - {None}
    if digests and digests != {sha256_file(path)}:
        raise SubmissionError(f"predictions file {name!r} does not match the sha256 recorded in the results")
    return path


def _read_predictions(path: Path, k: int, max_rows: int) -> pd.DataFrame:
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # noqa: BLE001 - any parquet failure is a rejection
        raise SubmissionError(f"unreadable predictions parquet: {type(exc).__name__}") from None
    if meta.num_rows > max_rows or meta.num_columns > k + 16:
        raise SubmissionError(f"predictions too large: {meta.num_rows} rows x {meta.num_columns} columns "
                              f"(at most {max_rows} rows, {k + 16} columns for this task)")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any parquet failure is a rejection
        raise SubmissionError(f"unreadable predictions parquet: {type(exc).__name__}") from None
    probs = [c for c in frame.columns if str(c).startswith("prob_")]
    want = [f"prob_{j}" for j in range(k)]
    if "id" not in frame.columns or "seed" not in frame.columns:
        raise SubmissionError("predictions need columns 'id' and 'seed'")
    if sorted(probs) != sorted(want):
        raise SubmissionError(f"predictions have {len(probs)} probability columns; the task has {k} classes (prob_0..prob_{k - 1})")
    try:
        frame[want] = frame[want].astype(np.float64)
        frame["seed"] = frame["seed"].astype(np.int64)
    except (TypeError, ValueError):
        raise SubmissionError("predictions: seed must be integer and probabilities numeric") from None
    frame["id"] = frame["id"].astype(str)
    return frame


def _check_ids(seed: int, ids: pd.Series, test_ids: list[str]) -> None:
    dup = ids[ids.duplicated()]
    if len(dup):
        raise SubmissionError(f"seed {seed}: {dup.nunique()} duplicate test id(s), e.g. {_short(dup.iloc[0], 60)!r}")
    known = set(test_ids)
    unknown = sorted(set(ids) - known)
    if unknown:
        raise SubmissionError(f"seed {seed}: {len(unknown)} unknown test id(s), e.g. {_short(unknown[0], 60)!r}")
    missing = sorted(known - set(ids))
    if missing:
        raise SubmissionError(f"seed {seed}: {len(missing)} missing test id(s), e.g. {_short(missing[0], 60)!r}")


def _as_number(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError
    return None if math.isnan(v) else float(v)


def _differs(reported: Any, computed: float | None) -> bool:
    try:
        r = _as_number(reported)
    except TypeError:
        return True
    if r is None or computed is None:
        return (r is None) != (computed is None)
    return not abs(r - computed) <= METRIC_TOLERANCE


def _compare(where: str, reported: dict[str, Any], computed: dict[str, float | None], names: tuple[str, ...]) -> None:
    for name in names:
        if name not in reported:
            raise SubmissionError(f"{where}: reported metrics lack {name!r}")
        if _differs(reported[name], computed[name]):
            raise SubmissionError(f"{where}: reported {name} {_short(reported[name], 20)} differs from re-computed {computed[name]}")


def validate_submission(path: str | Path, task: Task | None = None, source: str | None = None,
                        limits: Limits = Limits()) -> Submission:
    """Validate and re-score the results JSON at `path` (predictions parquet beside it).

    `task` is the local task to score against; by default it is loaded (built on first use)
    from the results' task id and `source` (default: the results' `dataset.source`).
    """
    path = Path(path)
    res = _read_json(path, limits)
    _check_header(res, limits)
    pred_path = _predictions_path(res, path, limits)
    if task is None:
        src = source or (res.get("dataset") or {}).get("source")
        try:
            task = _load_local_task(res["task"], src)
        except Exception as exc:  # noqa: BLE001 - reported as a one-line rejection
            raise SubmissionError(f"cannot load local task {_short(res['task'], 60)!r}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    elif task.id != res["task"]:
        raise SubmissionError(f"results are for task {_short(res['task'], 60)!r}, not {task.id!r}")
    if res["dataset_fingerprint"] != task.fingerprint:
        raise SubmissionError(f"dataset_fingerprint {_short(res['dataset_fingerprint'])} does not match the local build of {task.id} ({_short(task.fingerprint)})")
    k = task.num_labels
    test = task.data["test"]
    test_ids = [str(i) for i in test["id"]]
    labels = np.asarray(test["label"], dtype=np.int64)
    json_seeds = [entry["seed"] for entry in res["seeds"]]
    frame = _read_predictions(pred_path, k, max_rows=2 * len(json_seeds) * len(test_ids))
    file_seeds = sorted(int(s) for s in frame["seed"].unique())
    if file_seeds != sorted(json_seeds):
        raise SubmissionError(f"predictions hold seeds {file_seeds}, results list seeds {sorted(json_seeds)}")
    prob_cols = [f"prob_{j}" for j in range(k)]
    names = metric_names(schema_version(res["schema"]))  # what a file of its schema reports
    per_seed: list[dict[str, float | None]] = []
    frames: list[pd.DataFrame] = []
    seeds_out: list[dict[str, Any]] = []
    for entry in res["seeds"]:
        seed = entry["seed"]
        part = frame[frame["seed"] == seed]
        _check_ids(seed, part["id"], test_ids)
        probs = part.set_index("id").loc[test_ids, prob_cols].to_numpy(dtype=np.float64)
        problem = probability_problem(probs, test_ids)
        if problem:
            raise SubmissionError(f"seed {seed}: {problem}")
        rows = entry["predictions"].get("rows")
        if rows is not None and rows != len(part):
            raise SubmissionError(f"seed {seed}: results say {_short(rows, 20)} prediction rows, the file has {len(part)}")
        metrics = compute_metrics(labels, probs, k)
        _compare(f"seed {seed}", entry["metrics"], metrics, names)
        per_seed.append(metrics)
        frames.append(predictions_frame(seed, test_ids, labels, probs))
        seeds_out.append({**entry, "metrics": metrics})
    summary = summarize(per_seed)
    for name in names:
        rep = res["summary"].get(name)
        if not isinstance(rep, dict):
            raise SubmissionError(f"summary lacks {name!r}")
        for stat in ("mean", "sd"):
            if _differs(rep.get(stat), summary[name][stat]):
                raise SubmissionError(f"summary: reported {name} {stat} {_short(rep.get(stat), 20)} differs from re-computed {summary[name][stat]}")
    results = {**res, "schema": SCHEMA, "dataset": task.describe(), "seeds": seeds_out, "summary": summary}
    predictions = pd.concat(frames, ignore_index=True)
    return Submission(results=results, predictions=predictions, task_id=task.id, fingerprint=task.fingerprint)
