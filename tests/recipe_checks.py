"""Shared checks for the recipe tests (not a test module).

`demo_builds(name)` builds a recipe's demo source twice, in two fresh caches that share the
generated demo worlds (each recipe's world is generated once per test session), and returns both
directories and the first build's wall time. The `check_*` functions are the properties every
recipe must have; tests/test_recipes_common.py runs them over `loaders.list_recipes()`.
"""
from __future__ import annotations

import atexit
import functools
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import loaders
from loaders.build.cluster import similar_pairs
from loaders.core.schema import COLUMNS, SPLITS
from loaders.demo.world import ensure_demo_world


@functools.lru_cache(maxsize=1)
def shared_root() -> Path:
    """One cache root whose `demo-world/` every test cache shares (worlds are generated once per session)."""
    root = Path(tempfile.mkdtemp(prefix="phenoseq-recipes-"))
    atexit.register(shutil.rmtree, root, True)
    (root / "demo-world").mkdir()
    return root


def fresh_cache(tmp: Path) -> Path:
    """An empty cache whose demo worlds are the shared ones (symlinked, so they are not regenerated)."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "demo-world").symlink_to(shared_root() / "demo-world", target_is_directory=True)
    return tmp


def world_dir(name: str) -> Path:
    """The directory of recipe `name`'s demo world (generated on first use)."""
    return next(iter(ensure_demo_world(shared_root(), name).values())).parent


_BUILDS: dict[str, tuple[Path, Path, float]] = {}


def demo_builds(name: str, tmp_path_factory, **params) -> tuple[Path, Path, float]:
    """Build `name` from `demo` twice from scratch (two caches sharing the demo worlds); return both dirs and
    the first build's seconds (its world already generated).

    Memoised per session, so the shared checks (test_recipes_common.py) and each recipe's own
    module use the same two builds.
    """
    key = json.dumps([name, params], sort_keys=True)
    if key not in _BUILDS:
        _BUILDS[key] = _demo_builds(name, tmp_path_factory, **params)
    return _BUILDS[key]


def _demo_builds(name: str, tmp_path_factory, **params) -> tuple[Path, Path, float]:
    world_dir(name)  # the world is generated once, outside the timed build
    t0 = time.perf_counter()
    a = loaders.build_dataset(name, source="demo", cache_dir=fresh_cache(tmp_path_factory.mktemp(f"{name}_a")), **params)
    seconds = time.perf_counter() - t0
    b = loaders.build_dataset(name, source="demo", cache_dir=fresh_cache(tmp_path_factory.mktemp(f"{name}_b")), **params)
    return a, b, seconds


def frames(path: Path, config: str) -> dict[str, pd.DataFrame]:
    return {s: pd.read_parquet(path / config / f"{s}-00000-of-00001.parquet") for s in SPLITS}


def base_config(path: Path) -> str:
    """The config whose labels are the recipe's base classes (identity label map, e.g. `multiclass`)."""
    info = build_info(path)
    for cfg, names in info["label_names"].items():
        if names == info["classes"]:
            return cfg
    raise AssertionError(f"{path}: no config has the base classes {info['classes']}")


def all_rows(path: Path, config: str | None = None) -> pd.DataFrame:
    config = config or base_config(path)
    return pd.concat([df.assign(split=s) for s, df in frames(path, config).items()], ignore_index=True)


def build_info(path: Path) -> dict:
    return json.loads((path / "build.json").read_text())


def check_reproducible(a: Path, b: Path) -> None:
    """Same fingerprints, byte-identical parquet files and card, identical build.json (bar cache paths)."""
    ja, jb = build_info(a), build_info(b)
    assert ja["fingerprints"] == jb["fingerprints"]
    for cfg in ja["fingerprints"]:
        for s in SPLITS:
            rel = f"{cfg}/{s}-00000-of-00001.parquet"
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert (a / "README.md").read_text() == (b / "README.md").read_text()
    assert ja == jb


