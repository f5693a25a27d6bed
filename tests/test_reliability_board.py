"""Issue 11, board: crafted submissions refused or rendered safely, cheap checks first, interpretation
numbers recomputed or marked self-reported, the store heals what a kill left, racing submits."""
from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from baselines.kmer_lr import KmerLRPredictor
from baselines.majority import MajorityPredictor
from benchmark.runner import run_predictor
from leaderboard import validate as validate_mod
from leaderboard.render import board, md_text, plot_task, render
from leaderboard.store import ResultsStore, StoreError, submit
from leaderboard.validate import SubmissionError, validate_submission

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import reliability as rel  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def honest(tiny_task, tmp_path_factory):
    out = tmp_path_factory.mktemp("honest")
    _, path = run_predictor(lambda s: KmerLRPredictor(), tiny_task, [0, 1], out, {"baseline": "kmer-lr"})
    return path


@pytest.fixture()
def suite_is_tiny(monkeypatch, tiny_task):
    """The tiny task stands in for a suite task (loaded as `bench submit` loads one)."""
    calls = []

    def load(task_id, source):
        calls.append((task_id, source))
        return tiny_task

    monkeypatch.setattr(validate_mod, "_load_local_task", load)
    monkeypatch.setattr(validate_mod, "suite_tasks", lambda: {tiny_task.id})
    monkeypatch.setattr(validate_mod, "BOARD_SOURCES", (*validate_mod.BOARD_SOURCES, tiny_task.source))
    return calls


def test_crafted_submissions_are_refused_or_rendered_safely(honest, suite_is_tiny, tmp_path):
    figure = rel.crafted_submissions(honest, tmp_path / "crafted")
    assert figure["failed"] == [] and figure["submissions"] == len(rel.CRAFTED) >= 30
    assert figure["refused"] >= 20 and figure["rendered"] >= 8


def test_one_class_results_are_refused(tiny_task, tmp_path):
    from datasets import DatasetDict

    test = tiny_task.data["test"].filter(lambda r: r["label"] == 0)
    one = type(tiny_task)(**{**tiny_task.__dict__, "data": DatasetDict({**tiny_task.data, "test": test})})
    _, path = run_predictor(lambda s: MajorityPredictor(), one, [0], tmp_path, {})
    with pytest.raises(SubmissionError, match=r"^the test split of tiny/binary holds 1 class\(es\): metrics on it mean nothing$"):
        validate_submission(path, task=one)


def test_cheap_checks_run_before_any_task_is_loaded(honest, suite_is_tiny, tmp_path):
    bad = rel.craft(honest, tmp_path / "csv", rel.Craft("csv", lambda r: r.update(task="csv:/etc/passwd")))
    with pytest.raises(SubmissionError, match=r"^task 'csv:/etc/passwd' is not a suite task"):
        submit(bad, ResultsStore(tmp_path / "store"))
    bad = rel.craft(honest, tmp_path / "fp", rel.Craft("fp", lambda r: r.update(dataset_fingerprint="abc")))
    with pytest.raises(SubmissionError, match=r"is not a sha256"):
        submit(bad, ResultsStore(tmp_path / "store"))
    assert suite_is_tiny == []  # nothing was built or loaded
    submit(honest, ResultsStore(tmp_path / "store"))
    assert suite_is_tiny == [("tiny/binary", "synthetic-fixture")]


def test_no_error_echoes_the_content_of_a_local_file(honest, suite_is_tiny, tmp_path):
    """The old failure: task `csv:<any path>` made the validator read the file and echo it ('found: vm')."""
    secret = tmp_path / "secret.csv"
    secret.write_text("password,hunter2\n")
    bad = rel.craft(honest, tmp_path / "s", rel.Craft("csv", lambda r: r.update(task=f"csv:{secret}")))
    with pytest.raises(SubmissionError) as exc:
        submit(bad, ResultsStore(tmp_path / "store"))
    assert "hunter2" not in str(exc.value) and "password" not in str(exc.value)


