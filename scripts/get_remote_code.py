#!/usr/bin/env python3
"""Put the model families' published code in place for the conformance tests (tests/test_families_real.py).

The files (HyenaDNA, DNABERT-2, Caduceus, GENA-LM modeling/tokenizer code) are third-party code and are
not committed; `tests/fixtures/remote_code/sources.json` pins each one: repository, commit, path,
licence and sha256. This script copies each into `tests/fixtures/remote_code/<family>/<file>`,
taking it from a local clone (`--git owner/name=DIR`, read with `git show COMMIT:PATH`) or, failing
that, downloading it from GitHub at the pinned commit. Every file is checked against its sha256 and
written atomically; a mismatch is a one-line error and leaves nothing behind.

    python scripts/get_remote_code.py                       # download (needs network)
    python scripts/get_remote_code.py --git HazyResearch/hyena-dna=~/src/hyena-dna ...
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "remote_code"
RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


def _from_git(git_dir: str, commit: str, path: str) -> bytes:
    return subprocess.run(["git", "-C", git_dir, "show", f"{commit}:{path}"], capture_output=True, check=True).stdout


def _download(repo: str, commit: str, path: str) -> bytes:
    with urllib.request.urlopen(RAW.format(repo=repo, commit=commit, path=path), timeout=60) as r:  # noqa: S310
        return r.read()


def _write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, dest)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git", action="append", default=[], metavar="OWNER/NAME=DIR", help="a local clone of a source repository")
    ap.add_argument("--family", action="append", help="only these families")
    args = ap.parse_args(argv)
    clones = dict(item.split("=", 1) for item in args.git)
    files = json.loads((ROOT / "sources.json").read_text())["files"]
    for f in files:
        if args.family and f["family"] not in args.family:
            continue
        dest = ROOT / f["family"] / f["file"]
        if dest.is_file() and hashlib.sha256(dest.read_bytes()).hexdigest() == f["sha256"]:
            continue
        try:
            clone = clones.get(f["repo"])
            data = (_from_git(os.path.expanduser(clone), f["commit"], f["path"]) if clone
                    else _download(f["repo"], f["commit"], f["path"]))
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"error: cannot get {f['repo']}@{f['commit'][:10]}:{f['path']}: {exc}", file=sys.stderr)
            return 2
        digest = hashlib.sha256(data).hexdigest()
        if digest != f["sha256"]:
            print(f"error: {f['repo']}@{f['commit'][:10]}:{f['path']} has sha256 {digest}, expected {f['sha256']}", file=sys.stderr)
            return 2
        _write(dest, data)
        print(f"{f['family']}/{f['file']}  <- {f['repo']}@{f['commit'][:10]}:{f['path']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
