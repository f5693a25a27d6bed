"""Adding a recipe is one folder: a toy recipe outside the package is found, built on the demo canvas,
passes the checks every recipe passes, and an edit of its files redoes its cached build."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from recipe_checks import (
    all_rows,
    build_info,
    check_configs,
    check_grouped_splits,
    check_reproducible,
    check_rows,
    demo_builds,
    fresh_cache,
    overlaps,
    world_dir,
)

import loaders
from loaders.core.errors import DatasetError
from loaders.registry import RECIPES_ENV

NAME = "toy_motifs"
FILES = {
    "recipe.py": '''
        """Toy recipe: 400 bp features carrying a planted motif vs length-matched background."""
        from __future__ import annotations

        import pandas as pd

        from loaders.build.annotations import labelled
        from loaders.build.formats import read_bed
        from loaders.build.regions import length_matched, outside
        from loaders.core.recipe import BuildContext, ConfigSpec, Recipe

        from .sources import DEMO_SOURCES


        def make_intervals(ctx: BuildContext) -> pd.DataFrame:
            bed = read_bed(ctx.inputs["features"])
            features = labelled(bed, 1, "toy_feature")
            mask = outside(bed, 2_000, ctx.chrom_sizes)
            background = length_matched(features, mask, ctx, 0, "toy_background", "background_unplaced")
            return pd.concat([features, background], ignore_index=True)


        RECIPE = Recipe(
            name="toy_motifs", title="Toy motifs", description="Planted motif features vs background.",
            classes=("background", "motif"),
            configs=(ConfigSpec("binary", ("background", "motif"), (0, 1), "motif feature vs background"),),
            sources={"demo": DEMO_SOURCES}, make_intervals=make_intervals, card="A toy.",
            citation="% none", license="CC0-1.0",
        )
        ''',
    "sources.py": '''
        from loaders.sources import demo_file

        DEMO_SOURCES = (demo_file("genome"), demo_file("features"))
        ''',
    "demo.py": '''
        from loaders.demo.canvas import Canvas, with_motifs

        N_FEATURES = 60


        def plant(canvas: Canvas) -> None:
            rows = []
            for _ in range(N_FEATURES):
                spot = canvas.place(400)
                if spot is not None:
                    canvas.write(spot[0], spot[1], with_motifs(canvas.rng, 400, 0.45, ("GATTACAGATTACA",), 6))
                    rows.append(f"{spot[0]}\\t{spot[1]}\\t{spot[1] + 400}\\tfeature\\n")
            canvas.file("features", "toy_features.bed").write_text("".join(rows))
        ''',
}


def write_recipe(root: Path) -> Path:
    """One folder `root/toy_motifs/` with the three files above, and nothing else anywhere."""
    folder = root / NAME
    folder.mkdir(parents=True)
    for name, text in FILES.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip())
    return folder


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugins")
    write_recipe(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(RECIPES_ENV, str(root))
        yield root


@pytest.fixture(scope="module")
def builds(plugin, tmp_path_factory):
    return demo_builds(NAME, tmp_path_factory)


def test_found_without_any_other_edit(plugin):
    names = [r.name for r in loaders.list_recipes()]
    assert names[-1] == NAME and "herv_classification" in names
    assert loaders.get_recipe(NAME).classes == ("background", "motif")
    from benchmark.tasks import list_tasks

    assert f"{NAME}/binary" in [t["task"] for t in list_tasks()]


def test_not_found_without_the_search_path(monkeypatch):
    monkeypatch.delenv(RECIPES_ENV, raising=False)
    assert NAME not in [r.name for r in loaders.list_recipes()]
    with pytest.raises(DatasetError, match=f"unknown dataset '{NAME}'"):
        loaders.get_recipe(NAME)


def test_builds_on_the_demo_canvas_and_passes_the_common_checks(builds, tmp_path):
    a, b, _ = builds
    recipe = loaders.get_recipe(NAME)
    check_reproducible(a, b)
    check_rows(a, NAME, recipe.classes)
    check_configs(a, recipe)
    check_grouped_splits(a, tmp_path)
    world = world_dir(NAME)
    assert sorted(p.name for p in world.iterdir() if not p.name.startswith(".")) == [
        "demo.fa.gz", "demo.fa.gz.fai", "demo.fa.gz.gzi", "toy_features.bed"]  # canvas genome + its own file
    rows = all_rows(a)
    features = pd.read_csv(world / "toy_features.bed", sep="\t", names=["chrom", "start", "end", "name"])
    hit = overlaps(rows, features)
    assert hit[rows["label"].to_numpy() == 1].all() and not hit[rows["label"].to_numpy() == 0].any()
    assert rows.loc[rows["label"] == 1, "sequence"].str.contains("GATTACAGATTACA|TGTAATCTGTAATC").all()
    assert (rows["label"] == 1).sum() == 60


def test_editing_the_recipe_redoes_its_cached_build(tmp_path, monkeypatch):
    root = tmp_path / "plugins"
    folder = write_recipe(root)
    monkeypatch.setenv(RECIPES_ENV, str(root))
    cache = fresh_cache(tmp_path / "cache")

    def build() -> tuple[dict, int]:
        path = loaders.build_dataset(NAME, source="demo", cache_dir=cache)
        return build_info(path), (path / "build.json").stat().st_mtime_ns

    first, stamp = build()
    assert build() == (first, stamp)  # unchanged recipe: the cached build is served as it is
    assert first["recipe"] == {"name": NAME, "version": "1", "source_sha256": first["recipe"]["source_sha256"]}

    (folder / "recipe.py").write_text((folder / "recipe.py").read_text() + "# a comment is an edit too\n")
    second, stamp2 = build()
    assert stamp2 != stamp and second["recipe"]["source_sha256"] != first["recipe"]["source_sha256"]
    assert second["fingerprints"] == first["fingerprints"]  # same logic, same data, new key

    (folder / "demo.py").write_text((folder / "demo.py").read_text().replace("N_FEATURES = 60", "N_FEATURES = 30"))
    third, _ = build()
    assert third["fingerprints"] != second["fingerprints"]  # the edited code ran: not a stale build
    assert third["counts"]["binary"]["train"]["motif"] + third["counts"]["binary"]["validation"]["motif"] + \
        third["counts"]["binary"]["test"]["motif"] == 30
    card = (cache / "datasets" / "demo" / NAME / "README.md").read_text()
    assert f"source sha256 `{third['recipe']['source_sha256'][:16]}" in card
    assert json.loads(json.dumps(third["params"])) == third["params"]


def test_a_misnamed_recipe_is_a_one_line_error(tmp_path, monkeypatch):
    folder = write_recipe(tmp_path / "plugins")
    folder.rename(folder.with_name("toy_renamed"))
    monkeypatch.setenv(RECIPES_ENV, str(tmp_path / "plugins"))
    with pytest.raises(DatasetError, match=r"RECIPE is called 'toy_motifs'; it must be named like its folder, "
                                           r"'toy_renamed'$"):
        loaders.list_recipes()
    monkeypatch.setenv(RECIPES_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DatasetError, match="names a directory that does not exist"):
        loaders.list_recipes()
