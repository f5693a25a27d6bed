"""Download pinned source files into the cache, verified, resumable and atomic.

`fetch(file)` puts one `SourceFile` at `<cache>/downloads/<name>`:

* streams to `<name>.part` with a progress bar; a `.part` left by an interrupted run is
  resumed with an HTTP `Range` request (a server that ignores it restarts the file);
* checks the pinned size and sha256 (or, when only a git blob id is pinned, the blob id
  `sha1(b"blob <len>\\0" + bytes)`); upstream files without a published checksum get their
  sha256 recorded on first download in `<cache>/downloads/sources.lock.json` and checked on
  every later fetch (a change is an error unless `allow_drift=True`);
* fully decompresses `.gz` files once to catch truncation or corruption;
* renames `.part` to the final name only after every check passed; a file that fails a
  check is deleted, so nothing half-written ever sits outside a `.part`.

`file://` URLs and plain paths, and files found in a mirror folder (`mirror=` or
`$PHENOSEQ_MIRROR`, matched by URL basename), are copied and verified the same way.
Every failure is a `FetchError` whose message is one line naming the URL or path.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import re
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from loaders.core.errors import DatasetError
from loaders.core.paths import cache_dir
from loaders.core.files import atomic_write_text, sha256_file
from loaders.core.leftovers import sweep
from loaders.core.recipe import SourceFile

CHUNK = 1 << 20
NET_CHUNK = 1 << 16
"""Network read size: an interrupted transfer loses at most this much of what it received."""
LOCK_NAME = "sources.lock.json"
LOCK_VERSION = 1
TIMEOUT = (30, 120)
"""(connect, read) timeouts in seconds for HTTP requests."""


class FetchError(DatasetError):
    """A download or verification failure; the message is one line naming the URL or file."""

    def __init__(self, where: str | os.PathLike, problem: str) -> None:
        self.where = str(where)
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.where}: {self.problem}")


# ---------------------------------------------------------------- names and paths

def downloads_dir(cache: str | os.PathLike | None = None) -> Path:
    """`<cache>/downloads`."""
    return cache_dir(cache) / "downloads"


def _basename(url: str) -> str:
    parsed = urlparse(url)
    path = parsed.path if parsed.scheme in ("http", "https", "ftp", "file") else url
    return unquote(path.rstrip("/").rsplit("/", 1)[-1])


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "file"


def local_name(file: SourceFile) -> str:
    """File name in the downloads dir: `<key>--<url basename>` made filesystem-safe.

    The URL's basename is kept so suffixes like `.gtf.gz` still tell readers the format.
    """
    base = _safe(_basename(file.url)) or "download"
    return f"{_safe(file.key)}--{base}" if file.key else base


def target_path(file: SourceFile, cache: str | os.PathLike | None = None) -> Path:
    """Where `fetch` puts `file`."""
    return downloads_dir(cache) / local_name(file)


def _local_source(url: str) -> Path | None:
    """The local path a `file://` URL or plain path points at, else None (remote)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(url2pathname(unquote(parsed.path)))
    if parsed.scheme in ("http", "https", "ftp"):
        return None
    if parsed.scheme and len(parsed.scheme) > 1:
        raise FetchError(url, f"unsupported URL scheme '{parsed.scheme}' (use http(s), file:// or a path)")
    return Path(url).expanduser()


# ---------------------------------------------------------------- hashing and checks

def file_digests(path: Path, git_blob: bool = True) -> tuple[str, str | None]:
    """(sha256, git blob id or None when not asked for) of a file, in one pass."""
    if not git_blob:
        return sha256_file(path), None  # remembered per file identity: the genome index key reuses it
    sha = hashlib.sha256()
    blob = hashlib.sha1(b"blob %d\0" % path.stat().st_size) if git_blob else None  # noqa: S324 - git object id
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            if blob is not None:
                blob.update(chunk)
    return sha.hexdigest(), blob.hexdigest() if blob is not None else None


GZIP_MAGIC = b"\x1f\x8b"
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
"""The empty block every complete BGZF (bgzip) file ends with."""


