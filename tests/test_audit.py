"""Leakage audit: a known-answer task, the seed-0 variants are the builds, the CLI, the board's audit section."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from recipe_checks import fresh_cache
from typer.testing import CliRunner

import loaders
from baselines.registry import from_options
from benchmark.audit import Contender, VARIANTS, load_pool, pool_from_build, run_audit, variant_task
from benchmark.results import read_results

COMP = str.maketrans("ACGT", "TGCA")


def family_csv(path, families: int = 100, copies: int = 4, seed: int = 5):
    """Families of near-identical copies (1 % substitutions, either strand) whose label is a coin flip per family:
    nothing generalises from one family to another, so only a split that leaks copies can be scored above chance."""
    RNG = np.random.default_rng(seed)
    rows = []
    for f in range(families):
        base = RNG.choice(list("ACGT"), 300)
        label = "ab"[int(RNG.integers(0, 2))] if f >= 2 else "ab"[f]
        for c in range(copies):
            seq = base.copy()
            hit = RNG.random(len(seq)) < 0.01
            seq[hit] = RNG.choice(list("ACGT"), int(hit.sum()))
            s = "".join(seq)
            rows.append((f"fam{f:02d}_{c}", s if c % 2 == 0 else s.translate(COMP)[::-1], label))
    path.write_text("id,sequence,label\n" + "".join(f"{i},{s},{lab}\n" for i, s, lab in rows))
    return path


def kmer_lr() -> Contender:
    return Contender("kmer-lr", lambda task, seed: from_options("kmer-lr", task, {}), {"baseline": "kmer-lr"})


@pytest.fixture(scope="module")
def family_audit(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("audit")
    path = family_csv(tmp / "families.csv")
    pool = load_pool(f"csv:{path}")
    audit, out = run_audit(pool, [kmer_lr()], seeds=2, out_dir=tmp / "out")
    return audit, out, pool


def test_known_answer_inflation(family_audit):
    """Labels are random per family: grouped ~ chance, random split well above; inflation > 0.15 on every seed."""
    audit, _, _ = family_audit
    (m,) = audit["models"]
    acc = m["inflation"]["accuracy"]
    assert acc["n"] == 2 and all(v > 0.15 for v in acc["values"]) and acc["mean"] > 0.2
    assert acc["mean"] == pytest.approx(np.mean(acc["values"])) and acc["sd"] == pytest.approx(np.std(acc["values"], ddof=1))
    assert m["summary"]["grouped"]["accuracy"]["mean"] < 0.65 < 0.75 < m["summary"]["random"]["accuracy"]["mean"]
    g = [r["metrics"]["mcc"] for r in m["runs"]["grouped"]]
    r = [r["metrics"]["mcc"] for r in m["runs"]["random"]]
    assert m["inflation"]["mcc"]["values"] == pytest.approx([b - a for a, b in zip(g, r)])
    assert m["inflation"]["log_loss"]["higher_is_better"] is False
    assert set(m["inflation"]) >= {"accuracy", "balanced_accuracy", "f1_macro", "mcc", "auroc", "auprc", "log_loss"}


def test_audit_file_layout_and_variants(family_audit):
    audit, out, pool = family_audit
    assert out.name.endswith("_families.csv.audit.json") and (out.parent / out.name.replace(".audit.json", "")).is_dir()
    assert audit["schema"] == "phenoseq-audit/1" and audit["design"]["seeds"] == [0, 1]
    assert audit["design"]["seed0_grouped_is_the_published_task"] is True
    for v in VARIANTS:
        seeds = audit["variants"][v]["seeds"]
        assert [s["split_seed"] for s in seeds] == [0, 1]
        leaked = [s["test_rows_grouped_with_train"] for s in seeds]
        assert (all(n > 10 for n in leaked) if v == "random" else leaked == [0, 0])
    for v in VARIANTS:
        for run in audit["models"][0]["runs"][v]:
            results, preds = read_results(out.parent / run["results"])
            assert results["dataset_fingerprint"] == run["fingerprint"]
            assert results["dataset"]["split"]["by"] == ("random" if v == "random" else "cluster")
            assert len(preds) == audit["variants"][v]["seeds"][run["seed"]]["rows"]["test"]
    near = audit["nearest"]
    assert near["grouped"]["linked"] == 0 and near["random"]["linked"] > 10
    frame = pd.read_parquet(out.parent / near["file"])
    assert set(frame["variant"]) == set(VARIANTS) and frame.groupby("variant")["linked"].sum().to_dict() == {
        "grouped": 0, "random": near["random"]["linked"]}


@pytest.fixture(scope="module")
def family_builds(tmp_path_factory):
    cache = fresh_cache(tmp_path_factory.mktemp("fam"))
    grouped = loaders.build_dataset("highly_specific_families", source="demo", cache_dir=cache)
    leaky = loaders.build_dataset("highly_specific_families", source="demo", cache_dir=cache, split_by="random")
    return cache, grouped, leaky


def test_seed0_variants_are_the_builds(family_builds):
    """Audit seed 0: the grouped variant is the published build, the random one the split_by=random build."""
    cache, grouped, leaky = family_builds
    pool = pool_from_build("highly_specific_families/binary", source="demo", cache_dir=cache)
    g, r = (json.loads((p / "build.json").read_text())["fingerprints"]["binary"] for p in (grouped, leaky))
    assert variant_task(pool, "grouped", 0).fingerprint == g
    assert variant_task(pool, "random", 0).fingerprint == r
    assert variant_task(pool, "random", 1).fingerprint != r
    assert pool.grouping["stratified_on"] == "base classes"


def test_cli_audit_submit_and_board(family_builds, tmp_path, monkeypatch):
    """`bench audit` on a suite task, `bench audit submit` (re-scored from the local build), the board's section
    (user strings escaped); a tampered run is rejected."""
    from leaderboard.audit import load_audits
    from leaderboard.render import render
    from phenoseq.cli import app

    cache, _, _ = family_builds
    monkeypatch.setenv("PHENOSEQ_CACHE", str(cache))
    runner = CliRunner()
    res = runner.invoke(app, ["audit", "--task", "highly_specific_families/binary", "--source", "demo",
                              "--baseline", "majority,kmer-lr", "--seeds", "2", "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "inflation" in res.output and "kmer-lr" in res.output
    path = tmp_path / "a" / "highly_specific_families_binary.audit.json"
    assert path.with_suffix(".png").is_file()
    audit = json.loads(path.read_text())
    audit["models"][0]["name"] = "<script>alert(1)</script>"  # a hostile name: the board must escape it
    path.write_text(json.dumps(audit))
    store = tmp_path / "store"
    res = runner.invoke(app, ["audit", "submit", str(path), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("accepted: audit ")
    (stored,) = load_audits(store)
    assert stored["rescored"] is True and stored["nearest"]["random"]["test_rows"] > 0
    for m_stored, m_local in zip(stored["models"], audit["models"]):
        assert m_stored["inflation"]["mcc"]["values"] == pytest.approx(m_local["inflation"]["mcc"]["values"])
    page = render([], tmp_path / "site", "html", audits=load_audits(store)).read_text()
    assert 'id="leakage-audit"' in page and "leaks near-identical copies" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    md = render([], tmp_path / "site", "md", audits=load_audits(store)).read_text()
    assert "## Leakage audit" in md and "<script>" not in md
    board = json.loads(render([], tmp_path / "site", "json", audits=load_audits(store)).read_text())
    assert board["audits"][0]["task"] == "highly_specific_families/binary"
    # tamper: a reported metric of one run no longer matches its predictions
    run = tmp_path / "a" / audit["models"][1]["runs"]["random"][0]["results"]
    results = json.loads(run.read_text())
    results["seeds"][0]["metrics"]["mcc"] = 0.123
    run.write_text(json.dumps(results))
    res = runner.invoke(app, ["audit", "submit", str(path), "--store", str(tmp_path / "store2")])
    assert res.exit_code == 2 and res.output.startswith("rejected: seed 0: reported mcc 0.123 differs")
    assert len(res.output.strip().splitlines()) == 1


def test_cli_errors_are_one_line(tmp_path):
    from phenoseq.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["audit", "--baseline", "kmer-lr"])
    assert res.exit_code == 2 and res.output.strip() == "error: bench audit needs --task <dataset>/<config> (or csv:PATH / fasta:PATH)"
    csv = family_csv(tmp_path / "f.csv", families=6, copies=3)
    res = runner.invoke(app, ["audit", "--task", f"csv:{csv}", "--baseline", "nope"])
    assert res.exit_code == 2 and "unknown baseline 'nope'" in res.output
    res = runner.invoke(app, ["audit", "--task", f"csv:{csv}"])
    assert res.exit_code == 2 and "nothing to audit" in res.output


@pytest.mark.usefixtures("torch_one_thread")
def test_cli_audit_fine_tunes_a_model(tmp_path):
    """`--model`: a (tiny, random) Hub-layout model is fine-tuned on both variants like `bench run`."""
    from benchmark.models.tiny import make_tiny_gpt2
    from phenoseq.cli import app

    model = make_tiny_gpt2(tmp_path / "gpt2")
    csv = family_csv(tmp_path / "f.csv", families=30, copies=3)
    res = CliRunner().invoke(app, ["audit", "--task", f"csv:{csv}", "--model", str(model), "--epochs", "1",
                                   "--max-length", "32", "--seeds", "1", "--no-nearest", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    (path,) = (tmp_path / "o").glob("*.audit.json")
    audit = json.loads(path.read_text())
    (m,) = audit["models"]
    assert m["name"] == str(model) and m["config"]["epochs"] == 1.0 and "nearest" not in audit
    assert m["model"]["id"] == str(model) and set(m["runs"]) == set(VARIANTS)