def check_rows(path: Path, name: str, recipe_classes: tuple[str, ...]) -> None:
    """Row schema, ACGTN sequences, coordinates, unique stable ids, every class in train and test."""
    info = build_info(path)
    assert info["synthetic"] is True and info["dataset"] == name
    assert "SYNTHETIC DEMO DATA" in (path / "README.md").read_text()
    for cfg in info["fingerprints"]:
        for s, df in frames(path, cfg).items():
            assert tuple(df.columns) == COLUMNS
            assert df["sequence"].map(lambda x: re.fullmatch(r"[ACGTN]+", x) is not None).all()
            assert (df["length"] >= 150).all()
            assert (df["length"] == df["sequence"].str.len()).all()
            assert (df["length"] == df["end"] - df["start"]).all()
            assert df["id"].is_unique
            assert df["id"].str.startswith(f"{name}:").all()
    rows = all_rows(path)
    for split in ("train", "test"):
        present = set(rows.loc[rows["split"] == split, "label"])
        assert present == set(range(len(recipe_classes))), (split, present)


def check_configs(path: Path, recipe) -> None:
    """Every config has exactly the base config's rows, labels mapped through its `label_map`."""
    base = base_config(path)
    for cfg in recipe.configs:
        for s in SPLITS:
            b = frames(path, cfg.name)[s]
            m = frames(path, base)[s]
            assert list(b["id"]) == list(m["id"])
            assert (b["sequence"] == m["sequence"]).all()
            assert (b["label"].to_numpy() == np.asarray(cfg.label_map)[m["label"].to_numpy()]).all()


def check_grouped_splits(path: Path, work: Path) -> None:
    """No cluster in two splits; re-searching test against train+validation finds no pair >= 95 %."""
    seen: dict[str, str] = {}
    parts = frames(path, base_config(path))
    for s, df in parts.items():
        for c in df["cluster"]:
            assert seen.setdefault(c, s) == s, f"cluster {c} in {seen[c]} and {s}"
    test = list(zip(parts["test"]["id"], parts["test"]["sequence"]))
    rest = pd.concat([parts["train"], parts["validation"]])
    pairs = similar_pairs(test, list(zip(rest["id"], rest["sequence"])), min_seq_id=0.95, coverage=0.8,
                          work_dir=work)
    assert pairs == []


def overlaps(rows: pd.DataFrame, features: pd.DataFrame) -> np.ndarray:
    """Per row: does it overlap any feature (chrom,start,end)? Plain numpy, independent of bedtools."""
    out = np.zeros(len(rows), dtype=bool)
    for chrom, grp in features.groupby("chrom"):
        s, e = grp["start"].to_numpy(), grp["end"].to_numpy()
        sel = (rows["chrom"] == chrom).to_numpy()
        rs, re_ = rows.loc[sel, "start"].to_numpy(), rows.loc[sel, "end"].to_numpy()
        out[sel] = ((s[None, :] < re_[:, None]) & (rs[:, None] < e[None, :])).any(axis=1)
    return out


def kmer_score(path: Path, config: str, k: int = 4) -> float:
    """Balanced test accuracy of k-mer-count logistic regression trained on train: is the demo learnable?"""
    from itertools import product

    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    vocab = {"".join(p): i for i, p in enumerate(product("ACGT", repeat=k))}

    def feats(seqs: pd.Series) -> np.ndarray:
        x = np.zeros((len(seqs), len(vocab)))
        for r, seq in enumerate(seqs):
            for j in range(len(seq) - k + 1):
                idx = vocab.get(seq[j:j + k])
                if idx is not None:
                    x[r, idx] += 1
            x[r] /= max(1, x[r].sum())
        return x

    parts = frames(path, config)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1)).fit(feats(parts["train"]["sequence"]), parts["train"]["label"])
    pred = model.predict(feats(parts["test"]["sequence"]))
    return float(balanced_accuracy_score(parts["test"]["label"], pred))
