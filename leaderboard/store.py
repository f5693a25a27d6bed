"""Results store: a directory of validated entries plus a SQLite index, safe under concurrent submits.

```
<root>/entries/<entry_id>/results.json         re-scored results (validated copy)
<root>/entries/<entry_id>/predictions.parquet  canonical predictions (held-out labels)
<root>/index.sqlite                            one row per entry (what the board reads)
<root>/.lock                                   inter-process lock held while adding
```
An entry is written into `<root>/tmp/` first, then renamed into `entries/` and indexed
while holding the lock, so readers never see half an entry and two racing submits are
serialised. `entry_id` is a content hash (task, fingerprint, model, predictions), so
submitting the same thing twice stores it once.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from filelock import FileLock

from leaderboard.validate import Submission
from loaders.core.files import sha256_file

INDEX_COLUMNS = (
    "entry_id", "task", "model_id", "revision", "n_params", "adapter", "random_init", "n_seeds", "fingerprint",
    "source", "synthetic", "submitted_at", "summary", "interpretation", "control",
)
_SCHEMA_SQL = """CREATE TABLE IF NOT EXISTS entries (
    entry_id TEXT PRIMARY KEY, task TEXT NOT NULL, model_id TEXT NOT NULL, revision TEXT, n_params INTEGER,
    adapter TEXT, random_init INTEGER NOT NULL, n_seeds INTEGER NOT NULL, fingerprint TEXT NOT NULL, source TEXT,
    synthetic INTEGER NOT NULL, submitted_at TEXT NOT NULL, summary TEXT NOT NULL, interpretation TEXT,
    control TEXT)"""


@dataclass(frozen=True)
class Stored:
    """Outcome of `ResultsStore.add`."""

    entry_id: str
    path: Path
    created: bool


def default_store_dir() -> Path:
    """`$PHENOSEQ_LEADERBOARD`, else `<phenoseq cache>/leaderboard`."""
    env = os.environ.get("PHENOSEQ_LEADERBOARD")
    if env:
        return Path(env)
    from loaders.core.paths import cache_dir

    return cache_dir() / "leaderboard"


def _index_row(entry_id: str, results: dict[str, Any], submitted_at: str) -> dict[str, Any]:
    model, dataset = results.get("model") or {}, results.get("dataset") or {}
    n_params = model.get("n_params")
    return {
        "entry_id": entry_id, "task": results["task"], "model_id": model["id"], "revision": model.get("revision"),
        "n_params": int(n_params) if isinstance(n_params, (int, float)) and not isinstance(n_params, bool) else None,
        "adapter": model.get("adapter"), "random_init": int(bool(model.get("random_init"))),
        "n_seeds": len(results["seeds"]), "fingerprint": results["dataset_fingerprint"], "source": dataset.get("source"),
        "synthetic": int(bool(dataset.get("synthetic"))), "submitted_at": submitted_at,
        "summary": json.dumps(results["summary"], sort_keys=True),
        "interpretation": json.dumps(results["interpretation"], sort_keys=True) if results.get("interpretation") else None,
        "control": "shuffled-labels" if (results.get("config") or {}).get("shuffle_labels") else None,
    }


class ResultsStore:
    """Directory of validated entries + SQLite index (see module docstring)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.entries_dir = self.root / "entries"
        self.index_path = self.root / "index.sqlite"
        self.lock = FileLock(str(self.root / ".lock"), timeout=120)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.index_path, timeout=60)
        con.execute(_SCHEMA_SQL)
        if "control" not in {row[1] for row in con.execute("PRAGMA table_info(entries)")}:
            con.execute("ALTER TABLE entries ADD COLUMN control TEXT")  # stores made before negative controls
        return con

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        con = self._connect()
        try:
            with con:  # one transaction
                con.executemany(f"INSERT INTO entries ({', '.join(INDEX_COLUMNS)}) VALUES ({', '.join('?' * len(INDEX_COLUMNS))})",
                                [[r[c] for c in INDEX_COLUMNS] for r in rows])
        finally:
            con.close()

    def add(self, sub: Submission) -> Stored:
        """Store a validated submission (idempotent: the same content gives the same entry)."""
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        self.entries_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.root / "tmp" / uuid.uuid4().hex
        tmp.mkdir()
        try:
            sub.predictions.to_parquet(tmp / "predictions.parquet", index=False)
            digest = sha256_file(tmp / "predictions.parquet")
            key = json.dumps([sub.task_id, sub.fingerprint, sub.results["model"], digest], sort_keys=True, default=str)
            entry_id = hashlib.sha256(key.encode()).hexdigest()[:16]
            submitted_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            results = copy.deepcopy(sub.results)
            for entry in results["seeds"]:
                entry["predictions"] = {"file": "predictions.parquet", "sha256": digest,
                                        "rows": int((sub.predictions["seed"] == entry["seed"]).sum())}
            results["leaderboard"] = {"entry_id": entry_id, "submitted_at": submitted_at, "rescored": True}
            (tmp / "results.json").write_text(json.dumps(results, indent=2) + "\n")
            final = self.entries_dir / entry_id
            with self.lock:
                if final.exists():
                    return Stored(entry_id, final, created=False)
                os.rename(tmp, final)
                try:
                    self._insert([_index_row(entry_id, results, submitted_at)])
                except BaseException:
                    shutil.rmtree(final, ignore_errors=True)
                    raise
            return Stored(entry_id, final, created=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def rows(self, task: str | None = None) -> list[dict[str, Any]]:
        """Index rows (summary/interpretation decoded), ordered by task then submission time."""
        if not self.index_path.exists():
            return []
        con = self._connect()
        try:
            con.row_factory = sqlite3.Row
            sql = "SELECT * FROM entries" + (" WHERE task = ?" if task else "") + " ORDER BY task, submitted_at, entry_id"
            out = [dict(r) for r in con.execute(sql, (task,) if task else ())]
        finally:
            con.close()
        for r in out:
            r["summary"] = json.loads(r["summary"])
            r["interpretation"] = json.loads(r["interpretation"]) if r["interpretation"] else None
            r["random_init"], r["synthetic"] = bool(r["random_init"]), bool(r["synthetic"])
        return out

    def read_entry(self, entry_id: str) -> dict[str, Any]:
        """The stored results JSON of one entry."""
        if not all(c in "0123456789abcdef" for c in entry_id):
            raise KeyError(entry_id)
        return json.loads((self.entries_dir / entry_id / "results.json").read_text())

    def rebuild_index(self) -> int:
        """Re-create the index from `entries/` (recovery); returns the number of entries."""
        with self.lock:
            self.index_path.unlink(missing_ok=True)
            rows = []
            for d in sorted(p for p in self.entries_dir.glob("*") if (p / "results.json").is_file()):
                res = json.loads((d / "results.json").read_text())
                rows.append(_index_row(d.name, res, (res.get("leaderboard") or {}).get("submitted_at", "")))
            self._insert(rows)
            return len(rows)


def submit(path: str | Path, store: ResultsStore, task: Any = None, source: str | None = None, **kwargs: Any) -> Stored:
    """Validate (raises `SubmissionError`, nothing stored) then store a results file."""
    from leaderboard.validate import validate_submission

    return store.add(validate_submission(path, task=task, source=source, **kwargs))
