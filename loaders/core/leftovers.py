"""Temp paths that name their owner process, and the sweep that removes those a dead owner left.

Every temp file or directory the packages write beside their output is named
`.<target>.tmp-<owner>-<random>` (or `.<target>.old-<owner>` for the previous version moved aside
during a swap), where `<owner>` = `<host hash>-<pid>-<process start time>`. A `kill -9` can leave
such a path behind; `sweep(directory)` removes every one whose owner process is gone — same host,
and either no process with that pid or one that started at another time (the pid was reused).
Temps of live processes, and of other hosts sharing the folder, are never touched.

`files.temp_dir` / `files.temp_file` sweep their folder before creating a new temp, so a leftover
disappears at the next run that writes there.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
from functools import lru_cache
from pathlib import Path

LEFTOVER = re.compile(r"^\.(?P<target>.+)\.(?P<kind>tmp|old)-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-(?P<start>\d+)"
                      r"(?:-[A-Za-z0-9_]+)?$")
"""Names of the temps this module tags (see module docstring)."""


@lru_cache(maxsize=1)
def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def process_start(pid: int) -> int | None:
    """Start time of process `pid` (clock ticks since boot, from /proc), 0 where /proc is missing, None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None  # Linux: no such process
        return 0 if _pid_exists(pid) else None
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22; the command name may hold spaces


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_tag() -> str:
    """`<host hash>-<pid>-<start time>` of this process."""
    pid = os.getpid()
    return f"{_host()}-{pid}-{process_start(pid) or 0}"


def owner_alive(host: str, pid: int, start: int) -> bool:
    """Whether the process that wrote a tag is still running (a tag of another host always counts as alive)."""
    if host != _host():
        return True
    now = process_start(pid)
    if now is None:
        return False
    return start == 0 or now == 0 or now == start


def is_stale(name: str) -> bool:
    """Whether `name` is a tagged temp whose owner is gone."""
    m = LEFTOVER.match(name)
    if not m:
        return False
    return not owner_alive(m["host"], int(m["pid"]), int(m["start"]))


def sweep(directory: str | os.PathLike) -> list[Path]:
    """Remove the tagged temps in `directory` whose owner process is gone; return what was removed."""
    directory = Path(directory)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    removed = []
    for name in names:
        if not name.startswith(".") or not is_stale(name):
            continue
        path = directory / name
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            pass  # another sweeper got there first
        except OSError:
            continue  # not ours to remove (permissions): leave it
        removed.append(path)
    return removed


CACHE_FOLDERS = ("datasets/*", "demo-world", "genomes", "downloads", "leaderboard/tmp")
"""Folders of the cache (`loaders.core.paths.cache_dir`) where builds and submits put their temps."""


def sweep_cache(cache: str | os.PathLike) -> list[Path]:
    """`sweep` every folder of `CACHE_FOLDERS` under `cache`; return what was removed."""
    root = Path(cache)
    removed: list[Path] = []
    for pattern in CACHE_FOLDERS:
        for folder in sorted(root.glob(pattern)):
            if folder.is_dir():
                removed += sweep(folder)
    return removed


__all__ = ["CACHE_FOLDERS", "LEFTOVER", "is_stale", "owner_alive", "owner_tag", "process_start", "sweep", "sweep_cache"]
