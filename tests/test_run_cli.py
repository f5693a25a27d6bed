"""`bench run` / `bench ls` through typer's CliRunner: results files, and one-line errors with no files."""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import make_tiny_task
from typer.testing import CliRunner

import benchmark.cli
from benchmark import tasks
from benchmark.models.tiny import make_tiny_dnabert, make_tiny_gpt2
from benchmark.results import SCHEMA, read_results
from loaders.core.fingerprint import fingerprint_split
from phenoseq.cli import new_app

REGISTRY = [{"task": "herv_classification/binary", "classes": ["non_herv", "herv"], "description": "HERV vs not",
             "sources": ["grch38", "demo"]}]


pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def app():
    app = new_app()
    benchmark.cli.register(app)
    return app


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-models")
    return {"dnabert": make_tiny_dnabert(root / "dnabert", k=3), "gpt2": make_tiny_gpt2(root / "gpt2")}


@pytest.fixture(scope="module")
def csv_task(tmp_path_factory):
    task = make_tiny_task(n_per_class=20, length=80, seed=2)
    rows = [{"sequence": r["sequence"], "label": task.label_names[r["label"]], "split": split}
            for split in ("train", "validation", "test") for r in task.data[split]]
    path = tmp_path_factory.mktemp("cli-data") / "tiny.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def invoke(app, *args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_run_csv_task_writes_results(app, models, csv_task, tmp_path):
    out = tmp_path / "results"
    res = invoke(app, "run", "--model", models["dnabert"], "--task", f"csv:{csv_task}", "--seeds", 2, "--epochs", 1,
                 "--lr", 3e-3, "--batch-size", 8, "--max-length", 64, "--out", out, "--no-progress")
    assert res.exit_code == 0, res.output
    assert "mean ± sd" in res.stdout and "accuracy" in res.stdout
    (json_path,) = out.glob("*.json")
    results, preds = read_results(json_path)
    assert results["schema"] == SCHEMA and results["task"] == f"csv:{csv_task}"
    assert [s["seed"] for s in results["seeds"]] == [0, 1]
    assert results["model"]["adapter"] == "dnabert-kmer" and results["model"]["trust_remote_code"] is False
    assert results["config"]["max_length"] == 64 and results["config"]["truncation"] == "head+tail"
    assert results["config"]["lr"] == 3e-3 and results["config"]["precision"] == "fp32"
    assert results["summary"]["accuracy"]["n"] == 2
    assert len(preds) == 2 * 8  # 2 seeds x 8 test rows
    assert (out / "models").is_dir() and len(list((out / "models").glob("*/seed-*/phenoseq.json"))) == 2
    assert not (out / "checkpoints").exists()


def test_run_registered_task_with_limit_windows_lora(app, models, tmp_path, monkeypatch):
    seen = {}

    def fake_load(task_id, source=None, cache_dir=None, **_):
        seen.update(task=task_id, source=source)
        task = make_tiny_task(n_per_class=20, length=80, seed=3)
        task.id = task_id
        return task

    monkeypatch.setattr(tasks, "load_task", fake_load)
    out = tmp_path / "r"
    res = invoke(app, "run", "--model", models["gpt2"], "--task", "herv_classification/binary", "--source", "demo",
                 "--seeds", 1, "--epochs", 1, "--limit", 6, "--windows", "--max-length", 16, "--lora", "--out", out,
                 "--no-progress", "--no-save-models")
    assert res.exit_code == 0, res.output
    assert seen == {"task": "herv_classification/binary", "source": "demo"}
    results, preds = read_results(next(out.glob("*.json")))
    assert results["model"]["adapter"] == "gpt2-bpe"
    assert results["config"]["truncation"] == "windows" and results["config"]["lora"] is True
    assert results["config"]["limit"] == 6 and len(preds) == 6
    test = make_tiny_task(n_per_class=20, length=80, seed=3).data["test"].shuffle(seed=0).select(range(6))
    assert results["dataset_fingerprint"] == fingerprint_split(test)
    assert not (out / "models").exists()


