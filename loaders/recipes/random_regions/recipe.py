"""`random_regions`: the study's negative control — random N-free windows with arbitrary labels.

Base classes 0..3 carry no biology: a model that beats chance here is leaking or memorising.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.build import ranges as iv
from loaders.build.regions import n_free
from loaders.core.recipe import BuildContext, ConfigSpec, Recipe
from loaders.sources import STUDY_BIBTEX

from .sources import DEMO_SOURCES, GRCH38_SOURCES

CLASSES = ("label_0", "label_1", "label_2", "label_3")


def n_free_mask(ctx: BuildContext) -> pd.DataFrame:
    """Primary chromosomes minus every run of N (read from the genome itself)."""
    return n_free(iv.complement(iv._empty(), ctx.chrom_sizes), ctx)


def make_intervals(ctx: BuildContext) -> pd.DataFrame:
    """`n_windows` seeded, non-overlapping, N-free windows; labels a seeded permutation of 0,1,2,3,0,1,…"""
    p = ctx.params
    n, width = int(p["n_windows"]), int(p["window"])
    placed = iv.sample_length_matched(np.full(n, width), n_free_mask(ctx), ctx.rng)
    ctx.stats["windows_unplaced"] = int(n - len(placed))
    labels = ctx.rng.permutation(np.arange(len(placed)) % len(CLASSES))
    out = placed[iv.BED3].copy()
    out["strand"] = "+"
    out["label"] = labels.astype(int)
    out["source"] = "random_window"
    return out.reset_index(drop=True)


CARD = """
**Windows**: `n_windows` intervals of `window` bp (10 kb on GRCh38; 20,000 windows = 200 Mb as in the study),
placed uniformly at random (seeded, non-overlapping) on the primary chromosomes minus every run of N, so
every window is N-free.

**Classes**: `label_0` … `label_3` are a seeded random permutation of equal shares — arbitrary labels with no
relation to the sequence. **binary**: {0, 1} → `labels_0_1`, {2, 3} → `labels_2_3`.

**Use**: the study's negative control. Any model should score at chance (accuracy ~0.25 multiclass, ~0.5
binary; AUROC ~0.5); a model that beats chance is leaking (split) or memorising. The same check on any task:
`benchmark.controls.shuffle_train_labels` (a seeded permutation of the train labels).
"""

RECIPE = Recipe(
    name="random_regions",
    title="Random regions negative control (PhenoSeq Bench)",
    description="Random N-free genome windows with arbitrary labels: the study's negative control (chance-level "
                "by construction).",
    classes=CLASSES,
    configs=(
        ConfigSpec("binary", ("labels_0_1", "labels_2_3"), (0, 0, 1, 1), "arbitrary labels {0,1} vs {2,3}"),
        ConfigSpec("multiclass", CLASSES, (0, 1, 2, 3), "four arbitrary labels"),
    ),
    sources={"grch38": GRCH38_SOURCES, "demo": DEMO_SOURCES},
    make_intervals=make_intervals,
    card=CARD,
    citation=STUDY_BIBTEX,
    license="other",
    default_params={"n_windows": 20_000, "window": 10_000},
    source_params={"demo": {"n_windows": 1_600, "window": 1_000}},
)
