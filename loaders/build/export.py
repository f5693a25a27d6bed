"""Write a built dataset directory (HF-ready) and read it back.

Layout: `README.md` (card with `configs:` YAML), `<config>/<split>-00000-of-00001.parquet`,
`build.json`. Everything is written into a temporary sibling directory and renamed into
place, so an interrupted or failed build never leaves a half-written dataset.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from loaders.core.errors import DatasetError
from loaders.core.files import old_path, temp_dir
from loaders.core.fingerprint import fingerprint_split
from loaders.core.recipe import ConfigSpec, Recipe
from loaders.core.schema import COLUMNS, SPLITS, features

datasets.disable_progress_bars()


def parquet_name(split: str) -> str:
    return f"{split}-00000-of-00001.parquet"


def config_frames(rows: pd.DataFrame, cfg: ConfigSpec) -> dict[str, pd.DataFrame]:
    """Rows of one config per split: base labels mapped through `cfg.label_map`, sorted by id."""
    mapped = rows.copy()
    mapped["label"] = np.asarray(cfg.label_map, dtype=np.int64)[mapped["label"].to_numpy()]
    return {s: mapped[mapped["split"] == s][list(COLUMNS)].sort_values("id", kind="stable").reset_index(drop=True)
            for s in SPLITS}


def _dataset(frame: pd.DataFrame, cfg: ConfigSpec) -> datasets.Dataset:
    data = {c: frame[c].tolist() for c in COLUMNS}
    return datasets.Dataset.from_dict(data, features=features(list(cfg.label_names)))


def _stats(frame: pd.DataFrame) -> dict[str, float]:
    if frame.empty:
        return {"n": 0}
    ln = frame["length"]
    return {"n": int(len(frame)), "length_min": int(ln.min()), "length_median": float(ln.median()),
            "length_mean": round(float(ln.mean()), 1), "length_max": int(ln.max()),
            "gc_mean": round(float(frame["gc"].mean()), 4)}


def write_built(out: Path, recipe: Recipe, rows: pd.DataFrame, build_info: dict[str, Any],
                card: Callable[[dict[str, Any]], str]) -> Path:
    """Write all configs + build.json + card into `out` atomically; return `out`."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_dir(out.parent, out.name)
    try:
        counts: dict[str, Any] = {}
        stats: dict[str, Any] = {}
        fingerprints: dict[str, str] = {}
        for cfg in recipe.configs:
            frames = config_frames(rows, cfg)
            (tmp / cfg.name).mkdir()
            counts[cfg.name] = {}
            stats[cfg.name] = {}
            for split, frame in frames.items():
                ds = _dataset(frame, cfg)
                ds.to_parquet(str(tmp / cfg.name / parquet_name(split)))
                counts[cfg.name][split] = {name: int((frame["label"] == i).sum()) for i, name in enumerate(cfg.label_names)}
                stats[cfg.name][split] = {name: _stats(frame[frame["label"] == i]) for i, name in enumerate(cfg.label_names)}
                if split == "test":
                    fingerprints[cfg.name] = fingerprint_split(ds)
        info = {**build_info, "counts": counts, "length_gc": stats, "fingerprints": fingerprints,
                "label_names": {cfg.name: list(cfg.label_names) for cfg in recipe.configs}}
        (tmp / "build.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
        (tmp / "README.md").write_text(card(info))
        if out.exists():
            old = old_path(out)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def read_config(path: Path, config: str) -> datasets.DatasetDict:
    """Load one config of a built directory with the features stored in its parquet files."""
    files = {s: str(path / config / parquet_name(s)) for s in SPLITS}
    missing = [f for f in files.values() if not Path(f).exists()]
    if missing:
        raise DatasetError(f"{path}: config '{config}' is not built (missing {Path(missing[0]).name})")
    return datasets.DatasetDict({s: datasets.Dataset(pq.read_table(f)) for s, f in files.items()})