def test_recomputed_planted_auroc_matches_the_interpretation_module():
    import pandas as pd

    from benchmark.interpret.planted import sequence_auroc

    rng = np.random.default_rng(0)
    rows = []
    for i in range(12):
        a = rng.normal(size=120)
        a[30 + i: 45 + i] += rng.uniform(0, 2)
        if i == 3:
            a[5] = np.nan
        rows.append({"id": f"p{i}", "motif_id": "m", "site_start": 30 + i, "site_end": 45 + i, "attribution": a})
    frame = pd.DataFrame(rows)
    expected = np.mean([sequence_auroc(r["attribution"], r["site_start"], r["site_end"]) for r in rows])
    assert validate_mod.planted_auroc_from_examples(frame) == pytest.approx(expected, abs=1e-12)


def test_board_marks_interpretation_numbers(tmp_path):
    rows = [_row("a", "p", {"planted_auroc": 0.9, "fimo_recovery": 0.5, "verified": {"planted_auroc": "recomputed",
                                                                                       "fimo_recovery": "self-reported"}}),
            _row("b", "q", {"planted_auroc": 0.7})]
    md = render(rows, tmp_path, "md", generated_at="G").read_text()
    assert "| 0.9000 (recomputed) | — | 0.5000 (self-reported) |" in md and "| 0.7000 (self-reported) | — | — |" in md
    data = json.loads(render(rows, tmp_path, "json", generated_at="G").read_text())
    entry = data["tasks"]["t/x"]["entries"][0]
    assert entry["interpretation"]["verified"]["planted_auroc"] == "recomputed"


def _row(entry_id, model, interpretation=None):
    summary = {m: {"mean": 0.5, "sd": 0.0, "n": 1} for m in ("accuracy", "f1_macro", "mcc", "auroc")}
    return {"entry_id": entry_id, "task": "t/x", "model_id": model, "revision": None, "n_params": 1, "adapter": None,
            "random_init": False, "n_seeds": 1, "fingerprint": "f", "source": "demo", "synthetic": True,
            "submitted_at": "2026-01-01T00:00:00Z", "summary": summary, "interpretation": interpretation}


