"""Submission validation: cheap checks first, then re-scoring against the local build.

`validate_submission(results.json, task=None)` either returns a `Submission` whose metrics were
all re-computed with `benchmark.metrics.compute_metrics` from the predictions against the
held-out test labels of the local task build, or raises `SubmissionError` with a one-line reason.

1. **Cheap checks** (`check_submission`; no dataset is built or read, nothing heavy imported): JSON
   size and shape, schema version, the task id (a suite task `<dataset>/<config>`: never `csv:`,
   `fasta:` or a path, so a submission cannot make the board read a local file), the source (`grch38`
   or `demo`), the fingerprint format, model strings (no control characters), seeds, the
   predictions file (plain name beside the JSON, size, sha256) and the interpretation block.
2. **Re-scoring** (`rescore`): the suite task is loaded (built on first use), its fingerprint compared,
   every prediction checked and every metric re-computed. Reported numbers are never trusted: the
   metrics of the file's schema version must equal the re-computed ones (within `METRIC_TOLERANCE`);
   then every current metric replaces them and the entry is stored as the current schema.

Interpretation numbers (planted AUROC, random AUROC, FIMO recovery) are the submitter's. When the
block carries per-example attributions (`per_example`, format in `read_interpretation_examples`),
the planted AUROC is re-computed from them and must match; the stored block says which numbers were
re-computed (`verified`) and the board shows every other one as self-reported.
Errors never echo file content: only the submission's own field values, shortened.
Nothing is written here; `leaderboard.store` stores what this returns.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loaders.core.errors import UserError
from loaders.core.files import sha256_file

if TYPE_CHECKING:
    import pandas as pd

    from benchmark.task import Task

METRIC_TOLERANCE = 1e-6
"""Largest |reported - re-computed| accepted for any metric, mean or sd."""
SAFE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.parquet$")
SUITE_TASK = re.compile(r"^[a-z][a-z0-9_]{0,99}/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
"""A suite task id `<dataset>/<config>` (what `benchmark.tasks.list_tasks` names)."""
FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")
BOARD_SOURCES = ("grch38", "demo")
"""Sources a submission may be scored against (a `user` build is the submitter's own data)."""
MAX_TEXT = 200
"""Longest model id / revision / adapter string accepted."""
INTERPRETATION_NUMBERS = ("planted_auroc", "random_auroc", "fimo_recovery", "n_sequences")
INTERPRETATION_SCORES = ("planted_auroc", "random_auroc", "fimo_recovery")
RECOMPUTED, SELF_REPORTED = "recomputed", "self-reported"
EXAMPLE_COLUMNS = ("id", "motif_id", "site_start", "site_end", "attribution")


class SubmissionError(UserError, ValueError):
    """Why a submission was rejected (one line; the CLI prints it as `rejected: <reason>`)."""

    label = "rejected"


@dataclass(frozen=True)
class Limits:
    """Size limits on submitted files (bytes), seeds and per-example interpretation rows."""

    max_json_bytes: int = 2 * 2**20
    max_predictions_bytes: int = 256 * 2**20
    max_seeds: int = 100
    max_examples: int = 10_000
    max_example_length: int = 100_000


@dataclass
class Submission:
    """A validated, re-scored submission ready for the store."""

    results: dict[str, Any]
    predictions: pd.DataFrame
    task_id: str
    fingerprint: str
    interpretation_examples: pd.DataFrame | None = field(default=None)


@dataclass(frozen=True)
class Checked:
    """What the cheap checks return: the parsed results and the files they name."""

    results: dict[str, Any]
    predictions: Path
    examples: Path | None
    source: str | None


def _load_local_task(task_id: str, source: str | None) -> Task:
    """The local build of `task_id` (patched in tests; builds on first use)."""
    from benchmark.tasks import load_task

    return load_task(task_id, source=source)


def suite_tasks() -> set[str]:
    """Every `<dataset>/<config>` of the suite's recipes (what a submission may name)."""
    from benchmark.tasks import list_tasks

    return {t["task"] for t in list_tasks()}


def _short(x: object, n: int = 12) -> str:
    s = str(x)
    s = "".join(c if unicodedata.category(c)[0] != "C" else "?" for c in s)
    return s if len(s) <= n else s[:n] + "…"


def _text_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if not value.strip():
        return "is empty"
    if len(value) > MAX_TEXT:
        return f"is longer than {MAX_TEXT} characters"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in value):
        return "contains a control or invisible character"
    return None


