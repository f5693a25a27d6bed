"""Conformance checks run over every registry (as scikit-learn's `check_estimator` runs over estimators).

One registry per kind of thing: recipes (`loaders.registry`), model adapters
(`benchmark.models.ADAPTERS`), baselines (`baselines.registry.BASELINES`) and metrics
(`benchmark.metrics.METRICS`). Whatever is added to one of them is checked here with no edit.
(Recipes are also built on the demo source by tests/test_recipes_common.py.)
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

import loaders
from baselines.registry import BASELINES, OPTIONS, BaselineError, from_options
from benchmark.metrics import METRICS, Scores, compute_metrics, metric_names
from benchmark.models import ADAPTERS, Adapter
from benchmark.predictor import Predictor
from benchmark.results import SCHEMA, SCHEMA_VERSION, schema_version
from loaders.core.paths import SOURCES
from loaders.registry import NAME, demo_module, recipe_folder

RECIPES = loaders.list_recipes()


# --- recipes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_recipe_conforms(recipe):
    assert NAME.match(recipe.name) and recipe_folder(recipe).name == recipe.name
    assert (recipe_folder(recipe) / "recipe.py").is_file()
    for text in (recipe.title, recipe.description, recipe.card, recipe.citation, recipe.license, recipe.version):
        assert isinstance(text, str) and text.strip()
    assert len(set(recipe.classes)) == len(recipe.classes) >= 2
    assert len({c.name for c in recipe.configs}) == len(recipe.configs) >= 1
    for cfg in recipe.configs:
        assert len(cfg.label_map) == len(recipe.classes), cfg.name
        assert sorted(set(cfg.label_map)) == list(range(len(cfg.label_names))), cfg.name  # every label reachable
        assert cfg.description, cfg.name
    assert set(recipe.sources) <= set(SOURCES) and recipe.sources
    for source, files in recipe.sources.items():
        keys = [f.key for f in files]
        assert len(keys) == len(set(keys)), source
        for f in files:
            assert f.release and f.license, f.key
            if source == "grch38":
                assert f.url.startswith("https://"), f.key
            if source == "demo":
                assert f.url.startswith("demo:"), f.key
    assert set(recipe.source_params) <= set(recipe.sources)
    assert callable(recipe.make_intervals)
    module = demo_module(recipe)
    assert module is None or callable(module.plant)


def test_recipe_names_are_unique_and_looked_up_by_name():
    names = [r.name for r in RECIPES]
    assert len(names) == len(set(names)) and len(names) >= 7
    assert all(loaders.get_recipe(n).name == n for n in names)


# --- model adapters ------------------------------------------------------------------------------
@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: a.name)
def test_adapter_conforms(adapter):
    assert issubclass(adapter, Adapter)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", adapter.name) and adapter.description
    assert adapter.pooling in {"cls", "last", "mean"}
    assert isinstance(adapter.needs_remote_code, bool) and adapter.default_max_length > 0
    assert callable(adapter.matches)


def test_adapter_registry_order():
    names = [a.name for a in ADAPTERS]
    assert len(names) == len(set(names))
    assert ADAPTERS[-1] is Adapter  # the generic fallback matches everything, so it is tried last


# --- baselines -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from benchmark.models.tiny import make_tiny_generic

    return str(make_tiny_generic(tmp_path_factory.mktemp("tiny") / "m", hidden=16, layers=1))


QUICK = {"cnn": {"epochs": 2}, "random-init": {"epochs": 1}}
"""Options that keep each baseline's check quick (random-init also gets the tiny model)."""


@pytest.mark.parametrize("spec", BASELINES, ids=lambda b: b.name)
def test_baseline_conforms(spec, tiny_task, tiny_model, torch_one_thread):
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", spec.name) and spec.description
    assert set(spec.options) <= set(OPTIONS)
    options = {**QUICK.get(spec.name, {}), **({"model": tiny_model} if "model" in spec.options else {})}
    train, validation, test = (tiny_task.data[s] for s in ("train", "validation", "test"))
    runs = []
    for _ in range(2):
        predictor = from_options(spec.name, tiny_task, options)
        assert isinstance(predictor, Predictor)
        assert predictor.fit(train, validation, num_labels=2, seed=0) is predictor
        probs = np.asarray(predictor.predict_proba(test))
        assert probs.shape == (len(test), 2) and np.isfinite(probs).all()
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
        runs.append(probs)
    np.testing.assert_allclose(runs[0], runs[1], atol=1e-6)  # seeded: the same seed gives the same predictions
    info = predictor.info()
    assert {"id", "revision", "n_params", "adapter", "trust_remote_code"} <= set(info)
    if hasattr(predictor, "config"):
        json.dumps(predictor.config())
    for option in set(OPTIONS) - set(spec.options):  # options it does not take are refused, naming who does
        with pytest.raises(BaselineError, match=f"only applies to .*, not '{spec.name}'"):
            from_options(spec.name, tiny_task, {option: "x"})


def test_baseline_names_are_unique():
    names = [b.name for b in BASELINES]
    assert len(names) == len(set(names))


# --- metrics -------------------------------------------------------------------------------------
SCHEMA_HISTORY = {
    1: ("accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "precision", "recall", "mcc", "auroc", "auprc"),
    2: ("accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "precision", "recall", "mcc", "auroc", "auprc",
        "log_loss"),
}
"""The metric set of every results schema version. Changing the metric set means adding a version here
and bumping `benchmark.results.SCHEMA_VERSION` (a new metric gets `since=` that version)."""


def test_schema_version_follows_the_metric_set():
    assert SCHEMA_VERSION == max(SCHEMA_HISTORY) and SCHEMA == f"phenoseq-results/{SCHEMA_VERSION}"
    for version, names in SCHEMA_HISTORY.items():
        assert metric_names(version) == names
        assert schema_version(f"phenoseq-results/{version}") == version
    assert metric_names() == SCHEMA_HISTORY[SCHEMA_VERSION]
    for bad in ("phenoseq-results/0", f"phenoseq-results/{SCHEMA_VERSION + 1}", "phenoseq-results/x", None, 1):
        assert schema_version(bad) is None


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.name)
def test_metric_conforms(metric):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", metric.name)
    assert 1 <= metric.since <= SCHEMA_VERSION
    assert not metric.on_board or metric.title
    rng = np.random.default_rng(0)
    for k in (2, 3):
        labels = np.arange(60) % k
        perfect = np.eye(k)[labels] * 0.9 + 0.1 / k
        noisy = rng.dirichlet(np.ones(k), size=60)
        good, bad = (metric.compute(Scores(labels=labels, probs=p, k=k)) for p in (perfect, noisy))
        assert isinstance(good, float) and isinstance(bad, float) and np.isfinite([good, bad]).all()
        assert (good > bad) if metric.higher_is_better else (good < bad), (k, good, bad)
    assert compute_metrics(labels, perfect)[metric.name] == pytest.approx(good)


def test_metric_names_are_unique_and_the_board_shows_registered_metrics():
    from leaderboard.render import METRIC_COLUMNS, RANK_METRIC

    names = [m.name for m in METRICS]
    assert len(names) == len(set(names))
    assert METRIC_COLUMNS == tuple((m.name, m.title) for m in METRICS if m.on_board)
    assert RANK_METRIC in dict(METRIC_COLUMNS)
