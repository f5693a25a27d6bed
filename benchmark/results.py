"""Results files, schema `phenoseq-results/2` (JSON + predictions parquet).

```
{schema, task, dataset_fingerprint, dataset: {name, config, source, synthetic},
 model: {id, revision, n_params, adapter, trust_remote_code},
 config: {hyper-parameters}, seeds: [{seed, metrics, train_seconds, predictions}],
 summary: {metric: {mean, sd, n}}, environment: {packages, device}, [interpretation]}
```
`seeds[i].predictions` = {"file": <parquet name beside the JSON>, "sha256": <file sha256>,
"rows": <rows of this seed>}. The parquet has one row per (seed, test id):
`id, seed, label, pred, prob_0..prob_{k-1}`.

Schema versions differ only in the metric set (`benchmark.metrics.METRICS`, each metric's
`since`): 1 = accuracy, balanced_accuracy, f1_macro, f1_weighted, precision, recall, mcc, auroc,
auprc; 2 = version 1 + log_loss. Files of every version up to `SCHEMA_VERSION` are read and
accepted by the leaderboard.
"""
from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loaders.core.files import atomic_write_bytes, atomic_write_with, sha256_file

SCHEMA_PREFIX = "phenoseq-results/"
SCHEMA_VERSION = 2
"""Bump when the metric set changes (a new metric gets `since=SCHEMA_VERSION`)."""
SCHEMA = f"{SCHEMA_PREFIX}{SCHEMA_VERSION}"


def schema_version(schema: object) -> int | None:
    """The version number of a `phenoseq-results/<n>` schema string this code reads, else None."""
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        return None
    number = schema.removeprefix(SCHEMA_PREFIX)
    if not number.isdigit() or not 1 <= int(number) <= SCHEMA_VERSION:
        return None
    return int(number)

if TYPE_CHECKING:  # numpy/pandas are imported where used: `bench submit` checks a file's header without them
    import numpy as np
    import pandas as pd

PACKAGES = ("phenoseq-bench", "torch", "transformers", "datasets", "scikit-learn", "numpy", "peft", "accelerate")


def predictions_frame(seed: int, ids: list[str], labels: np.ndarray, probs: np.ndarray) -> pd.DataFrame:
    """One row per test example for one seed."""
    import numpy as np
    import pandas as pd

    probs = np.asarray(probs, dtype=np.float64)
    frame = pd.DataFrame(
        {
            "id": pd.Series(list(ids), dtype="string"),
            "seed": np.full(len(ids), seed, dtype=np.int64),
            "label": np.asarray(labels, dtype=np.int64),
            "pred": probs.argmax(axis=1).astype(np.int64),
        }
    )
    for j in range(probs.shape[1]):
        frame[f"prob_{j}"] = probs[:, j]
    return frame


def environment_info(device: str | None = None) -> dict[str, Any]:
    """Package versions and device, recorded in every results file."""
    pkgs: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            pkgs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pkgs[name] = None
    if device is None:
        try:
            import torch

            device = f"cuda:{torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "cpu"
        except Exception:  # pragma: no cover - torch missing
            device = "cpu"
    return {"python": platform.python_version(), "platform": platform.platform(), "packages": pkgs, "device": device}


def write_results(results: dict[str, Any], predictions: pd.DataFrame, out_dir: str | os.PathLike, stem: str) -> Path:
    """Write `<stem>.predictions.parquet` then `<stem>.json` (each atomically); return the JSON path.

    Fills `seeds[i].predictions` with the parquet's name, sha256 and row count.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pred_path = atomic_write_with(out / f"{stem}.predictions.parquet",
                                  lambda tmp: predictions.reset_index(drop=True).to_parquet(tmp, index=False))
    digest = sha256_file(pred_path)
    counts = predictions.groupby("seed").size().to_dict()
    for entry in results["seeds"]:
        entry["predictions"] = {"file": pred_path.name, "sha256": digest, "rows": int(counts.get(entry["seed"], 0))}
    json_path = out / f"{stem}.json"
    atomic_write_bytes(json_path, (json.dumps(results, indent=2, sort_keys=False) + "\n").encode())
    return json_path


def read_results(path: str | os.PathLike) -> tuple[dict[str, Any], pd.DataFrame]:
    """Read a results JSON and the predictions parquet it names (beside it)."""
    path = Path(path)
    results = json.loads(path.read_text())
    files = {s.get("predictions", {}).get("file") for s in results.get("seeds", [])}
    files.discard(None)
    if len(files) != 1:
        raise ValueError(f"{path}: seeds must name exactly one predictions file, found {sorted(files)}")
    import pandas as pd

    pred = pd.read_parquet(path.parent / files.pop())
    return results, pred
