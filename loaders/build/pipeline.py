"""The shared build: inputs → labelled intervals → sequences → clusters → splits → export.

`build(recipe, source, ...)` is the only entry; each step is a function of the previous
step's output, so the same inputs and params always give the same bytes.

A cached build is reused only when its key matches: `PIPELINE_VERSION`, the recipe's `version`,
the sha256 of the recipe folder's files (`loaders.registry.recipe_source_hash`) and the params,
plus, for the `demo` and `user` sources, the sha256 of every input file. All of it is recorded
in `build.json` (and the card), so an edited recipe never serves a stale build.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console

from loaders.build import cluster as clustering
from loaders.build import splits as splitting
from loaders.build.card import render_card
from loaders.build.export import write_built
from loaders.build.formats import is_primary, read_chrom_sizes
from loaders.build.genome import IUPAC_POLICIES, Genome
from loaders.build.sequences import extract_rows, resolve_duplicates
from loaders.core.degenerate import MIN_TEST_PER_CLASS, check_config_counts, check_min_test_per_class
from loaders.core.errors import DatasetError, FormatError
from loaders.core.files import check_input_file, check_output_dir, sha256_file
from loaders.core.leftovers import sweep_cache
from loaders.core.paths import cache_dir as default_cache
from loaders.core.paths import dataset_dir
from loaders.core.recipe import INTERVAL_COLUMNS, BuildContext, Recipe, SourceFile
from loaders.core.schema import SPLITS
from loaders.registry import recipe_source_hash

console = Console(stderr=True, quiet=not (sys.stderr.isatty() or os.environ.get("PHENOSEQ_PROGRESS") == "1"))
"""Build progress, on a terminal only (or with PHENOSEQ_PROGRESS=1): piped, a failed build prints its one error line."""

COMMON_DEFAULTS: dict[str, Any] = {
    "seed": 42,
    "min_length": 150,
    "n_run": 1,
    "split_by": "cluster",
    "fractions": [0.7, 0.1, 0.2],
    "test_chroms": None,
    "validation_chroms": None,
    "cluster_identity": 0.95,
    "cluster_coverage": 0.8,
    "max_per_class": None,
    "threads": None,
    "allow_drift": False,
    "alt_vcfs": [],
    "iupac": None,
    "min_test_per_class": MIN_TEST_PER_CLASS,
}
IUPAC_DEFAULT = {"grch38": "n"}
"""`iupac` when not given: the pinned GRCh38 (GCA_000001405.15) itself carries a few ambiguity codes
(e.g. chr3:16902883 'B'), read as N; a user's or the demo genome's codes are refused (loaders.build.genome)."""
CHROM_HOLDOUT = {"demo": (["chr4"], ["chr3"]), "grch38": (["chr8"], ["chr9"])}
NOT_IN_DIR_NAME = {"threads", "allow_drift"}
PIPELINE_VERSION = "2"
"""Bump when a change to the shared pipeline changes what a build contains; cached builds are then redone."""
SPLIT_BY = ("cluster", "chromosome", "random")
"""`split_by` values; `random` is the study's leaky per-class split, for leakage audits only."""
NAMING_PARAMS = {"name", "fasta", "bed"}
"""Params that name a bring-your-own build (directory `<cache>/datasets/<source>/<name>`), not hashed into it."""


def effective_params(recipe: Recipe, source: str, params: dict[str, Any]) -> dict[str, Any]:
    """Defaults (common, then recipe) overridden by `params`; unknown keys are an error."""
    merged = {**COMMON_DEFAULTS, **dict(recipe.default_params), **dict(recipe.source_params.get(source, {}))}
    unknown = sorted(set(params) - set(merged))
    if unknown:
        raise DatasetError(f"{recipe.name}: unknown build parameter(s) {', '.join(unknown)}")
    merged.update({k: v for k, v in params.items() if v is not None})
    merged["iupac"] = merged["iupac"] or IUPAC_DEFAULT.get(source, "error")
    if merged["iupac"] not in IUPAC_POLICIES:
        raise DatasetError(f"iupac must be one of {', '.join(IUPAC_POLICIES)}, got {merged['iupac']!r}")
    check_min_test_per_class(merged["min_test_per_class"])
    for key in ("fasta", "bed"):  # one build whatever the spelling of the path (../x.fa, dir/x.fa)
        if merged.get(key) not in (None, "", "None"):
            merged[key] = str(Path(str(merged[key])).expanduser().resolve())
    test, val = CHROM_HOLDOUT.get(source, (["chr8"], ["chr9"]))
    merged["test_chroms"] = list(merged["test_chroms"] or test)
    merged["validation_chroms"] = list(merged["validation_chroms"] or val)
    merged["fractions"] = [float(x) for x in merged["fractions"]]
    if merged["split_by"] not in SPLIT_BY:
        raise DatasetError(f"split_by must be one of {', '.join(SPLIT_BY)}, got {merged['split_by']!r}")
    return merged


