"""Downloader tests against a loopback HTTP server (127.0.0.1, started here), plus manifest sanity."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from loaders.build.fetch import FetchError, check_gzip, fetch, lock_path, read_lock, target_path
from loaders.core.errors import DatasetError
from loaders.core.recipe import SourceFile

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def payload(n: int, seed: int = 0) -> bytes:
    """Deterministic, poorly compressible bytes."""
    out, block = bytearray(), hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])


@dataclass
class Server:
    """What the loopback server serves and how it misbehaves; records the requests it saw."""

    files: dict[str, bytes] = field(default_factory=dict)
    honour_range: bool = True
    cut_after: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, str | None, int]] = field(default_factory=list)
    base: str = ""

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"


def _handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            name = self.path.lstrip("/")
            rng = self.headers.get("Range")
            data = state.files.get(name)
            if data is None:
                state.requests.append((name, rng, 404))
                self.send_error(404, "Not Found")
                return
            start, status = 0, 200
            if rng and state.honour_range:
                m = re.fullmatch(r"bytes=(\d+)-", rng)
                start = int(m.group(1)) if m else 0
                if start >= len(data):
                    state.requests.append((name, rng, 416))
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 206
            body = data[start:]
            state.requests.append((name, rng, status))
            self.send_response(status)
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            cut = state.cut_after.pop(name, None)
            self.wfile.write(body if cut is None else body[:cut])
            self.wfile.flush()
            if cut is not None:
                self.close_connection = True

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def downloads(cache: Path) -> list[str]:
    """Files in the downloads dir, ignoring lock-file machinery."""
    d = cache / "downloads"
    if not d.exists():
        return []
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".") and p.name != "sources.lock.json")


def src(server: Server, name: str, data: bytes, **kw: object) -> SourceFile:
    server.files[name] = data
    base = dict(key=name.split(".")[0], url=server.url(name), release="test", license="CC0")
    base.update(kw)
    return SourceFile(**base)  # type: ignore[arg-type]


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text
    return text


# ---------------------------------------------------------------- plain download

def test_fetch_verifies_and_caches(server: Server, tmp_path: Path) -> None:
    data = payload(300_000)
    f = src(server, "a.txt", data, sha256=sha(data), size=len(data))
    path = fetch(f, tmp_path, progress=False)
    assert path == target_path(f, tmp_path) and path.read_bytes() == data
    assert path.parent == tmp_path / "downloads"
    assert downloads(tmp_path) == [path.name]
    n = len(server.requests)
    assert fetch(f, tmp_path, progress=False) == path
    assert len(server.requests) == n  # verified cache hit: no network


def test_cache_dir_from_env(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHENOSEQ_CACHE", str(tmp_path / "envcache"))
    data = b"hello\n"
    path = fetch(src(server, "h.txt", data, sha256=sha(data)), progress=False)
    assert path.parent == tmp_path / "envcache" / "downloads"


def test_progress_bar_enabled_works(server: Server, tmp_path: Path) -> None:
    data = payload(50_000)
    assert fetch(src(server, "p.bin", data, sha256=sha(data)), tmp_path, progress=True).read_bytes() == data


# ---------------------------------------------------------------- resume

def test_resume_from_part_uses_range(server: Server, tmp_path: Path) -> None:
    data = payload(400_000, seed=1)
    f = src(server, "r.bin", data, sha256=sha(data), size=len(data))
    part = target_path(f, tmp_path).with_name(target_path(f, tmp_path).name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:123_456])
    path = fetch(f, tmp_path, progress=False)
    assert path.read_bytes() == data and not part.exists()
    assert server.requests == [("r.bin", "bytes=123456-", 206)]


def test_resume_when_server_ignores_range(server: Server, tmp_path: Path) -> None:
    server.honour_range = False
    data = payload(100_000, seed=2)
    f = src(server, "r2.bin", data, sha256=sha(data))
    part = target_path(f, tmp_path).with_name(target_path(f, tmp_path).name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:5000])
    assert fetch(f, tmp_path, progress=False).read_bytes() == data
    assert server.requests[-1][2] == 200


def test_complete_part_gets_416_and_verifies(server: Server, tmp_path: Path) -> None:
    data = payload(10_000, seed=3)
    f = src(server, "c.bin", data, sha256=sha(data))  # no size pinned: must ask the server
    part = target_path(f, tmp_path).with_name(target_path(f, tmp_path).name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(data)
    assert fetch(f, tmp_path, progress=False).read_bytes() == data
    assert server.requests[-1][2] == 416


def test_interrupted_download_keeps_only_part_then_resumes(server: Server, tmp_path: Path) -> None:
    data = payload(200_000, seed=4)
    f = src(server, "i.bin", data, sha256=sha(data), size=len(data))
    server.cut_after["i.bin"] = 70_000
    with pytest.raises(FetchError) as err:
        fetch(f, tmp_path, progress=False)
    assert one_line(err.value).startswith(f.url + ": download")
    assert downloads(tmp_path) == [target_path(f, tmp_path).name + ".part"]
    assert fetch(f, tmp_path, progress=False).read_bytes() == data
    assert server.requests[-1][1] is not None and server.requests[-1][2] == 206
    assert downloads(tmp_path) == [target_path(f, tmp_path).name]


# ---------------------------------------------------------------- checksum failures

def test_sha256_mismatch_is_one_line_and_leaves_nothing(server: Server, tmp_path: Path) -> None:
    data = payload(20_000, seed=5)
    wrong = sha(b"something else")
    f = src(server, "m.bin", data, sha256=wrong)
    with pytest.raises(FetchError) as err:
        fetch(f, tmp_path, progress=False)
    assert one_line(err.value) == f"{f.url}: sha256 mismatch (expected {wrong}, got {sha(data)})"
    assert f"FetchError: {err.value}".startswith("FetchError: http://127.0.0.1:")
    assert isinstance(err.value, DatasetError)
    assert downloads(tmp_path) == []


def test_size_mismatch(server: Server, tmp_path: Path) -> None:
    data = payload(1000)
    f = src(server, "s.bin", data, sha256=sha(data), size=999)
    with pytest.raises(FetchError, match=r"size mismatch \(expected 999 bytes, got 1000\)"):
        fetch(f, tmp_path, progress=False)
    assert downloads(tmp_path) == []


def test_corrupted_cache_file_is_refetched(server: Server, tmp_path: Path) -> None:
    data = payload(5000, seed=6)
    f = src(server, "k.bin", data, sha256=sha(data))
    path = fetch(f, tmp_path, progress=False)
    path.write_bytes(b"tampered")
    with pytest.warns(UserWarning, match="failed verification"):
        assert fetch(f, tmp_path, progress=False).read_bytes() == data


# ---------------------------------------------------------------- gzip integrity

def test_truncated_gzip_is_one_line_error_naming_file(server: Server, tmp_path: Path) -> None:
    gz = gzip.compress(payload(200_000, seed=7), mtime=0)
    f = src(server, "t.txt.gz", gz[: len(gz) // 2])  # no checksum published: only gzip check can tell
    with pytest.raises(FetchError) as err:
        fetch(f, tmp_path, progress=False)
    msg = one_line(err.value)
    assert msg.startswith(f.url + ": ") and "t.txt.gz" in msg and "truncated gzip" in msg
    assert downloads(tmp_path) == []
    assert f.url not in read_lock(tmp_path)  # a bad file's hash is never locked


def test_corrupt_gzip_is_one_line_error(server: Server, tmp_path: Path) -> None:
    gz = bytearray(gzip.compress(b"ACGT" * 50_000, mtime=0))
    gz[len(gz) // 2] ^= 0xFF
    gz[len(gz) // 2 + 1] ^= 0xFF
    f = src(server, "c.bed.gz", bytes(gz))
    with pytest.raises(FetchError, match=r"c\.bed\.gz: corrupt gzip") as err:
        fetch(f, tmp_path, progress=False)
    one_line(err.value)
    assert downloads(tmp_path) == []


def test_not_gzip_at_all(server: Server, tmp_path: Path) -> None:
    f = src(server, "n.gtf.gz", b"chr1\tplain text\n")
    with pytest.raises(FetchError, match="not a gzip file"):
        fetch(f, tmp_path, progress=False)


def test_multimember_gzip_ok_and_bgzf_eof_required(tmp_path: Path) -> None:
    good = tmp_path / "mm.gz"
    good.write_bytes(gzip.compress(b"a" * 1000, mtime=0) + gzip.compress(b"b" * 1000, mtime=0))
    check_gzip(good)
    # A BGZF-style member (FEXTRA with a BC subfield) without the EOF block = truncated bgzip.
    raw = gzip.compress(b"x" * 100, mtime=0)
    deflate = raw[10:-8]
    size = 10 + 2 + 6 + len(deflate) + 8
    member = (b"\x1f\x8b\x08\x04" + b"\0" * 4 + b"\0\xff" + b"\x06\0" + b"BC\x02\0" + (size - 1).to_bytes(2, "little")
              + deflate + raw[-8:])
    bgz = tmp_path / "x.vcf.gz"
    bgz.write_bytes(member)
    with pytest.raises(FetchError, match="missing BGZF end-of-file block"):
        check_gzip(bgz)
    bgz.write_bytes(member + bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000"))
    check_gzip(bgz)


# ---------------------------------------------------------------- lock file and drift

def test_lock_records_then_detects_drift(server: Server, tmp_path: Path) -> None:
    v1 = gzip.compress(b"chr1\t0\t100\n" * 1000, mtime=0)
    f = src(server, "rmsk.txt.gz", v1)  # like UCSC: no published checksum
    path = fetch(f, tmp_path, progress=False)
    lock = json.loads(lock_path(tmp_path).read_text())
    assert lock["files"][f.url]["sha256"] == sha(v1) and lock["files"][f.url]["key"] == f.key
    assert fetch(f, tmp_path, progress=False) == path  # later fetch verifies against the lock

    server.files["rmsk.txt.gz"] = v2 = gzip.compress(b"chr2\t5\t200\n" * 1000, mtime=0)
    path.unlink()  # e.g. a fresh machine sharing the lock file
    with pytest.raises(FetchError) as err:
        fetch(f, tmp_path, progress=False)
    msg = one_line(err.value)
    assert msg.startswith(f.url + ": ") and "drift" in msg and sha(v1) in msg and sha(v2) in msg
    assert downloads(tmp_path) == []
    assert read_lock(tmp_path)[f.url]["sha256"] == sha(v1)

    with pytest.warns(UserWarning, match="drift accepted"):
        assert fetch(f, tmp_path, progress=False, allow_drift=True).read_bytes() == v2
    assert read_lock(tmp_path)[f.url]["sha256"] == sha(v2)
    assert not list((tmp_path / "downloads").glob(".sources.lock.json.*.tmp"))


def test_locally_modified_unpinned_file_is_refetched(server: Server, tmp_path: Path) -> None:
    data = b"chr1\t248956422\n"
    f = src(server, "sizes.txt", data)
    path = fetch(f, tmp_path, progress=False)
    path.write_bytes(b"chr1\t1\n")
    with pytest.warns(UserWarning):
        assert fetch(f, tmp_path, progress=False).read_bytes() == data


# ---------------------------------------------------------------- git blob ids

def git_blob(data: bytes, tmp_path: Path) -> str:
    """Blob id as git itself computes it (falls back to the documented formula without git)."""
    p = tmp_path / "blob.tmp"
    p.write_bytes(data)
    try:
        return subprocess.run(["git", "hash-object", str(p)], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324


def test_git_blob_verification(server: Server, tmp_path: Path) -> None:
    data = gzip.compress(b"chr1\t10\t500\tHERVK\t0\t+\n" * 500, mtime=0)
    blob = git_blob(data, tmp_path)
    f = src(server, "noncoding.bed.gz", data, git_blob=blob)
    cache = tmp_path / "cache"
    assert fetch(f, cache, progress=False).read_bytes() == data
    assert read_lock(cache)[f.url]["sha256"] == sha(data)  # sha256 recorded for the build manifest

    bad = replace(f, key="other", git_blob="0" * 40)
    with pytest.raises(FetchError, match=r"git blob id mismatch \(expected 0{40}, got " + blob + r"\)"):
        fetch(bad, cache, progress=False)
    assert not target_path(bad, cache).exists()


# ---------------------------------------------------------------- HTTP errors and local files

def test_404_is_one_line_error_naming_url(server: Server, tmp_path: Path) -> None:
    f = SourceFile(key="missing", url=server.url("nope.gtf"), release="t", license="t")
    with pytest.raises(FetchError) as err:
        fetch(f, tmp_path, progress=False)
    assert one_line(err.value) == f"{f.url}: HTTP 404 Not Found"
    assert downloads(tmp_path) == []


def test_connection_refused_names_url(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    f = SourceFile(key="down", url=f"http://127.0.0.1:{port}/x.gtf", release="t", license="t")
    with pytest.raises(FetchError) as err:
        fetch(f, tmp_path, progress=False)
    assert one_line(err.value) == f"{f.url}: connection refused"
    assert downloads(tmp_path) == []


def test_local_file_url_and_plain_path(tmp_path: Path) -> None:
    data = gzip.compress(b">chr1\nACGT\n", mtime=0)
    local = tmp_path / "pre downloaded" / "hg38.fa.gz"
    local.parent.mkdir()
    local.write_bytes(data)
    cache = tmp_path / "cache"
    by_url = SourceFile(key="genome", url=local.as_uri(), release="t", license="t", sha256=sha(data))
    by_path = replace(by_url, key="genome2", url=str(local))
    assert fetch(by_url, cache, progress=False).read_bytes() == data
    assert fetch(by_path, cache, progress=False).read_bytes() == data
    assert local.exists()  # copied, not moved
    with pytest.raises(FetchError, match="sha256 mismatch"):
        fetch(replace(by_url, key="g3", sha256="0" * 64), cache, progress=False)
    with pytest.raises(FetchError, match=r"missing\.fa\.gz: no such file"):
        fetch(replace(by_url, key="g4", url=str(tmp_path / "missing.fa.gz")), cache, progress=False)
    assert sorted(downloads(cache)) == sorted([target_path(by_url, cache).name, target_path(by_path, cache).name])


# ---------------------------------------------------------------- manifest sanity

def test_grch38_manifest_sanity() -> None:
    from loaders.recipes.herv_classification.sources import GRCH38_SOURCES

    keys = [f.key for f in GRCH38_SOURCES]
    assert len(keys) == len(set(keys))
    for f in GRCH38_SOURCES:
        assert f.url.startswith("https://") and f.license and f.release and f.description, f.key
        assert f.sha256 is None or HEX64.match(f.sha256), f.key
        assert f.git_blob is None or re.fullmatch(r"[0-9a-f]{40}", f.git_blob), f.key
    serve = [f for f in GRCH38_SOURCES if f.key.startswith("serve:")]
    assert len(serve) == 42
    for f in serve:
        assert HEX64.match(f.sha256 or "") and f.size and f.size > 100_000 and not f.optional
        assert "54316b3406445412a86908c516882610136c776a" in f.url and f.url.endswith("_HERV.gtf")
        assert "GPL-3.0" in f.license
    assert {"genome", "rmsk", "gencode", "chrom_sizes", "serve_noncoding"} <= set(keys)
    by_key = {f.key: f for f in GRCH38_SOURCES}
    assert by_key["serve_noncoding"].git_blob == "dc081a9da7c61481d93be700a5d8a40765316f3f"
    assert "release_43/gencode.v43.annotation.gtf.gz" in by_key["gencode"].url
    assert all(by_key[k].optional for k in ("telescope_genes", "hprc_vcf", "kgp_sv_vcf"))
    assert not any(by_key[k].optional for k in ("genome", "rmsk", "gencode", "chrom_sizes", "serve_noncoding"))
    names = [target_path(f, "/c").name for f in GRCH38_SOURCES]
    assert len(set(names)) == len(names) and all("/" not in n and ":" not in n for n in names)
    assert target_path(by_key["genome"], "/c").name.endswith(".fa.gz")


def test_mirror_folder_is_used_instead_of_network(server: Server, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data = gzip.compress(b"chr1\t100\n", mtime=0)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "hg38.chrom.sizes.gz").write_bytes(data)
    f = SourceFile(key="chrom_sizes", url=server.url("hg38.chrom.sizes.gz"), release="t", license="t")
    monkeypatch.setenv("PHENOSEQ_MIRROR", str(mirror))
    assert fetch(f, tmp_path / "cache", progress=False).read_bytes() == data
    assert server.requests == []
    assert read_lock(tmp_path / "cache")[f.url]["sha256"] == sha(data)  # locked under the real URL
