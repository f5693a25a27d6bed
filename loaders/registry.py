"""The recipe registry: every recipe folder is found, nothing is listed by hand.

A recipe is a folder `<name>/` holding `recipe.py` (which defines `RECIPE`, a `loaders.core.recipe.Recipe`
called `<name>`), usually `sources.py` (its pinned inputs) and optionally `demo.py` (what it plants on the
demo canvas, see `loaders.demo`). Folders are searched in

1. `loaders/recipes/` (the built-in recipes), then
2. every directory listed in `$PHENOSEQ_RECIPES` (`os.pathsep`-separated), each holding recipe folders
   the same way: a recipe of your own needs no edit of this package.

A recipe folder imports its own modules relatively (`from .sources import ...`) and shared code from
`loaders.*`. Two folders defining the same recipe name are an error.

The cache key of a build is the recipe's `version` plus `recipe_source_hash(recipe)`, a sha256 over every
file of its folder, so editing a recipe redoes its cached builds.
"""
from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from loaders.core.errors import DatasetError
from loaders.core.recipe import Recipe

RECIPES_ENV = "PHENOSEQ_RECIPES"
"""Environment variable: extra directories of recipe folders (`os.pathsep`-separated)."""
BUILTIN_DIR = Path(__file__).resolve().parent / "recipes"
BUILTIN_PACKAGE = "loaders.recipes"
EXTERNAL_PACKAGE = "phenoseq_recipes"
"""Parent of the synthetic packages that hold recipe folders from `$PHENOSEQ_RECIPES`."""
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class RecipeEntry:
    """Where a discovered recipe lives."""

    name: str
    package: str
    """Importable package of the folder, e.g. `loaders.recipes.herv_classification`."""
    folder: Path


def search_dirs() -> tuple[Path, ...]:
    """The built-in recipes directory, then each directory of `$PHENOSEQ_RECIPES`."""
    extra = [Path(p).expanduser().resolve() for p in os.environ.get(RECIPES_ENV, "").split(os.pathsep) if p]
    for path in extra:
        if not path.is_dir():
            raise DatasetError(f"{path}: ${RECIPES_ENV} names a directory that does not exist")
    return (BUILTIN_DIR, *extra)


def _package_for(directory: Path) -> str:
    """The package name recipe folders under `directory` are imported as (a synthetic one outside loaders)."""
    if directory == BUILTIN_DIR:
        return BUILTIN_PACKAGE
    name = f"{EXTERNAL_PACKAGE}.d{hashlib.sha256(str(directory).encode()).hexdigest()[:12]}"
    if EXTERNAL_PACKAGE not in sys.modules:
        root = importlib.util.module_from_spec(importlib.machinery.ModuleSpec(EXTERNAL_PACKAGE, None, is_package=True))
        root.__path__ = []
        sys.modules[EXTERNAL_PACKAGE] = root
    if name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(directory)]
        module = importlib.util.module_from_spec(spec)
        module.__path__ = [str(directory)]
        sys.modules[name] = module
    return name


@lru_cache(maxsize=8)
def _discover(dirs: tuple[tuple[Path, int], ...]) -> dict[str, RecipeEntry]:
    """Recipe folders under each directory (the key carries each directory's mtime: a new folder is seen)."""
    found: dict[str, RecipeEntry] = {}
    for directory, _ in dirs:
        package = _package_for(directory)
        for folder in sorted(p for p in directory.iterdir() if (p / "recipe.py").is_file()):
            name = folder.name
            if not NAME.match(name):
                raise DatasetError(f"{folder}: a recipe folder name must be lowercase letters, digits and _ "
                                   "(it is the dataset name)")
            if name in found:
                raise DatasetError(f"recipe '{name}' is defined twice: {found[name].folder} and {folder}")
            found[name] = RecipeEntry(name, f"{package}.{name}", folder)
    return found


def entries() -> dict[str, RecipeEntry]:
    """Every recipe folder found, by name (built-in first, then `$PHENOSEQ_RECIPES`, each alphabetical)."""
    return dict(_discover(tuple((d, d.stat().st_mtime_ns) for d in search_dirs())))


_IMPORTED: dict[str, str] = {}
"""Package of a recipe folder → `folder_hash` of the files it was imported from."""


def _load(entry: RecipeEntry) -> Recipe:
    digest = folder_hash(entry.folder)
    if _IMPORTED.get(entry.package, digest) != digest:  # edited since imported (a notebook, a test): import afresh
        for name in [m for m in sys.modules if m == entry.package or m.startswith(f"{entry.package}.")]:
            del sys.modules[name]
        importlib.invalidate_caches()
    try:
        module = importlib.import_module(f"{entry.package}.recipe")
    except ImportError as exc:
        raise DatasetError(f"{entry.folder / 'recipe.py'}: cannot import ({exc})") from None
    _IMPORTED[entry.package] = digest
    recipe = getattr(module, "RECIPE", None)
    if not isinstance(recipe, Recipe):
        raise DatasetError(f"{entry.folder / 'recipe.py'}: defines no RECIPE (a loaders.core.recipe.Recipe)")
    if recipe.name != entry.name:
        raise DatasetError(f"{entry.folder / 'recipe.py'}: RECIPE is called '{recipe.name}'; it must be named "
                           f"like its folder, '{entry.name}'")
    return recipe


def list_recipes() -> list[Recipe]:
    """Every discovered recipe (see module docstring for the search order)."""
    return [_load(e) for e in entries().values()]


def recipe_names() -> list[str]:
    """Names of every discovered recipe (without importing them)."""
    return list(entries())


def get_recipe(name: str) -> Recipe:
    """The recipe called `name`; a one-line error suggesting the closest name otherwise."""
    found = entries()
    if name not in found:
        close = difflib.get_close_matches(name, list(found), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known datasets: {', '.join(found)}"
        raise DatasetError(f"unknown dataset '{name}'{hint}")
    return _load(found[name])


def recipe_package(recipe: Recipe) -> str:
    """The package of the folder that declares `recipe` (the one holding its `make_intervals`)."""
    return recipe.make_intervals.__module__.rpartition(".")[0]


def recipe_folder(recipe: Recipe) -> Path:
    """The folder of `recipe` (where its `recipe.py` lives)."""
    module = sys.modules[recipe.make_intervals.__module__]
    return Path(module.__file__).resolve().parent


def recipe_source_hash(recipe: Recipe) -> str:
    """`folder_hash` of the recipe's folder: any edit of the recipe changes it."""
    return folder_hash(recipe_folder(recipe))


def folder_hash(folder: Path) -> str:
    """sha256 over the relative path and bytes of every file in `folder` (caches and hidden files aside)."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or "__pycache__" in rel.parts or any(p.startswith(".") for p in rel.parts):
            continue
        h.update(f"{rel.as_posix()}\0{path.stat().st_size}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def demo_module(recipe: Recipe) -> ModuleType | None:
    """The recipe's `demo.py` (what it plants on the demo canvas), or None when it has none."""
    if not (recipe_folder(recipe) / "demo.py").is_file():
        return None
    return importlib.import_module(f"{recipe_package(recipe)}.demo")
