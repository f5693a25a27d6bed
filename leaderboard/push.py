"""`bench leaderboard push --repo org/name`: publish the store as a Hugging Face Hub dataset.

The folder uploaded is staged locally first: `entries/<id>/{results.json,predictions.parquet}`,
`leaderboard.parquet` (one flat row per entry: task, model, mean/sd of each metric) and a
dataset card `README.md` whose `configs:` point `datasets.load_dataset(repo)` at the parquet.
Only `HfApi.create_repo` and `HfApi.upload_folder` touch the network.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from benchmark.metrics import METRIC_NAMES
from leaderboard.store import ResultsStore
from loaders.core.errors import RemoteError, UserError

REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


class PushError(UserError, ValueError):
    """A user-facing push problem (one line)."""


def flat_rows(store: ResultsStore) -> pd.DataFrame:
    """One row per entry with `<metric>_mean` / `<metric>_sd` columns."""
    rows = []
    for r in store.rows():
        row: dict[str, Any] = {k: r[k] for k in ("entry_id", "task", "model_id", "revision", "n_params", "adapter",
                                                 "random_init", "n_seeds", "fingerprint", "source", "synthetic", "submitted_at")}
        for m in METRIC_NAMES:
            s = r["summary"].get(m) or {}
            row[f"{m}_mean"], row[f"{m}_sd"] = s.get("mean"), s.get("sd")
        interp = r["interpretation"] or {}
        for k in ("planted_auroc", "random_auroc", "fimo_recovery"):
            row[k] = interp.get(k)
        rows.append(row)
    return pd.DataFrame(rows)


def card(repo: str, frame: pd.DataFrame) -> str:
    """Dataset card for the published board."""
    synthetic = bool(len(frame)) and bool(frame["synthetic"].any())
    tasks = sorted(frame["task"].unique()) if len(frame) else []
    return "\n".join([
        "---", "configs:", "- config_name: default", "  data_files: leaderboard.parquet", "tags:", "- phenoseq-bench",
        "- leaderboard", "---", "", f"# {repo}: PhenoSeq Bench leaderboard", "",
        "Validated submissions to PhenoSeq Bench. Every metric was re-computed from per-example test predictions "
        "against the held-out labels and the dataset fingerprint (`entries/<id>/`).", "",
        f"Entries: {len(frame)}; tasks: {', '.join(tasks) if tasks else 'none'}.", "",
        *(["**Contains synthetic demo data** (rows with `synthetic = true`): they show the pipeline, not biology.", ""]
          if synthetic else []),
    ])


def stage(store: ResultsStore, folder: Path, repo: str) -> Path:
    """Write the folder that `push` uploads."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = flat_rows(store)
    for entry_id in frame.get("entry_id", []):
        shutil.copytree(store.entries_dir / entry_id, folder / "entries" / entry_id)
    frame.to_parquet(folder / "leaderboard.parquet", index=False)
    (folder / "README.md").write_text(card(repo, frame))
    return folder


def push(store: ResultsStore, repo: str, *, token: str | None = None, private: bool = False, api: Any = None) -> str:
    """Create (if needed) the dataset repo and upload the staged store; returns the commit URL or repo URL."""
    if not REPO_ID.match(repo) or ".." in repo:
        raise PushError(f"--repo must look like org/name, got {repo!r}")
    if not store.rows():
        raise PushError(f"the store at {store.root} has no entries to push")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    with tempfile.TemporaryDirectory(prefix="phenoseq-push-") as tmp:
        folder = stage(store, Path(tmp) / "board", repo)
        try:
            api.create_repo(repo_id=repo, repo_type="dataset", private=private, exist_ok=True)
            info = api.upload_folder(repo_id=repo, folder_path=str(folder), repo_type="dataset",
                                     commit_message="Update PhenoSeq Bench leaderboard")
        except Exception as exc:  # noqa: BLE001 - network/auth failures of the Hub client: one line
            raise RemoteError.wrap(f"push to {repo}", exc) from None
    return str(getattr(info, "commit_url", None) or info or f"https://huggingface.co/datasets/{repo}")