def test_run_demo_task(app, models, demo_cache, tmp_path):
    out = tmp_path / "demo"
    res = invoke(app, "run", "--model", models["dnabert"], "--task", "herv_classification/binary", "--source", "demo",
                 "--seeds", 1, "--epochs", 1, "--limit", 40, "--max-length", 64, "--out", out, "--no-progress")
    assert res.exit_code == 0, res.output
    results, preds = read_results(next(out.glob("*.json")))
    assert results["task"] == "herv_classification/binary"
    assert results["dataset"] == {"name": "herv_classification", "config": "binary", "source": "demo", "synthetic": True}
    assert len(preds) == 40 and set(preds.columns) >= {"id", "seed", "label", "pred", "prob_0", "prob_1"}


@pytest.mark.parametrize("case", ["hub-id", "path", "typo", "csv-label", "illegal", "max-length"])
def test_bad_input_one_line_error_and_no_files(app, models, csv_task, tmp_path, monkeypatch, case):
    monkeypatch.setattr(tasks, "list_tasks", lambda: REGISTRY)
    model, task, extra = str(models["dnabert"]), f"csv:{csv_task}", []
    if case == "hub-id":
        model, expect = "nobody/no-such-model", "cannot resolve model 'nobody/no-such-model'"
    elif case == "path":
        model, expect = str(tmp_path / "no-model"), "does not exist"
    elif case == "typo":
        task, expect = "herv_clasification/binary", "did you mean 'herv_classification/binary'?"
    elif case == "csv-label":
        bad = tmp_path / "nolabel.csv"
        bad.write_text("sequence,class\nACGT,a\n")
        task, expect = f"csv:{bad}", "missing column 'label'"
    elif case == "illegal":
        bad = tmp_path / "illegal.csv"
        bad.write_text("sequence,label\nACGT,a\nACGU,b\nACGT,a\nACGT,b\n")
        task, expect = f"csv:{bad}", "illegal character(s) 'U'"
    else:
        extra, expect = ["--max-length", 4096], "--max-length 4096 is larger than the model allows (512 tokens)"
    out = tmp_path / "out"
    res = invoke(app, "run", "--model", model, "--task", task, "--epochs", 1, "--out", out, "--no-progress", *extra)
    assert res.exit_code == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expect in lines[0], res.stderr
    assert "Traceback" not in res.output
    assert not out.exists()


def test_ls_lists_tasks_and_adapters(app, monkeypatch):
    monkeypatch.setattr(tasks, "list_tasks", lambda: REGISTRY)
    res = invoke(app, "ls")
    assert res.exit_code == 0
    for name in ("herv_classification/binary", "csv:PATH", "dnabert-kmer", "nucleotide-transformer", "dnabert-2",
                 "hyenadna", "caduceus", "gpt2-bpe", "generic"):
        assert name in res.stdout


def test_shuffle_labels_control_permutes_train_only(app, models, csv_task, tmp_path):
    """`--shuffle-labels` trains on permuted train labels, scores the untouched test split, and says so."""
    out = tmp_path / "results"
    res = invoke(app, "run", "--model", models["dnabert"], "--task", f"csv:{csv_task}", "--seeds", 1, "--epochs", 1,
                 "--lr", 3e-3, "--batch-size", 8, "--max-length", 64, "--out", out, "--no-progress",
                 "--shuffle-labels")
    assert res.exit_code == 0, res.output
    path = next(out.glob("*__shuffled-labels.json"))
    results, pred = read_results(path)
    assert results["config"]["shuffle_labels"] is True
    task = tasks.load_task(f"csv:{csv_task}")
    assert sorted(pred["label"].tolist()) == sorted(task.data["test"]["label"])
    assert results["dataset_fingerprint"] == fingerprint_split(task.data["test"])
