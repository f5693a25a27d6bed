"""`bench data …`: build, list, inspect and publish datasets."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

out = Console()

data_app = typer.Typer(help="Build, list, inspect and publish datasets.", no_args_is_help=True)


def _parse_params(pairs: list[str]) -> dict[str, Any]:
    from loaders.core.errors import DatasetError

    params: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise DatasetError(f"--param expects key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def counts_table(build: dict[str, Any], config: str | None = None) -> Table:
    """Per-class counts per split for each config of a built dataset."""
    synthetic = " [yellow](SYNTHETIC demo data)[/]" if build.get("synthetic") else ""
    table = Table(title=f"{build['dataset']} — source {build['source']}{synthetic}")
    for col in ("config", "class", "train", "validation", "test", "total"):
        table.add_column(col, justify="right" if col in {"train", "validation", "test", "total"} else "left")
    for cfg, per_split in build["counts"].items():
        if config and cfg != config:
            continue
        for cls in build.get("label_names", {}).get(cfg) or per_split["train"]:
            n = [per_split[s][cls] for s in ("train", "validation", "test")]
            table.add_row(cfg, cls, *map(str, n), str(sum(n)))
        table.add_row(cfg, "fingerprint", "", "", "", build["fingerprints"][cfg][:16] + "…", end_section=True)
    return table


@data_app.command("build")
def build_cmd(
    name: str = typer.Argument(..., help="Dataset recipe, e.g. herv_classification (see `bench data ls`)."),
    source: Optional[str] = typer.Option(None, help="grch38 (real public files), demo (synthetic) or user (intervals); default grch38."),
    rebuild: bool = typer.Option(False, help="Rebuild even if a build exists."),
    split_by: Optional[str] = typer.Option(None, help="cluster (default), chromosome, or random (the study's leaky per-class split, for audits only)."),
    seed: Optional[int] = typer.Option(None, help="Seed of every random step (default 42)."),
    test_chroms: Optional[str] = typer.Option(None, help="Comma-separated held-out test chromosomes (--split-by chromosome)."),
    validation_chroms: Optional[str] = typer.Option(None, help="Comma-separated validation chromosomes."),
    max_per_class: Optional[int] = typer.Option(None, help="Seeded cap on intervals per class."),
    allow_drift: bool = typer.Option(False, help="Accept upstream files whose sha256 changed since first download."),
    iupac_as_n: bool = typer.Option(False, "--iupac-as-n", help="Read IUPAC ambiguity codes (R, Y, S...) of the genome as N "
                                                                 "(default: refused; the grch38 source always reads them as N)."),
    fasta: Optional[Path] = typer.Option(None, help="intervals recipe: genome FASTA (plain or gzip)."),
    bed: Optional[Path] = typer.Option(None, help="intervals recipe: labelled BED (name column = label)."),
    task_name: Optional[str] = typer.Option(None, "--name", help="intervals recipe: name of the new dataset."),
    param: list[str] = typer.Option([], "--param", help="Extra recipe parameter key=value (JSON values), repeatable."),
    cache_dir: Optional[Path] = typer.Option(None, help="Cache root (default $PHENOSEQ_CACHE or ~/.cache/phenoseq)."),
) -> None:
    """Build a dataset (downloads and checks its inputs first) and print its counts."""
    import loaders

    params: dict[str, Any] = _parse_params(param)
    for key, value in {"split_by": split_by, "seed": seed, "max_per_class": max_per_class,
                       "fasta": str(fasta) if fasta else None, "bed": str(bed) if bed else None,
                       "name": task_name}.items():
        if value is not None:
            params[key] = value
    if test_chroms:
        params["test_chroms"] = test_chroms.split(",")
    if validation_chroms:
        params["validation_chroms"] = validation_chroms.split(",")
    if allow_drift:
        params["allow_drift"] = True
    if iupac_as_n:
        params["iupac"] = "n"
    from loaders.build.fetch import FetchError

    try:
        path = loaders.build_dataset(name, source=source, cache_dir=cache_dir, rebuild=rebuild, **params)
    except FetchError as exc:
        raise FetchError(exc.where, f"{exc.problem}; `--source demo` builds the synthetic demo offline") from None
    build = json.loads((path / "build.json").read_text())
    out.print(counts_table(build))
    out.print(f"built: {path}")


@data_app.command("ls")
def ls_cmd(cache_dir: Optional[Path] = typer.Option(None, help="Cache root.")) -> None:
    """List dataset recipes, their configs and classes, and which sources are built."""
    import loaders
    from loaders.api import list_user_datasets

    table = Table(title="PhenoSeq Bench datasets")
    for col in ("dataset", "configs", "classes (multiclass)", "sources", "built"):
        table.add_column(col)
    for recipe in loaders.list_recipes():
        built = [s for s in recipe.sources if (loaders.dataset_dir(recipe.name, s, cache_dir) / "build.json").exists()]
        table.add_row(recipe.name, ", ".join(c.name for c in recipe.configs), ", ".join(recipe.classes),
                      ", ".join(recipe.sources), ", ".join(built) or "—")
    for name, path in list_user_datasets(cache_dir).items():
        build = json.loads((path / "build.json").read_text())
        table.add_row(name, ", ".join(build["fingerprints"]), ", ".join(build.get("classes", [])), "user", "user")
    out.print(table)


def _built_dir(name: str, source: Optional[str], cache_dir: Optional[Path]) -> Path:
    import loaders
    from loaders.api import built_dir, list_user_datasets
    from loaders.core.errors import DatasetError
    from loaders.core.paths import dataset_source

    path = built_dir(name, source, cache_dir)
    if path is None and name not in list_user_datasets(cache_dir):
        loaders.get_recipe(name)
    if path is None:
        src = dataset_source(source)
        raise DatasetError(f"{name} ({src}) is not built; run `bench data build {name} --source {src}`")
    return path


@data_app.command("info")
def info_cmd(
    name: str = typer.Argument(..., help="Dataset recipe."),
    source: Optional[str] = typer.Option(None, help="grch38 or demo (default grch38)."),
    config: Optional[str] = typer.Option(None, help="Only this config."),
    cache_dir: Optional[Path] = typer.Option(None, help="Cache root."),
) -> None:
    """Counts per class and split, fingerprints and build statistics of a built dataset."""
    path = _built_dir(name, source, cache_dir)
    build = json.loads((path / "build.json").read_text())
    out.print(counts_table(build, config))
    out.print("stats: " + ", ".join(f"{k}={v}" for k, v in sorted(build["stats"].items())))
    out.print(f"directory: {path}")


@data_app.command("push")
def push_cmd(
    name: str = typer.Argument(..., help="Dataset recipe."),
    repo: str = typer.Option(..., help="Hub dataset repository, org/name."),
    source: Optional[str] = typer.Option(None, help="grch38 or demo (default grch38)."),
    private: bool = typer.Option(False, help="Create the repository as private."),
    cache_dir: Optional[Path] = typer.Option(None, help="Cache root."),
) -> None:
    """Publish a built dataset directory (card, parquet, build.json) to the Hugging Face Hub."""
    from loaders.publish import push_dataset

    path = _built_dir(name, source, cache_dir)
    url = push_dataset(path, repo, private=private)
    out.print(f"pushed {path} to {url}")


def register(app: typer.Typer) -> None:
    """Mount `bench data`."""
    app.add_typer(data_app, name="data")
