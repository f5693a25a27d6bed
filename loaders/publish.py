"""Publish a built dataset directory to the Hugging Face Hub (huggingface_hub does the work)."""
from __future__ import annotations

import re
from pathlib import Path

from huggingface_hub import HfApi

from loaders.core.errors import DatasetError, RemoteError

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def push_dataset(path: Path, repo: str, private: bool = False, api: HfApi | None = None) -> str:
    """Create (if needed) the dataset repo `repo` and upload `path` into it; return the repo URL."""
    if not REPO_ID.match(repo):
        raise DatasetError(f"--repo must look like org/name, got {repo!r}")
    if not (path / "README.md").exists() or not (path / "build.json").exists():
        raise DatasetError(f"{path}: not a built dataset (README.md and build.json missing)")
    api = api or HfApi()
    try:
        url = api.create_repo(repo_id=repo, repo_type="dataset", private=private, exist_ok=True)
        api.upload_folder(folder_path=str(path), repo_id=repo, repo_type="dataset",
                          commit_message=f"PhenoSeq Bench: {path.name}",
                          allow_patterns=["README.md", "build.json", "*/*.parquet"])
    except Exception as exc:  # noqa: BLE001 - network/auth failures of the Hub client: one line
        raise RemoteError.wrap(f"push to {repo}", exc) from None
    return str(url)
