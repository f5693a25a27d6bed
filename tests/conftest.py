"""Shared fixtures. Everything offline; no file outside the repo is read."""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import pytest
from datasets import Dataset, DatasetDict

from benchmark.task import Task
from loaders.core.fingerprint import fingerprint_split
from loaders.core.schema import features

MOTIF = "TATAAAAGGGGCGGGG"


def make_tiny_task(n_per_class: int = 60, length: int = 200, seed: int = 0) -> Task:
    """A learnable binary task in the dataset row schema: positives carry MOTIF."""
    rng = np.random.default_rng(seed)
    rows = []
    for label in (0, 1):
        for i in range(n_per_class):
            seq = "".join(rng.choice(list("ACGT"), size=length))
            if label:
                pos = int(rng.integers(0, length - len(MOTIF)))
                seq = seq[:pos] + MOTIF + seq[pos + len(MOTIF):]
            gc = (seq.count("G") + seq.count("C")) / length
            rows.append({"id": f"tiny:chr1:{label}:{i:04d}", "sequence": seq, "label": label, "chrom": "chr1",
                         "start": i * length, "end": (i + 1) * length, "strand": "+", "length": length,
                         "gc": gc, "source": "tiny", "cluster": f"c{label}_{i}"})
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    n = len(rows)
    cut1, cut2 = int(0.7 * n), int(0.8 * n)
    feats = features(["negative", "positive"])
    parts = {"train": rows[:cut1], "validation": rows[cut1:cut2], "test": rows[cut2:]}
    data = DatasetDict({k: Dataset.from_list(v, features=feats) for k, v in parts.items()})
    return Task(id="tiny/binary", dataset_name="tiny", config="binary", data=data,
                label_names=["negative", "positive"], fingerprint=fingerprint_split(data["test"]),
                source="synthetic-fixture", synthetic=True)


@pytest.fixture(scope="session")
def tiny_task() -> Task:
    """Tiny in-memory binary task (120 rows of 200 bp), positives carry a TATA+GC-box motif."""
    return make_tiny_task()


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory, request) -> "Path":
    """A cache holding the demo world and the herv_classification demo build (built once per session).

    Also points PHENOSEQ_CACHE at it for the session, so `load_task(..., source="demo")` reuses it.
    """
    import loaders

    cache = tmp_path_factory.mktemp("phenoseq_cache")
    loaders.build_dataset("herv_classification", source="demo", cache_dir=cache)
    mp = pytest.MonkeyPatch()
    mp.setenv("PHENOSEQ_CACHE", str(cache))
    request.addfinalizer(mp.undo)
    return cache


@pytest.fixture(scope="module")
def torch_one_thread():
    """Tiny models train much faster on one intra-op thread on a small shared CPU box (restored after the module)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