def build_dir(recipe: Recipe, source: str, cache: Path | None, params: dict[str, Any]) -> Path:
    """`<cache>/datasets/<source>/<name>`, with a params hash suffix for non-default builds."""
    base = dataset_dir(params.get("name") or recipe.name, source, cache)
    defaults = effective_params(recipe, source, {})
    skip = NOT_IN_DIR_NAME | NAMING_PARAMS
    diff = {k: v for k, v in params.items() if k not in skip and defaults.get(k) != v}
    if not diff:
        return base
    tag = hashlib.sha256(json.dumps(diff, sort_keys=True).encode()).hexdigest()[:10]
    return base.with_name(f"{base.name}--{tag}")


def resolve_inputs(recipe: Recipe, source: str, cache: Path, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Local paths of every input (generating the demo world or downloading), and their provenance."""
    if source == "demo":
        from loaders.demo.world import DEMO_RELEASE, ensure_demo_world

        world: dict[str, Any] = dict(ensure_demo_world(cache, recipe))
        declared = recipe.sources.get("demo") or ()
        # a recipe may declare which demo-world files it reads (url `demo:<world key>`); none = all of them
        missing = [f.url for f in declared if f.url.removeprefix("demo:") not in world]
        if missing:
            raise DatasetError(f"{recipe.name}: its demo world has no {', '.join(missing)} (world files: "
                               f"{', '.join(world)}); plant it in the recipe's demo.py")
        paths: dict[str, Any] = {f.key: world[f.url.removeprefix("demo:")] for f in declared} if declared else world
        meta = {k: {"file": Path(p).name, "sha256": sha256_file(p), "release": DEMO_RELEASE,
                    "license": "CC0-1.0 (generated)"} for k, p in paths.items()}
        return paths, meta
    if source == "user":
        paths, meta = {}, {}
        for f in recipe.sources[source]:
            raw = f.url.format(**params)
            if raw in ("", "None"):
                raise DatasetError(f"{recipe.name}: missing input '{f.key}' (pass --{f.url.strip('{}').replace('_', '-')} PATH)")
            p = Path(raw).expanduser().resolve()
            check_input_file(p, f"{f.key} file")
            paths[f.key] = p
            meta[f.key] = {"path": str(p), "sha256": sha256_file(p), "release": f.release, "license": f.license}
        return paths, meta
    return LazyInputs(recipe.sources[source], cache, allow_drift=bool(params.get("allow_drift"))).prefetch()


class LazyInputs(Mapping):
    """Input map of a downloaded source: required files are fetched up front, optional ones
    (Telescope loci, pangenome VCFs) only when a recipe or a param asks for them.

    `meta` holds the provenance (url, sha256, release, license) of every file fetched.
    """

    def __init__(self, files: tuple[SourceFile, ...], cache: Path, allow_drift: bool = False):
        self.files = {f.key: f for f in files}
        self.cache = cache
        self.allow_drift = allow_drift
        self.paths: dict[str, Path] = {}
        self.meta: dict[str, Any] = {}

    def prefetch(self) -> tuple["LazyInputs", dict[str, Any]]:
        for key, f in self.files.items():
            if not f.optional:
                self[key]
        return self, self.meta

    def __getitem__(self, key: str) -> Path:
        if key not in self.paths:
            from loaders.build.fetch import expected_sha256, fetch

            if key not in self.files:
                raise KeyError(key)
            f = self.files[key]
            self.paths[key] = fetch(f, self.cache, allow_drift=self.allow_drift)
            self.meta[key] = {"url": f.url, "sha256": expected_sha256(f, self.cache), "release": f.release,
                              "license": f.license}
        return self.paths[key]

    def __iter__(self):
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


def _cap_per_class(intervals: pd.DataFrame, cap: int | None, rng: np.random.Generator) -> pd.DataFrame:
    if not cap:
        return intervals
    keep = []
    for _, grp in intervals.groupby("label", sort=True):
        idx = grp.index.to_numpy()
        keep.append(np.sort(rng.choice(idx, size=min(cap, len(idx)), replace=False)) if len(idx) > cap else idx)
    return intervals.loc[np.concatenate(keep)].reset_index(drop=True)


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("phenoseq-bench", "pandas", "numpy", "pyfaidx", "pybedtools", "datasets", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    out["mmseqs"] = clustering.mmseqs_version()
    return out


def add_alt_alleles(rows: pd.DataFrame, intervals: pd.DataFrame, inputs: Mapping[str, Any], dataset: str,
                    params: dict[str, Any]) -> tuple[pd.DataFrame, int]:
    """Append pangenome ALT-allele rows for each VCF input named in `alt_vcfs` (see loaders.build.alleles)."""
    from loaders.build.alleles import alt_allele_rows

    extra = []
    for key in params.get("alt_vcfs") or []:
        if key not in inputs:
            raise DatasetError(f"alt_vcfs: no input '{key}' in this source (inputs: {', '.join(inputs)})")
        extra.append(alt_allele_rows(inputs[key], intervals, dataset, f"{key}_alt", params["min_length"]))
    n = int(sum(len(e) for e in extra))
    return (pd.concat([rows, *extra], ignore_index=True) if n else rows), n


def assign_splits(rows: pd.DataFrame, params: dict[str, Any]) -> tuple[np.ndarray, dict[str, int]]:
    """Split index per row: by cluster (stratified), by held-out chromosome, or (leaky, audits only) at random per class.

    Stats: `test_rows_grouped_with_train` counts test rows whose group has a train or validation
    row (0 for the grouped splits by construction; the leak of `split_by=random`).
    """
    stats: dict[str, int] = {}
    if params["split_by"] == "chromosome":
        split, moved = splitting.chromosome_split(rows["chrom"], rows["cluster"], params["test_chroms"],
                                                  params["validation_chroms"])
        stats["rows_moved_to_keep_clusters_whole"] = moved
    elif params["split_by"] == "random":
        split = splitting.random_stratified_split(rows["label"].to_numpy(), params["fractions"], params["seed"],
                                                  keys=rows["id"].to_numpy())
    else:
        split = splitting.grouped_stratified_split(rows["cluster"].to_numpy(), rows["label"].to_numpy(),
                                                   params["fractions"], params["seed"])
    stats["test_rows_grouped_with_train"] = splitting.rows_grouped_across(rows["cluster"].to_numpy(), split)
    return split, stats


def split_info(params: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    """build.json's `split` block: how the split was made and whether it leaks."""
    leaks = params["split_by"] == "random"
    return {"by": params["split_by"], "grouped": not leaks, "leaks": leaks,
            "test_rows_grouped_with_train": stats["test_rows_grouped_with_train"],
            **({"warning": LEAK_WARNING} if leaks else {})}


LEAK_WARNING = ("split_by=random: the study's per-class random split, reproduced for leakage audits only; "
                "near-identical copies straddle train and test, so scores on it are inflated")


def check_assembly(sizes: dict[str, int], chrom_sizes: Path, fasta: Path) -> None:
    """The genome's primary chromosomes must have the lengths the pinned chrom.sizes gives (catches a wrong assembly)."""
    expected = read_chrom_sizes(chrom_sizes)
    for chrom, n in sizes.items():
        if chrom in expected and expected[chrom] != n:
            raise FormatError(f"{fasta}: {chrom} is {n:,} bp but {Path(chrom_sizes).name} says {expected[chrom]:,} bp "
                              "(a different assembly?)")


def build_key(recipe: Recipe, params: dict[str, Any]) -> dict[str, Any]:
    """What a cached build must match to be reused (see module docstring), as recorded in build.json."""
    return {"pipeline_version": PIPELINE_VERSION,
            "recipe": {"name": recipe.name, "version": recipe.version, "source_sha256": recipe_source_hash(recipe)},
            "params": json.loads(json.dumps({k: v for k, v in params.items() if k not in NOT_IN_DIR_NAME}))}


def _reusable(out: Path, key: dict[str, Any], inputs_meta: dict[str, Any] | None) -> bool:
    """Whether the build at `out` has this key (and, when given, these inputs' sha256)."""
    try:
        old = json.loads((out / "build.json").read_text())
    except (OSError, ValueError):
        return False
    if any(old.get(k) != v for k, v in key.items()):
        return False
    if inputs_meta is None:
        return True
    return {k: v.get("sha256") for k, v in old.get("inputs", {}).items()} == \
        {k: v["sha256"] for k, v in inputs_meta.items()}


def build(recipe: Recipe, source: str, cache: str | os.PathLike | None = None, rebuild: bool = False,
          params: dict[str, Any] | None = None) -> Path:
    """Build `recipe` from `source` into the cache (skipped when already built); return its directory."""
    cache_path = check_output_dir(default_cache(cache), "cache (--cache-dir / $PHENOSEQ_CACHE)")
    sweep_cache(cache_path)  # temps a killed build left behind (their owner process is gone)
    if source not in recipe.sources:
        raise DatasetError(f"{recipe.name}: no '{source}' source (available: {', '.join(recipe.sources)})")
    p = effective_params(recipe, source, dict(params or {}))
    out = build_dir(recipe, source, cache, p)
    key = build_key(recipe, p)
    resolved = None
    if (out / "build.json").exists() and not rebuild:
        if source in ("demo", "user"):  # local inputs: cheap to hash, so their content is part of the key
            resolved = resolve_inputs(recipe, source, cache_path, p)
        if _reusable(out, key, resolved[1] if resolved else None):
            return out
        console.log(f"{p.get('name') or recipe.name}: cached build at {out} was made by another recipe version, "
                    "recipe source, parameters or inputs; rebuilding")
    t0 = time.perf_counter()
    console.log(f"[bold]{p.get('name') or recipe.name}[/]: building from source '{source}' into {out}")
    inputs, inputs_meta = resolved or resolve_inputs(recipe, source, cache_path, p)
    if recipe.specialize is not None:
        recipe = recipe.specialize(recipe, p, inputs)
    genome = Genome(inputs["genome"], cache_path / "genomes", iupac=p["iupac"])
    try:
        sizes = {c: n for c, n in genome.sizes.items() if is_primary(c)}
        if "chrom_sizes" in inputs:
            check_assembly(sizes, inputs["chrom_sizes"], genome.source_path)
        rng = np.random.default_rng(p["seed"])
        ctx = BuildContext(inputs=inputs, params=p, rng=rng, chrom_sizes=sizes, source=source, genome=genome)
        intervals = recipe.make_intervals(ctx)
        missing = [c for c in INTERVAL_COLUMNS if c not in intervals.columns]
        if missing:
            raise DatasetError(f"{recipe.name}: make_intervals returned no {', '.join(missing)} column(s)")
        intervals = _cap_per_class(intervals, p["max_per_class"], rng)
        console.log(f"{len(intervals)} labelled intervals; extracting sequences")
        rows, seq_stats = extract_rows(intervals, genome, recipe.name, p["min_length"], p["n_run"])
    finally:
        genome.close()
    rows, seq_stats["alt_allele_rows"] = add_alt_alleles(rows, intervals, inputs, recipe.name, p)
    rows, dup_stats = resolve_duplicates(rows)
    if rows.empty:
        raise DatasetError(f"{recipe.name}: no sequences left after filtering (check inputs and min_length)")
    console.log(f"{len(rows)} sequences; grouping (containment, both strands)")
    grouping: dict[str, Any] = {"identity": p["cluster_identity"], "coverage": p["cluster_coverage"]}
    clusters = clustering.cluster(list(zip(rows["id"], rows["sequence"])), min_seq_id=p["cluster_identity"],
                                  coverage=p["cluster_coverage"], threads=p["threads"], stats=grouping)
    rows["cluster"] = rows["id"].map(clusters)
    split, split_stats = assign_splits(rows, p)
    rows["split"] = np.asarray(SPLITS)[split]
    for cfg in recipe.configs:  # a degenerate config fails the build, before anything is written
        check_config_counts(f"{recipe.name}/{cfg.name}", cfg.label_names,
                            {s: np.asarray(cfg.label_map)[rows.loc[rows["split"] == s, "label"].to_numpy()] for s in SPLITS},
                            p["min_test_per_class"])
    stats = {**ctx.stats, **seq_stats, **dup_stats, **split_stats, "rows": int(len(rows)),
             "clusters": int(rows["cluster"].nunique()),
             "multi_member_clusters": int((rows["cluster"].value_counts() > 1).sum()), "grouping": grouping}
    info = {"dataset": recipe.name, "source": source, "synthetic": source == "demo", **key,
            "split": split_info(p, stats), "inputs": inputs_meta,
            "versions": _versions(), "stats": stats, "classes": list(recipe.classes)}
    write_built(out, recipe, rows, info, lambda i: render_card(recipe, i))
    console.log(f"[green]built[/] {recipe.name} ({source}) in {time.perf_counter() - t0:.1f}s: {len(rows)} rows")
    return out