def _is_bgzf(head: bytes) -> bool:
    return len(head) >= 18 and head[:4] == b"\x1f\x8b\x08\x04" and head[12:14] == b"BC"


def check_gzip(path: Path, where: str | None = None) -> None:
    """Decompress `path` fully (every member); raise FetchError if truncated or corrupt.

    BGZF files must also end with the BGZF end-of-file block, which catches truncation
    exactly at a block boundary.
    """
    where = where or str(path)
    with path.open("rb") as fh:
        buf = fh.read(CHUNK)
        if not buf:
            raise FetchError(where, "corrupt gzip (empty file)")
        if buf[:2] != GZIP_MAGIC:
            raise FetchError(where, "corrupt gzip (not a gzip file: bad magic bytes)")
        bgzf = _is_bgzf(buf)
        dec = zlib.decompressobj(wbits=31)
        while True:
            if not buf:
                buf = fh.read(CHUNK)
                if not buf:
                    break
            try:
                dec.decompress(buf, 4 * CHUNK)
            except zlib.error as exc:
                raise FetchError(where, f"corrupt gzip ({exc})") from None
            if not dec.eof:
                buf = dec.unconsumed_tail
                continue
            buf = dec.unused_data  # end of one member: more members, zero padding or the end
            while len(buf) < 2:
                more = fh.read(CHUNK)
                if not more:
                    break
                buf += more
            if not buf:
                break
            if not buf.strip(b"\0"):
                while more := fh.read(CHUNK):
                    if more.strip(b"\0"):
                        raise FetchError(where, "corrupt gzip (trailing garbage after the last member)")
                break
            if buf[:2] != GZIP_MAGIC:
                raise FetchError(where, "corrupt gzip (trailing garbage after a gzip member)")
            dec = zlib.decompressobj(wbits=31)
    if not dec.eof:
        raise FetchError(where, "truncated gzip (compressed stream ends before its end marker)")
    if bgzf:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - len(BGZF_EOF)))
            if fh.read() != BGZF_EOF:
                raise FetchError(where, "truncated bgzip file (missing BGZF end-of-file block)")


# ---------------------------------------------------------------- lock file

def lock_path(cache: str | os.PathLike | None = None) -> Path:
    """`<cache>/downloads/sources.lock.json`."""
    return downloads_dir(cache) / LOCK_NAME