def _read_json(path: Path, limits: Limits) -> dict[str, Any]:
    if path.is_dir():
        raise SubmissionError(f"results file {path} is a directory")
    if not path.is_file():
        raise SubmissionError(f"no such results file: {path}")
    size = path.stat().st_size
    if size > limits.max_json_bytes:
        raise SubmissionError(f"results JSON too large: {size} bytes (limit {limits.max_json_bytes})")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionError("results file is not valid JSON: not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        msg = f"{exc.msg} at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise SubmissionError(f"results file is not valid JSON: {msg}") from None
    except OSError as exc:
        raise SubmissionError(f"cannot read results file {path}: {exc.strerror or type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise SubmissionError("results JSON must be an object")
    return data


def _check_header(res: dict[str, Any], limits: Limits) -> None:
    from benchmark.results import SCHEMA, schema_version

    schema = res.get("schema")
    if schema is None:
        raise SubmissionError(f"missing schema version (expected {SCHEMA!r} or older)")
    if schema_version(schema) is None:
        raise SubmissionError(f"unknown schema version {_short(schema, 40)!r} (expected {SCHEMA!r} or older)")
    task = res.get("task")
    if not isinstance(task, str) or not task:
        raise SubmissionError("missing task id")
    if not SUITE_TASK.match(task):
        raise SubmissionError(f"task {_short(task, 60)!r} is not a suite task (<dataset>/<config>, see `bench ls`); "
                              "csv:/fasta: tasks and paths cannot be submitted")
    fp = res.get("dataset_fingerprint")
    if not isinstance(fp, str) or not fp:
        raise SubmissionError("missing dataset_fingerprint")
    if not FINGERPRINT.match(fp):
        raise SubmissionError(f"dataset_fingerprint {_short(fp)!r} is not a sha256 (64 lowercase hex digits)")
    model = res.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("id"), str) or not model["id"]:
        raise SubmissionError("missing model.id")
    for key in ("id", "revision", "adapter"):
        if key == "id" or model.get(key) is not None:
            problem = _text_problem(model.get(key))
            if problem:
                raise SubmissionError(f"model.{key} {problem}")
    n_params = model.get("n_params")
    if n_params is not None and (isinstance(n_params, bool) or not isinstance(n_params, int) or not 0 <= n_params < 10**13):
        raise SubmissionError("model.n_params must be a non-negative integer")
    dataset = res.get("dataset")
    if dataset is not None and not isinstance(dataset, dict):
        raise SubmissionError("dataset must be an object")
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
        for key in INTERPRETATION_SCORES:
            v = interp.get(key)
            if v is not None and not 0.0 <= v <= 1.0:
                raise SubmissionError(f"interpretation.{key} must be in [0, 1]")
        if interp.get("method") is not None and _text_problem(interp["method"]):
            raise SubmissionError(f"interpretation.method {_text_problem(interp['method'])}")
        per = interp.get("per_example")
        if per is not None and (not isinstance(per, dict) or not isinstance(per.get("file"), str)):
            raise SubmissionError("interpretation.per_example must be {file, sha256}")


def _source(res: dict[str, Any], source: str | None) -> str:
    from loaders.core.paths import dataset_source

    src = source or (res.get("dataset") or {}).get("source")
    if src not in BOARD_SOURCES:
        if src is None:
            return dataset_source(None) if dataset_source(None) in BOARD_SOURCES else "grch38"
        raise SubmissionError(f"source {_short(src, 40)!r} cannot be scored on the board (sources: {', '.join(BOARD_SOURCES)})")
    return src


def _beside(name: str, json_path: Path, what: str, max_bytes: int, digests: set[str | None]) -> Path:
    """A plain `*.parquet` file beside the JSON, within `max_bytes`, matching the recorded sha256 (if any)."""
    if not SAFE_FILE.match(name) or ".." in name:
        raise SubmissionError(f"unsafe {what} file name {_short(name, 60)!r} (must be a plain *.parquet name beside the JSON)")
    folder = json_path.resolve().parent
    path = folder / name
    if path.is_symlink() or (path.exists() and path.resolve().parent != folder):
        raise SubmissionError(f"{what} file {name!r} must be a regular file beside the JSON, not a link")
    if not path.is_file():
        raise SubmissionError(f"{what} file {name!r} not found beside the JSON")
    size = path.stat().st_size
    if size > max_bytes:
        raise SubmissionError(f"{what} file too large: {size} bytes (limit {max_bytes})")
    digests = digests - {None}
    if digests and digests != {sha256_file(path)}:
        raise SubmissionError(f"{what} file {name!r} does not match the sha256 recorded in the results")
    return path


def _predictions_path(res: dict[str, Any], json_path: Path, limits: Limits) -> Path:
    names = {entry["predictions"]["file"] for entry in res["seeds"]}
    if len(names) != 1:
        raise SubmissionError(f"seeds must name exactly one predictions file, found {len(names)}")
    return _beside(names.pop(), json_path, "predictions", limits.max_predictions_bytes,
                   {entry["predictions"].get("sha256") for entry in res["seeds"]})


def check_submission(path: str | Path, source: str | None = None, limits: Limits = Limits(),
                     scored_locally: bool = True) -> Checked:
    """The cheap checks (see module docstring): raise `SubmissionError` or return what re-scoring needs.

    `scored_locally=False` (a task object is given) skips the source check.
    """
    path = Path(path)
    res = _read_json(path, limits)
    _check_header(res, limits)
    src = _source(res, source) if scored_locally else source
    pred = _predictions_path(res, path, limits)
    per = (res.get("interpretation") or {}).get("per_example")
    examples = _beside(per["file"], path, "interpretation per_example", limits.max_predictions_bytes,
                       {per.get("sha256")}) if per else None
    return Checked(res, pred, examples, src)


def _read_predictions(path: Path, k: int, max_rows: int) -> pd.DataFrame:
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

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


# --- interpretation: per-example attributions -------------------------------------------------------
def read_interpretation_examples(path: Path, limits: Limits = Limits()) -> pd.DataFrame:
    """The per-example file of an interpretation block, checked.

    Format (one row per planted probe; control probes are not needed):
    `id` (str), `motif_id` (str), `site_start`, `site_end` (int, 0-based, end exclusive: the planted
    bases), `attribution` (list of float: one score per base of the probe sequence).
    """
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        if meta.num_rows > limits.max_examples:
            raise SubmissionError(f"interpretation per_example: {meta.num_rows} rows (limit {limits.max_examples})")
        frame = pd.read_parquet(path)
    except SubmissionError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parquet failure is a rejection
        raise SubmissionError(f"unreadable interpretation per_example parquet: {type(exc).__name__}") from None
    missing = [c for c in EXAMPLE_COLUMNS if c not in frame.columns]
    if missing:
        raise SubmissionError(f"interpretation per_example lacks column(s) {', '.join(missing)}")
    if frame.empty:
        raise SubmissionError("interpretation per_example has no rows")
    if frame["id"].astype(str).duplicated().any():
        raise SubmissionError("interpretation per_example: duplicate probe ids")
    try:
        starts = frame["site_start"].astype(np.int64).to_numpy()
        ends = frame["site_end"].astype(np.int64).to_numpy()
        scores = [np.asarray(a, dtype=np.float64) for a in frame["attribution"]]
    except (TypeError, ValueError):
        raise SubmissionError("interpretation per_example: site_start/site_end must be integers and attribution "
                              "lists of numbers") from None
    for i, (a, s, e) in enumerate(zip(scores, starts, ends)):
        if a.ndim != 1 or not 0 < len(a) <= limits.max_example_length:
            raise SubmissionError(f"interpretation per_example row {i}: attribution must hold 1..{limits.max_example_length} numbers")
        if not 0 <= s < e <= len(a):
            raise SubmissionError(f"interpretation per_example row {i}: site [{s}, {e}) outside its {len(a)} bases")
    return pd.DataFrame({"id": frame["id"].astype(str), "motif_id": frame["motif_id"].astype(str),
                         "site_start": starts, "site_end": ends, "attribution": scores})


def planted_auroc_from_examples(examples: pd.DataFrame) -> float | None:
    """Mean over probes of the AUROC of the attribution ranking the planted bases above the rest (NaN bases
    dropped; a probe with no finite planted or unplanted base is skipped) - `benchmark.interpret.planted`'s
    definition, computed with scikit-learn."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    values = []
    for a, s, e in zip(examples["attribution"], examples["site_start"], examples["site_end"]):
        a = np.asarray(a, dtype=np.float64)
        y = np.zeros(len(a), dtype=bool)
        y[int(s):int(e)] = True
        ok = np.isfinite(a)
        if y[ok].all() or not y[ok].any():
            continue
        values.append(float(roc_auc_score(y[ok], a[ok])))
    return float(np.mean(values)) if values else None


def _verify_interpretation(res: dict[str, Any], examples_path: Path | None, limits: Limits) -> tuple[dict[str, Any] | None, Any]:
    """(interpretation block with `verified` marks, per-example frame or None)."""
    interp = res.get("interpretation")
    if interp is None:
        return None, None
    block = {k: v for k, v in interp.items() if k not in ("verified", "per_example")}
    verified = {k: SELF_REPORTED for k in INTERPRETATION_SCORES if block.get(k) is not None}
    examples = None
    if examples_path is not None:
        examples = read_interpretation_examples(examples_path, limits)
        n = block.get("n_sequences")
        if n is not None and n != len(examples):
            raise SubmissionError(f"interpretation: n_sequences {_short(n, 20)} but per_example has {len(examples)} probes")
        auroc = planted_auroc_from_examples(examples)
        if block.get("planted_auroc") is None or _differs(block.get("planted_auroc"), auroc):
            raise SubmissionError(f"interpretation: reported planted_auroc {_short(block.get('planted_auroc'), 20)} "
                                  f"differs from re-computed {auroc}")
        block["planted_auroc"] = None if auroc is None else round(auroc, 6)
        block["n_sequences"] = len(examples)
        verified["planted_auroc"] = RECOMPUTED
    block["verified"] = verified
    return block, examples


# --- re-scoring -----------------------------------------------------------------------------------
def rescore(checked: Checked, task: Task | None = None, limits: Limits = Limits()) -> Submission:
    """Load the suite task (unless given), compare its fingerprint and re-compute every metric."""
    import numpy as np
    import pandas as pd

    from benchmark.metrics import compute_metrics, metric_names, probability_problem, summarize
    from benchmark.results import SCHEMA, predictions_frame, schema_version

    res = checked.results
    if task is None:
        if res["task"] not in suite_tasks():
            raise SubmissionError(f"task {_short(res['task'], 60)!r} is not a task of the suite (see `bench ls`)")
        try:
            task = _load_local_task(res["task"], checked.source)
        except Exception as exc:  # noqa: BLE001 - reported as a one-line rejection
            text = " ".join(str(exc).split())
            raise SubmissionError(f"cannot load local task {_short(res['task'], 60)!r}: {_short(text, 200) if text else type(exc).__name__}") from None
    elif task.id != res["task"]:
        raise SubmissionError(f"results are for task {_short(res['task'], 60)!r}, not {task.id!r}")
    if res["dataset_fingerprint"] != task.fingerprint:
        raise SubmissionError(f"dataset_fingerprint {_short(res['dataset_fingerprint'])} does not match the local build of {task.id} ({_short(task.fingerprint)})")
    k = task.num_labels
    test = task.data["test"]
    test_ids = [str(i) for i in test["id"]]
    labels = np.asarray(test["label"], dtype=np.int64)
    if len(np.unique(labels)) < 2:
        raise SubmissionError(f"the test split of {task.id} holds {len(np.unique(labels))} class(es): metrics on it mean nothing")
    json_seeds = [entry["seed"] for entry in res["seeds"]]
    frame = _read_predictions(checked.predictions, k, max_rows=2 * len(json_seeds) * len(test_ids))
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
    interpretation, examples = _verify_interpretation(res, checked.examples, limits)
    results = {**res, "schema": SCHEMA, "dataset": task.describe(), "seeds": seeds_out, "summary": summary}
    if interpretation is not None:
        results["interpretation"] = interpretation
    predictions = pd.concat(frames, ignore_index=True)
    return Submission(results=results, predictions=predictions, task_id=task.id, fingerprint=task.fingerprint,
                      interpretation_examples=examples)


def validate_submission(path: str | Path, task: Task | None = None, source: str | None = None,
                        limits: Limits = Limits()) -> Submission:
    """Validate and re-score the results JSON at `path` (predictions parquet beside it).

    `task` is the local task to score against; by default the suite task the results name is
    loaded (built on first use) from `source` (default: the results' `dataset.source`), after
    every cheap check passed.
    """
    return rescore(check_submission(path, source, limits, scored_locally=task is None), task, limits)