def test_mathtext_model_names_do_not_break_the_plot(tmp_path):
    """The old failure: `$...$` in a model name made matplotlib parse mathtext and the whole board crash."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.mathtext import MathTextParser

    names = ["$\\frac{a}{b$", "$x^$", "$$", "\\begin{x}"]
    with pytest.raises(ValueError):  # what the old plot did with these names
        MathTextParser("agg").parse(names[0])
    info = board([_row(str(i), n) for i, n in enumerate(names)])["t/x"]
    path = plot_task("t/x", info, tmp_path / "p.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_markdown_text_is_escaped():
    assert md_text("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    assert md_text("![i](http://e/x.png)") == "\\!\\[i\\](http://e/x.png)"
    assert md_text("a|b $x$ *y* _z_ `c` ~~d~~\nline") == "a\\|b \\$x\\$ \\*y\\* \\_z\\_ \\`c\\` \\~\\~d\\~\\~ line"


# --- the store ---------------------------------------------------------------------------------------
def test_store_heals_unindexed_and_skips_deleted_entries(honest, tiny_task, tmp_path):
    store = ResultsStore(tmp_path / "store")
    first = store.add(validate_submission(honest, task=tiny_task))
    other = rel.craft(honest, tmp_path / "o", rel.Craft("o", rel._set_model("other/model")))
    second = store.add(validate_submission(other, task=tiny_task))
    con = sqlite3.connect(store.index_path)
    con.execute("DELETE FROM entries WHERE entry_id = ?", (second.entry_id,))  # a submit killed before indexing
    con.commit()
    con.close()
    assert {r["entry_id"] for r in store.rows()} == {first.entry_id, second.entry_id}
    import shutil

    shutil.rmtree(store.entries_dir / first.entry_id)  # an entry deleted by hand
    assert [r["entry_id"] for r in store.rows()] == [second.entry_id]
    store.index_path.unlink()  # a lost index is rebuilt from entries/
    assert [r["entry_id"] for r in store.rows()] == [second.entry_id]
    again = store.add(validate_submission(honest, task=tiny_task))  # resubmitting the deleted one stores it again
    assert again.created and len(store.rows()) == 2


def test_corrupt_index_is_one_line(tmp_path):
    store = ResultsStore(tmp_path / "store")
    store.root.mkdir()
    store.index_path.write_bytes(b"garbage" * 100)
    with pytest.raises(StoreError, match=r"index\.sqlite: corrupt results index \(file is not a database\); delete it, "
                                         r"it is rebuilt from .*entries on the next run$"):
        store.rows()


def test_concurrent_submits_lose_nothing(honest, tmp_path):
    from conftest import make_tiny_task

    figure = rel.concurrent_submits(honest, tmp_path / "race", per_worker=5, overlap=2, task_factory=make_tiny_task)
    assert figure["lost"] == 0 and figure["stored_twice"] == 0 and figure["integrity"] == "ok"
    assert figure["entries"] == figure["indexed"] == figure["distinct_expected"] == 8 == figure["rebuild_index"]
    assert figure["tmp_left"] == 0


def _submit_without_lock(store_root: str, path: str) -> None:
    import contextlib

    from conftest import make_tiny_task

    from leaderboard.store import ResultsStore, submit

    store = ResultsStore(store_root)
    store.lock = contextlib.nullcontext()  # what the store would do without its lock
    submit(path, store, task=make_tiny_task())


def test_the_lock_test_would_catch_a_store_without_lock(honest, tmp_path):
    """Counterpart of test_leaderboard's lock test: with the lock removed, the child publishes while the
    parent holds the lock - so that test fails on a store that does not lock."""
    store = ResultsStore(tmp_path / "store")
    store.root.mkdir()
    ctx = mp.get_context("spawn")
    with store.lock:
        proc = ctx.Process(target=_submit_without_lock, args=(str(store.root), str(honest)))
        proc.start()
        proc.join(timeout=180)
        assert proc.exitcode == 0
        assert len(list(store.entries_dir.iterdir())) == 1  # published although the lock was held


# --- start-up -------------------------------------------------------------------------------------------
def test_cli_start_imports_no_heavy_module(tmp_path):
    code = ("import sys, phenoseq.cli; print(sorted(m for m in ('torch', 'transformers', 'datasets', 'pandas', "
            "'matplotlib', 'sklearn', 'numpy', 'pyarrow', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"


def test_submit_refused_by_cheap_checks_imports_no_heavy_module(tmp_path):
    inputs = rel.make_inputs(tmp_path / "in")
    code = ("import sys; from typer.testing import CliRunner; from phenoseq.cli import app; "
            f"r = CliRunner().invoke(app, ['submit', {str(inputs / 'subs' / 'csvtask.json')!r}, '--store', {str(tmp_path / 's')!r}]); "
            "print(r.exit_code, sorted(m for m in ('torch', 'transformers', 'datasets', 'pandas', 'matplotlib', 'sklearn') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "2 []", out


def test_mathtext_model_names_do_not_break_the_audit_plot(tmp_path):
    """The leakage-audit plot draws submitted model names and the task as plain text as well."""
    from leaderboard.audit import plot_audit

    stats = {"mean": 0.5, "sd": 0.1, "n": 2}
    models = [{"name": name, "summary": {v: {"mcc": stats, "accuracy": stats} for v in ("grouped", "random")},
               "inflation": {"mcc": {"mean": 0.1}, "accuracy": {"mean": -0.1}}}
              for name in ("$\\frac{a}{b$", "$x^$", "$$")]
    path = plot_audit({"task": "$t/x$", "models": models, "dataset": {"synthetic": True}}, tmp_path / "a.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
