"""The `grch38` code path end to end, on loopback-served copies of the demo files.

Downloads go through loaders.build.fetch (progress off, lock file for unpinned files), the genome is
decompressed into the cache as hg38.fa.gz would be, and the build must equal the demo build of the
same files byte for byte. A changed upstream file is then reported as drift.
"""
from __future__ import annotations

import dataclasses
import functools
import gzip
import json
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

import loaders
from loaders.build import pipeline
from loaders.build.fetch import FetchError, read_lock
from loaders.recipes.herv_classification.recipe import RECIPE
from loaders.core.recipe import SourceFile


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(demo_cache, tmp_path):
    """The demo world's HERV inputs under their real file names, served on 127.0.0.1."""
    from loaders.demo.world import ensure_demo_world

    world = ensure_demo_world(demo_cache, "herv_classification")
    root = tmp_path / "www"
    root.mkdir()
    names = {"genome": "hg38.fa.gz", "rmsk": "rmsk.txt.gz", "gencode": "gencode.v43.annotation.gtf.gz"}
    for key, path in world.items():
        if key in names or key.startswith("serve:"):
            shutil.copy(path, root / names.get(key, path.name))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    files = tuple(SourceFile(key=k, url=f"{base}/{names.get(k, world[k].name)}", release="loopback copy", license="test")
                  for k in world if k in names or k.startswith("serve:"))
    yield root, dataclasses.replace(RECIPE, sources={"grch38": files, "demo": ()})
    server.shutdown()


def test_download_path_builds_the_same_dataset_and_detects_drift(served, demo_cache, tmp_path, monkeypatch):
    root, recipe = served
    monkeypatch.setattr(pipeline, "console", pipeline.Console(stderr=True, quiet=True))
    cache = tmp_path / "cache"
    out = pipeline.build(recipe, "grch38", cache=cache)
    info = json.loads((out / "build.json").read_text())
    demo = json.loads((loaders.dataset_dir("herv_classification", "demo", demo_cache) / "build.json").read_text())
    assert info["fingerprints"] == demo["fingerprints"]
    assert info["synthetic"] is False and info["source"] == "grch38"
    lock = read_lock(cache)
    assert {v["sha256"] for v in lock.values()} >= {info["inputs"]["genome"]["sha256"], info["inputs"]["rmsk"]["sha256"]}
    assert info["inputs"]["genome"]["url"].endswith("/hg38.fa.gz")
    # the demo genome is BGZF: read in place, its index (never beside the download) in the cache
    assert list((cache / "genomes").glob("*hg38.fa-*/genome.gzi")), "downloaded genome indexed in the cache"
    assert not list((cache / "downloads").glob("*.fai")) and not list((cache / "downloads").glob("*.gzi"))

    # upstream changes rmsk: the next download is refused as drift, and the old build stays intact
    rmsk = gzip.decompress((root / "rmsk.txt.gz").read_bytes())
    extra = b"585\t1000\t100\t5\t3\tchr1\t10\t400\t-99\t+\tLTR7\tLTR\tERV1\t1\t390\t0\t999999\n"
    (root / "rmsk.txt.gz").write_bytes(gzip.compress(rmsk + extra, mtime=0))
    for cached in (cache / "downloads").glob("rmsk*"):
        cached.unlink()
    with pytest.raises(FetchError, match=r"rmsk\.txt\.gz.*(drift|changed|lock)") as err:
        pipeline.build(recipe, "grch38", cache=cache, rebuild=True)
    assert "\n" not in str(err.value)
    assert json.loads((out / "build.json").read_text())["fingerprints"] == info["fingerprints"]