def read_lock(cache: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """Lock entries keyed by URL: `{url: {key, sha256, size, recorded}}` ({} if none yet)."""
    path = lock_path(cache)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FetchError(path, f"unreadable lock file ({exc}); fix or delete it to re-record checksums") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise FetchError(path, "malformed lock file (no 'files' object); fix or delete it to re-record checksums")
    return files


@contextlib.contextmanager
def _locked(directory: Path, name: str = LOCK_NAME) -> Iterator[None]:
    """Hold an exclusive inter-process lock on `name` in `directory` (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX
        yield
        return
    with open(directory / f".{name}.flock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _record_lock(cache: str | os.PathLike | None, file: SourceFile, sha256: str, size: int) -> None:
    directory = downloads_dir(cache)
    with _locked(directory):
        files = read_lock(cache)
        files[file.url] = {"key": file.key, "sha256": sha256, "size": size,
                           "recorded": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        doc = {"version": LOCK_VERSION,
               "comment": "sha256 of upstream files that publish no checksum, recorded on first download",
               "files": dict(sorted(files.items()))}
        atomic_write_text(lock_path(cache), json.dumps(doc, indent=2) + "\n")


def expected_sha256(file: SourceFile, cache: str | os.PathLike | None = None) -> str | None:
    """The pinned sha256, else the one recorded in the lock file, else None."""
    if file.sha256:
        return file.sha256.lower()
    entry = read_lock(cache).get(file.url)
    return entry.get("sha256") if entry else None


# ---------------------------------------------------------------- transfer

def _progress_bar(total: int | None, initial: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                disable=not enabled, leave=False, dynamic_ncols=True)


def _copy_with_progress(src: IO[bytes], dst: IO[bytes], bar: Any) -> int:
    n = 0
    while chunk := src.read(CHUNK):
        dst.write(chunk)
        n += len(chunk)
        bar.update(len(chunk))
    return n


def _copy_local(src: Path, part: Path, where: str, progress: bool) -> None:
    if not src.is_file():
        raise FetchError(where, "no such file" if not src.exists() else "not a regular file")
    with src.open("rb") as fin, part.open("wb") as fout, \
            _progress_bar(src.stat().st_size, 0, part.name[:-5], progress) as bar:
        _copy_with_progress(fin, fout, bar)
        fout.flush()
        os.fsync(fout.fileno())


def _http_problem(exc: Exception) -> str:
    import requests

    text = str(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "refused" in text.lower():
            return "connection refused"
        if "name or service not known" in text.lower() or "nodename nor servname" in text.lower() \
                or "getaddrinfo" in text.lower() or "resolve" in text.lower():
            return "host not found (offline?)"
        return "connection failed (offline?)"
    return f"{type(exc).__name__}"


def _download(url: str, part: Path, expected_size: int | None, progress: bool) -> None:
    """Stream `url` into `part`, resuming from its current length with a Range request."""
    import requests

    have = part.stat().st_size if part.exists() else 0
    if expected_size is not None and have > expected_size:
        part.unlink()
        have = 0
    if expected_size is not None and have == expected_size:
        return  # already complete; verification decides
    headers = {"Accept-Encoding": "identity", "User-Agent": "phenoseq-bench fetch"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        resp = requests.get(url, headers=headers, stream=True, timeout=TIMEOUT)
    except requests.exceptions.RequestException as exc:
        raise FetchError(url, _http_problem(exc)) from None
    with resp:
        if resp.status_code == 416 and have:
            # Range not satisfiable: the partial is already the whole file (or stale).
            total = _content_range_total(resp.headers.get("Content-Range", ""))
            if total is not None and total == have:
                return
            part.unlink()
            return _download(url, part, expected_size, progress)
        if resp.status_code >= 400:
            raise FetchError(url, f"HTTP {resp.status_code} {resp.reason or ''}".strip())
        if resp.status_code == 206 and have:
            mode = "ab"
            start = _content_range_start(resp.headers.get("Content-Range", ""))
            if start != have:
                part.unlink()
                resp.close()
                return _download(url, part, expected_size, progress)
        else:
            mode, have = "wb", 0  # server ignored the Range header: start over
        length = resp.headers.get("Content-Length")
        remaining = int(length) if length and length.isdigit() else None
        total = have + remaining if remaining is not None else expected_size
        got = 0
        with part.open(mode) as fh, _progress_bar(total, have, part.name[:-5], progress) as bar:
            try:
                for chunk in resp.iter_content(NET_CHUNK):
                    fh.write(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
            except requests.exceptions.RequestException as exc:
                fh.flush()
                if have + got == 0:
                    fh.close()
                    _remove(part)
                raise FetchError(url, f"download interrupted after {have + got} bytes ({_http_problem(exc)}); "
                                      f"run again to resume from {part.name}") from None
            fh.flush()
            os.fsync(fh.fileno())
        if remaining is not None and got != remaining:
            raise FetchError(url, f"download incomplete ({have + got} of {have + remaining} bytes); "
                                  f"run again to resume from {part.name}")


def _content_range_start(value: str) -> int | None:
    m = re.match(r"bytes\s+(\d+)-\d+/(\d+|\*)", value.strip())
    return int(m.group(1)) if m else None


def _content_range_total(value: str) -> int | None:
    m = re.match(r"bytes\s+(?:\*|\d+-\d+)/(\d+)", value.strip())
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------- verification

def _verify(file: SourceFile, path: Path, cache: str | os.PathLike | None, *, allow_drift: bool,
            fresh: bool) -> None:
    """Check size, pinned hashes, gzip integrity (fresh files) and the lock; raise FetchError."""
    where = file.url
    size = path.stat().st_size
    if file.size is not None and size != file.size:
        raise FetchError(where, f"size mismatch (expected {file.size} bytes, got {size})")
    sha, blob = file_digests(path, git_blob=bool(file.git_blob and not file.sha256))
    if file.sha256 and sha != file.sha256.lower():
        raise FetchError(where, f"sha256 mismatch (expected {file.sha256.lower()}, got {sha})")
    if not file.sha256 and file.git_blob and blob != file.git_blob.lower():
        raise FetchError(where, f"git blob id mismatch (expected {file.git_blob.lower()}, got {blob})")
    entry = None if file.sha256 else read_lock(cache).get(file.url)
    if (fresh or (not file.sha256 and not file.git_blob and entry is None)) \
            and _is_gzip_name(path.name.removesuffix(".part")):
        check_gzip(path, where)
    if file.sha256:
        return
    if entry is None:
        _record_lock(cache, file, sha, size)
    elif entry.get("sha256") != sha:
        if not fresh:
            raise FetchError(path, f"cached copy differs from the locked sha256 (locked {entry.get('sha256')}, "
                                   f"got {sha})")
        if not allow_drift:
            raise FetchError(where, f"upstream file changed since it was first downloaded: sha256 drift "
                                    f"(locked {entry.get('sha256')}, got {sha}); pass allow_drift=True "
                                    f"(--allow-drift) to accept and re-lock")
        warnings.warn(f"{where}: sha256 drift accepted (locked {entry.get('sha256')}, now {sha}); lock updated",
                      stacklevel=3)
        _record_lock(cache, file, sha, size)


def _is_gzip_name(name: str) -> bool:
    return name.endswith((".gz", ".bgz"))


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


# ---------------------------------------------------------------- public API

def fetch(file: SourceFile, cache: str | os.PathLike | None = None, *, progress: bool = True,
          allow_drift: bool = False, mirror: str | os.PathLike | None = None) -> Path:
    """Download (or copy) one source into `<cache>/downloads/`, verified; return its path.

    A verified file already in the cache is returned without downloading. A cached file
    that no longer verifies is deleted and fetched again. `mirror` (default
    `$PHENOSEQ_MIRROR`) is a folder of pre-downloaded files: `<mirror>/<url basename>` is
    copied instead of downloaded, and verified exactly like a download.
    """
    dest = target_path(file, cache)
    dest.parent.mkdir(parents=True, exist_ok=True)
    sweep(dest.parent)  # temps of a killed run (the resumable `.part` files are kept)
    mirror = mirror if mirror is not None else os.environ.get("PHENOSEQ_MIRROR") or None
    with _locked(dest.parent, dest.name):  # two processes never write the same .part
        return _fetch_locked(file, dest, cache, progress=progress, allow_drift=allow_drift, mirror=mirror)


def _fetch_locked(file: SourceFile, dest: Path, cache: str | os.PathLike | None, *, progress: bool,
                  allow_drift: bool, mirror: str | os.PathLike | None) -> Path:
    if dest.exists():
        try:
            _verify(file, dest, cache, allow_drift=False, fresh=False)
            return dest
        except FetchError as exc:
            warnings.warn(f"{dest}: cached copy failed verification ({exc.problem}); fetching again", stacklevel=3)
            _remove(dest)
    part = dest.with_name(dest.name + ".part")
    src = _local_source(file.url)
    if src is None and mirror:
        candidate = Path(mirror).expanduser() / _basename(file.url)
        src = candidate if candidate.is_file() else None
    if src is not None:
        _remove(part)
        try:
            _copy_local(src, part, file.url, progress)
        except OSError as exc:
            _remove(part)
            raise FetchError(file.url, f"cannot copy ({exc.strerror or exc})") from None
    else:
        _download(file.url, part, file.size, progress)
    try:
        _verify(file, part, cache, allow_drift=allow_drift, fresh=True)
    except FetchError:
        _remove(part)
        raise
    os.replace(part, dest)
    return dest


__all__ = ["FetchError", "check_gzip", "downloads_dir", "expected_sha256", "fetch", "file_digests", "local_name",
           "lock_path", "read_lock", "target_path"]
