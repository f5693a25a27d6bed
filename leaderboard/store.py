"""Results store: a directory of validated entries plus a SQLite index, safe under concurrent submits.

```
<root>/entries/<entry_id>/results.json         re-scored results (validated copy)
<root>/entries/<entry_id>/predictions.parquet  canonical predictions (held-out labels)
[<root>/entries/<entry_id>/interpretation.parquet  per-example attributions, when submitted]
<root>/index.sqlite                            one row per entry (what the board reads)
<root>/.lock                                   inter-process lock held while adding
```
An entry is written into `<root>/tmp/` first (a temp named after its owner process: one a
`kill -9` left is swept at the next submit), then renamed into `entries/` and indexed while
holding the lock, so readers never see half an entry and two racing submits are serialised.
`entry_id` is a content hash (task, fingerprint, model, predictions), so submitting the same
thing twice stores it once.

`entries/` is the truth, the index is derived from it: an entry directory deleted by hand is
left off the board, an entry not yet indexed (a submit killed between rename and insert) is
indexed by the next reader, a missing index is rebuilt, and a corrupt one is a one-line error.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from filelock import FileLock

from leaderboard.validate import Submission
from loaders.core.errors import UserError
from loaders.core.files import apply_umask, sha256_file, temp_dir

INDEX_COLUMNS = (
    "entry_id", "task", "model_id", "revision", "n_params", "adapter", "random_init", "n_seeds", "fingerprint",
    "source", "synthetic", "submitted_at", "summary", "interpretation", "control",
)
_SCHEMA_SQL = """CREATE TABLE IF NOT EXISTS entries (
    entry_id TEXT PRIMARY KEY, task TEXT NOT NULL, model_id TEXT NOT NULL, revision TEXT, n_params INTEGER,
    adapter TEXT, random_init INTEGER NOT NULL, n_seeds INTEGER NOT NULL, fingerprint TEXT NOT NULL, source TEXT,
    synthetic INTEGER NOT NULL, submitted_at TEXT NOT NULL, summary TEXT NOT NULL, interpretation TEXT,
    control TEXT)"""


class StoreError(UserError, RuntimeError):
    """A results store that cannot be read (corrupt index); one line naming the file and the fix."""


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
        new = not self.index_path.exists()
        try:
            con = sqlite3.connect(self.index_path, timeout=60)
            con.execute(_SCHEMA_SQL)
            if "control" not in {row[1] for row in con.execute("PRAGMA table_info(entries)")}:
                con.execute("ALTER TABLE entries ADD COLUMN control TEXT")  # stores made before negative controls
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.index_path}: corrupt results index ({exc}); delete it, it is rebuilt from "
                             f"{self.entries_dir} on the next run") from None
        if new:
            apply_umask(self.index_path)
        return con

    def _insert(self, rows: list[dict[str, Any]], verb: str = "INSERT OR REPLACE") -> None:
        con = self._connect()
        try:
            with con:  # one transaction
                con.executemany(f"{verb} INTO entries ({', '.join(INDEX_COLUMNS)}) VALUES ({', '.join('?' * len(INDEX_COLUMNS))})",
                                [[r[c] for c in INDEX_COLUMNS] for r in rows])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.index_path}: corrupt results index ({exc}); delete it, it is rebuilt from "
                             f"{self.entries_dir} on the next run") from None
        finally:
            con.close()

    def _entry_row(self, entry_dir: Path) -> dict[str, Any] | None:
        """The index row of an entry directory (None, with a note, when its results.json is unreadable)."""
        try:
            res = json.loads((entry_dir / "results.json").read_text())
            return _index_row(entry_dir.name, res, (res.get("leaderboard") or {}).get("submitted_at", ""))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"note: {entry_dir}: unreadable entry left off the board ({type(exc).__name__})", file=sys.stderr)
            return None

    def _entry_dirs(self) -> list[Path]:
        if not self.entries_dir.is_dir():
            return []
        return sorted(p for p in self.entries_dir.iterdir() if (p / "results.json").is_file())

    def add(self, sub: Submission) -> Stored:
        """Store a validated submission (idempotent: the same content gives the same entry)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.entries_dir.mkdir(parents=True, exist_ok=True)
        tmp = temp_dir(self.root / "tmp", "entry")
        try:
            sub.predictions.to_parquet(tmp / "predictions.parquet", index=False)
            if sub.interpretation_examples is not None:
                sub.interpretation_examples.to_parquet(tmp / "interpretation.parquet", index=False)
            digest = sha256_file(tmp / "predictions.parquet")
            key = json.dumps([sub.task_id, sub.fingerprint, sub.results["model"], digest], sort_keys=True, default=str)
            entry_id = hashlib.sha256(key.encode()).hexdigest()[:16]
            submitted_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            results = copy.deepcopy(sub.results)
            for entry in results["seeds"]:
                entry["predictions"] = {"file": "predictions.parquet", "sha256": digest,
                                        "rows": int((sub.predictions["seed"] == entry["seed"]).sum())}
            if sub.interpretation_examples is not None:
                results["interpretation"]["per_example"] = {"file": "interpretation.parquet",
                                                            "sha256": sha256_file(tmp / "interpretation.parquet")}
            results["leaderboard"] = {"entry_id": entry_id, "submitted_at": submitted_at, "rescored": True}
            (tmp / "results.json").write_text(json.dumps(results, indent=2) + "\n")
            final = self.entries_dir / entry_id
            with self.lock:
                if (final / "results.json").is_file():
                    row = self._entry_row(final)  # indexed already, unless a submit was killed before indexing it
                    if row is not None:
                        self._insert([row], verb="INSERT OR IGNORE")
                    return Stored(entry_id, final, created=False)
                if final.exists():
                    shutil.rmtree(final)  # not an entry (no results.json): replace it
                os.rename(tmp, final)
                try:
                    self._insert([_index_row(entry_id, results, submitted_at)])
                except BaseException:
                    shutil.rmtree(final, ignore_errors=True)
                    raise
            return Stored(entry_id, final, created=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _reconcile(self) -> None:
        """Index entries that are on disk but not in the index (rebuilding a missing index)."""
        dirs = self._entry_dirs()
        if not dirs:
            return
        indexed: set[str] = set()
        if self.index_path.exists():
            con = self._connect()
            try:
                indexed = {r[0] for r in con.execute("SELECT entry_id FROM entries")}
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.index_path}: corrupt results index ({exc}); delete it, it is rebuilt from "
                                 f"{self.entries_dir} on the next run") from None
            finally:
                con.close()
        if {d.name for d in dirs} <= indexed:
            return
        with self.lock:
            rows = [r for d in dirs if d.name not in indexed and (r := self._entry_row(d)) is not None]
            if rows:
                self._insert(rows, verb="INSERT OR IGNORE")

    def rows(self, task: str | None = None) -> list[dict[str, Any]]:
        """Index rows (summary/interpretation decoded), ordered by task then submission time.

        Entries whose directory was deleted are left out; entries not yet indexed are indexed first.
        """
        self._reconcile()
        if not self.index_path.exists():
            return []
        con = self._connect()
        try:
            con.row_factory = sqlite3.Row
            sql = "SELECT * FROM entries" + (" WHERE task = ?" if task else "") + " ORDER BY task, submitted_at, entry_id"
            out = [dict(r) for r in con.execute(sql, (task,) if task else ())]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.index_path}: corrupt results index ({exc}); delete it, it is rebuilt from "
                             f"{self.entries_dir} on the next run") from None
        finally:
            con.close()
        out = [r for r in out if (self.entries_dir / r["entry_id"] / "results.json").is_file()]
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
            rows = [r for d in self._entry_dirs() if (r := self._entry_row(d)) is not None]
            self._insert(rows)
            return len(rows)


def submit(path: str | Path, store: ResultsStore, task: Any = None, source: str | None = None, **kwargs: Any) -> Stored:
    """Validate (raises `SubmissionError`, nothing stored) then store a results file."""
    from leaderboard.validate import validate_submission

    return store.add(validate_submission(path, task=task, source=source, **kwargs))
