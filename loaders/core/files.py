"""File helpers shared by every package: content hashing, temp paths, atomic writes, output checks.

Temps are created beside their target with `temp_dir` / `temp_file`: named after their owner
process (`loaders.core.leftovers`, so a `kill -9` leftover is swept at the next run that writes
in that folder) and given the permissions the umask asks for (`tempfile.mkdtemp`/`mkstemp`
create 0700/0600, which would make a shared cache or results folder unreadable to others).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from loaders.core.errors import UserError
from loaders.core.leftovers import owner_tag, sweep

_SHA_MEMO: dict[tuple, str] = {}
_UMASK_LOCK = threading.Lock()


def _identity(path: Path) -> tuple:
    st = path.stat()
    return (os.path.realpath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def sha256_file(path: str | os.PathLike) -> str:
    """sha256 hex digest of a file, read in 1 MiB chunks (remembered per file identity within a process)."""
    path = Path(path)
    key = _identity(path)
    if key in _SHA_MEMO:
        return _SHA_MEMO[key]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    if _identity(path) == key:  # unchanged while read
        _SHA_MEMO[key] = h.hexdigest()
    return h.hexdigest()


def umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def apply_umask(path: str | os.PathLike) -> None:
    """Give `path` the mode a plain `mkdir`/`open` would have (0777/0666 less the umask)."""
    base = 0o777 if Path(path).is_dir() else 0o666
    os.chmod(path, base & ~umask())


def temp_dir(parent: str | os.PathLike, target: str) -> Path:
    """A new directory `<parent>/.<target>.tmp-<owner>-<random>` (umask permissions), after sweeping dead owners' temps."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    sweep(parent)
    path = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target}.tmp-{owner_tag()}-", suffix=""))
    apply_umask(path)
    return path


def temp_file(parent: str | os.PathLike, target: str) -> tuple[int, Path]:
    """(open fd, path) of a new file `<parent>/.<target>.tmp-<owner>-<random>` (umask permissions), after a sweep."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    sweep(parent)
    fd, name = tempfile.mkstemp(dir=parent, prefix=f".{target}.tmp-{owner_tag()}-", suffix="")
    os.fchmod(fd, 0o666 & ~umask())
    return fd, Path(name)


def old_path(path: str | os.PathLike) -> Path:
    """Where the previous version of `path` waits during a swap: `.<name>.old-<owner>` beside it."""
    path = Path(path)
    return path.with_name(f".{path.name}.old-{owner_tag()}")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, fsync, then rename over it: readers never see a partial file."""
    path = Path(path)
    fd, tmp = temp_file(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_with(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call `write(temp path)` (e.g. `frame.to_parquet`), then rename the temp over `path`."""
    path = Path(path)
    fd, tmp = temp_file(path.parent, path.name)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _nearest_existing(path: Path) -> Path:
    for p in (path, *path.parents):
        if p.exists() or p.is_symlink():
            return p
    return Path(".")


def check_output_dir(path: str | os.PathLike, option: str) -> Path:
    """Raise `UserError` unless `path` is (or can be created as) a writable directory; nothing is created."""
    path = Path(path).expanduser()
    found = _nearest_existing(path.absolute())
    if not found.is_dir():
        what = "is a file" if found.is_file() else "exists and is not a directory"
        where = path if found == path.absolute() else found
        raise UserError(f"{option} {path}: {where} {what}, not a directory")
    if not os.access(found, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path}: cannot write into {found} (permission denied)")
    return path


def check_output_file(path: str | os.PathLike, option: str) -> Path:
    """Raise `UserError` unless `path` can be written as a file (its folder exists; it is not a directory)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise UserError(f"{option} {path}: is a directory, not a file")
    if not path.parent.is_dir():
        raise UserError(f"{option} {path}: folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"{option} {path}: permission denied")
    return path


def check_input_file(path: str | os.PathLike, what: str) -> Path:
    """Raise `UserError` unless `path` is a readable regular file (`<path>: <what> is a directory` etc.)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise UserError(f"{path}: {what} is a directory, not a file")
    if not path.exists():
        raise UserError(f"{path}: {what} not found")
    if not path.is_file():
        raise UserError(f"{path}: {what} is not a regular file")
    if not os.access(path, os.R_OK):
        raise UserError(f"{path}: {what} is not readable (permission denied)")
    return path
