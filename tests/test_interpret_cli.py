"""`bench interpret` end to end on a model fine-tuned by `bench run` (the harness's save format)."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import torch
from conftest import make_tiny_task
from typer.testing import CliRunner

from benchmark.models.tiny import make_tiny_dnabert
from phenoseq.cli import app


pytestmark = pytest.mark.usefixtures("torch_one_thread")


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """tiny task (positives carry TATAAAAGGGGCGGGG = TBP MA0108 + SP1 MA0079 consensus) as a CSV task;
    `bench run` fine-tunes a tiny 6-mer DNABERT on it and saves the model."""
    root = tmp_path_factory.mktemp("interpret-cli")
    task = make_tiny_task(n_per_class=100, length=100, seed=0)
    rows = [{"sequence": r["sequence"], "label": task.label_names[r["label"]], "split": split, "id": r["id"]}
            for split in ("train", "validation", "test") for r in task.data[split]]
    csv = root / "tiny.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    model = make_tiny_dnabert(root / "dnabert6", k=6)
    out = root / "results"
    res = invoke("run", "--model", model, "--task", f"csv:{csv}", "--seeds", 1, "--epochs", 10, "--lr", 3e-3,
                 "--patience", 0, "--batch-size", 16, "--out", out, "--no-progress")
    assert res.exit_code == 0, res.output
    (json_path,) = out.glob("*.json")
    (model_dir,) = out.glob("models/*/seed-0")
    return {"task": f"csv:{csv}", "json": json_path, "model": model_dir, "root": root}


def test_check_planted_writes_the_interpretation_block_into_results(fitted, tmp_path):
    """Reusing the task-fine-tuned model (no probe fine-tuning). It learned the 16-mer as a whole, so
    a lone SP1 or TBP consensus is a weak cue: measured planted AUROC 0.549 vs random 0.497, FIMO
    recovery 0.40 - this test checks the plumbing; the known-answer check is test_interpret_planted."""
    before = json.loads(fitted["json"].read_text())
    res = invoke("interpret", "--model", fitted["model"], "--task", fitted["task"], "--method", "gradxinput",
                 "--check", "planted", "--motifs", "MA0079,MA0108", "--results", fitted["json"], "--out", tmp_path)
    assert res.exit_code == 0, res.output
    after = json.loads(fitted["json"].read_text())
    block = after.pop("interpretation")
    assert after == before  # nothing else touched
    assert {"method", "planted_auroc", "random_auroc", "fimo_recovery", "n_sequences", "motifs", "trust_remote_code",
            "task", "task_label", "seeds", "motif_effect", "recovery", "per_example"} <= set(block)
    assert block["trust_remote_code"] is False     # recorded as `bench run` records it
    assert block["method"] == "gradxinput" and block["motifs"] == ["MA0079.5", "MA0108.3"]
    assert block["n_sequences"] == 40  # the 40 held-out test sequences, one planted probe each
    assert block["task"] == fitted["task"] and block["task_label"] == f"gradxinput on {fitted['task']}"
    assert 0.4 <= block["random_auroc"] <= 0.6 and 0.0 <= block["fimo_recovery"] <= 1.0
    assert block["planted_auroc"] > block["random_auroc"]
    from leaderboard.validate import INTERPRETATION_NUMBERS, planted_auroc_from_examples, read_interpretation_examples

    assert set(INTERPRETATION_NUMBERS) <= set(block)
    # the per-example attributions beside the results file give the board the same planted AUROC
    examples = read_interpretation_examples(fitted["json"].parent / block["per_example"]["file"])
    assert len(examples) == 40 and set(examples["motif_id"]) == {"MA0079.5", "MA0108.3"}
    assert planted_auroc_from_examples(examples) == pytest.approx(block["planted_auroc"], abs=1e-6)
    assert "| gradxinput | all | 1 | 40 |" in (tmp_path / "planted.md").read_text()  # the table goes to --out


def test_interpret_writes_regions_hits_enrichment_and_report(fitted, tmp_path):
    out = tmp_path / "interp"
    res = invoke("interpret", "--model", fitted["model"], "--task", fitted["task"], "--method", "attention",
                 "--out", out, "--max-sequences", 20, "--min-factor", 1.0)
    assert res.exit_code == 0, res.output
    for name in ("regions.bed", "regions.fa", "motif_hits.tsv", "enrichment.tsv", "enrichment.png", "logos.png",
                 "embeddings_pca.png", "track_0.png", "report.html", "summary.json", "attributions.npz"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_sequences"] == 20 and summary["jaspar_release"] == "JASPAR2026" and summary["n_motifs"] == 1019
    assert summary["threshold"] == {"above_mean": True, "min_factor": 1.0, "quantile": None}
    bed = [line.split("\t") for line in (out / "regions.bed").read_text().splitlines()]
    fasta = (out / "regions.fa").read_text().count(">")
    assert len(bed) == summary["n_regions"] == fasta
    assert all(int(e) - int(s) >= 8 for _, s, e, *_ in bed)
    table = pd.read_csv(out / "enrichment.tsv", sep="\t")
    assert len(table) == 1019 and table["p_value"].between(0, 1).all() and (table["q_value"] >= table["p_value"]).all()
    html = (out / "report.html").read_text()
    assert "<img src='enrichment.png'" in html and "Top motifs" in html


@pytest.mark.parametrize("args, message", [
    (["--check", "motifs"], "unknown check 'motifs'"),
    (["--method", "saliency"], "unknown method 'saliency'"),
    (["--results", "missing.json", "--check", "planted"], "does not exist"),
    (["--results", "x.json"], "--results needs --check planted"),
])
def test_user_errors_are_one_line(fitted, tmp_path, args, message):
    res = invoke("interpret", "--model", fitted["model"], "--task", fitted["task"], "--out", tmp_path / "o", *args)
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_check_planted_after_probe_fine_tuning(fitted, tmp_path):
    """--probe-epochs over two seeds and three methods: per seed, the saved model is trained afresh
    for 1 epoch on planted-vs-shuffled CTCF probes from 40 of the training sequences (4 pairs each),
    then scored on the 40 held-out ones. Plumbing only (one epoch is not enough to learn the motif);
    test_interpret_planted is the known-answer check, docs/interpretation.md the measured figures."""
    res = invoke("interpret", "--model", fitted["model"], "--task", fitted["task"], "--method", "ig,gradxinput,attention",
                 "--check", "planted", "--motifs", "MA0139", "--probe-epochs", 1, "--probe-backgrounds", 40,
                 "--seeds", 2, "--ig-steps", 8, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    block = json.loads((tmp_path / "interpretation.json").read_text())
    assert block["n_sequences"] == 80 and block["seeds"] == [0, 1]  # 40 planted probes per seed
    assert block["motifs"] == ["MA0139.2"] and block["method"] == "ig" and block["probe_epochs"] == 1
    assert block["task_label"] == f"ig on {fitted['task']}, probe-tuned 1 ep."
    assert all(0.0 <= block[k] <= 1.0 for k in ("planted_auroc", "random_auroc", "fimo_recovery"))
    assert set(block["recovery"]["methods"]) == {"ig", "gradxinput", "attention"}
    assert block["recovery"]["methods"]["ig"]["planted_auroc"]["sd"] is not None  # sd over the two seeds
    table = (tmp_path / "planted.md").read_text()
    assert "| ig | MA0139.2 CTCF | 2 | 40 |" in table and "| attention | all | 2 | 40 |" in table
    assert (tmp_path / "interpretation.parquet").is_file() and "planted AUROC" in res.output
