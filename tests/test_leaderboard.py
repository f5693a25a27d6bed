"""Leaderboard: re-scored submissions, every rejection, racing submits, the rendered board, Hub push."""
from __future__ import annotations

import json
import multiprocessing as mp
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import make_tiny_task
from typer.testing import CliRunner

from baselines.kmer_lr import KmerLRPredictor
from baselines.majority import MajorityPredictor
from benchmark.runner import run_predictor
from leaderboard import cli as board_cli
from leaderboard import validate as validate_mod
from leaderboard.push import push
from leaderboard.render import board, render, render_markdown
from leaderboard.store import ResultsStore, submit
from leaderboard.validate import Limits, SubmissionError, validate_submission
from loaders.core.files import sha256_file
from phenoseq.cli import new_app

INTERPRETATION = {"method": "integrated_gradients", "planted_auroc": 0.91, "random_auroc": 0.52, "fimo_recovery": 0.75,
                  "n_sequences": 40, "motifs": ["MA0108.3"]}


@pytest.fixture(scope="module")
def honest(tiny_task, tmp_path_factory):
    """Harness results (3 seeds) of two baselines on the tiny task; kmer-lr carries an interpretation block."""
    out = tmp_path_factory.mktemp("results")
    made = {}
    for name, cls in (("majority", MajorityPredictor), ("kmer-lr", KmerLRPredictor)):
        results, path = run_predictor(lambda s, cls=cls: cls(), tiny_task, [0, 1, 2], out, {"baseline": name})
        if name == "kmer-lr":
            results["interpretation"] = INTERPRETATION
            path.write_text(json.dumps(results, indent=2))
        made[name] = (results, path)
    return made


def copy_submission(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    res = json.loads(src.read_text())
    pred = res["seeds"][0]["predictions"]["file"]
    shutil.copy(src.parent / pred, dst / pred)
    shutil.copy(src, dst / src.name)
    return dst / src.name


def craft(src: Path, dst: Path, edit_json=None, edit_frame=None) -> Path:
    """A copy of a submission with the JSON and/or the predictions edited (sha256 kept consistent)."""
    path = copy_submission(src, dst)
    res = json.loads(path.read_text())
    pred_path = path.parent / res["seeds"][0]["predictions"]["file"]
    if edit_frame:
        frame = pd.read_parquet(pred_path)
        frame = edit_frame(frame)
        frame.to_parquet(pred_path, index=False)
        for s in res["seeds"]:
            s["predictions"]["sha256"] = sha256_file(pred_path)
            s["predictions"]["rows"] = int((frame["seed"] == s["seed"]).sum())
    if edit_json:
        edit_json(res)
    path.write_text(json.dumps(res, indent=2))
    return path


def assert_store_empty(store: ResultsStore) -> None:
    assert store.rows() == []
    assert not store.entries_dir.exists() or list(store.entries_dir.iterdir()) == []
    assert not (store.root / "tmp").exists() or list((store.root / "tmp").iterdir()) == []


# --- honest submissions ------------------------------------------------------------------------
def test_honest_submission_is_accepted_with_the_harness_metrics(honest, tiny_task, tmp_path) -> None:
    store = ResultsStore(tmp_path / "store")
    for name, (results, path) in honest.items():
        sub = validate_submission(path, task=tiny_task)
        assert [s["metrics"] for s in sub.results["seeds"]] == [s["metrics"] for s in results["seeds"]]
        assert sub.results["summary"] == results["summary"]
        stored = store.add(sub)
        assert stored.created
        entry = store.read_entry(stored.entry_id)
        assert entry["summary"] == results["summary"] and entry["leaderboard"]["rescored"] is True
    rows = {r["model_id"]: r for r in store.rows()}
    assert rows["baseline/majority"]["summary"]["accuracy"] == {"mean": 8 / 24, "sd": 0.0, "n": 3}
    assert rows["baseline/majority"]["summary"]["mcc"]["mean"] == 0.0
    assert rows["baseline/kmer-lr"]["interpretation"]["planted_auroc"] == 0.91
    assert rows["baseline/majority"]["synthetic"] is True and rows["baseline/majority"]["n_seeds"] == 3
    again = submit(honest["majority"][1], store, task=tiny_task)  # same content: stored once
    assert not again.created and len(store.rows()) == 2


def test_results_of_an_older_schema_still_validate_and_submit(honest, tiny_task, tmp_path) -> None:
    """A `phenoseq-results/1` file (written before `log_loss` existed) is accepted: its own metrics are compared,
    and it is stored re-scored with every current metric, as the current schema."""
    results, src = honest["kmer-lr"]

    def as_v1(res: dict) -> None:
        res["schema"] = "phenoseq-results/1"
        for s in res["seeds"]:
            s["metrics"].pop("log_loss")
        res["summary"].pop("log_loss")

    old = craft(src, tmp_path / "v1", edit_json=as_v1)
    sub = validate_submission(old, task=tiny_task)
    assert sub.results["schema"] == "phenoseq-results/2" and sub.results["summary"] == results["summary"]
    assert sub.results["summary"]["log_loss"]["n"] == 3
    store = ResultsStore(tmp_path / "store")
    entry = store.read_entry(store.add(sub).entry_id)
    assert entry["summary"]["log_loss"] == results["summary"]["log_loss"]
    lying = craft(src, tmp_path / "v1-lying", edit_json=lambda r: (as_v1(r), r["seeds"][0]["metrics"].update(mcc=0.99)))
    with pytest.raises(SubmissionError, match=r"^seed 0: reported mcc 0\.99 differs from re-computed"):
        validate_submission(lying, task=tiny_task)
    current_without = craft(src, tmp_path / "v2", edit_json=lambda r: r["seeds"][0]["metrics"].pop("log_loss"))
    with pytest.raises(SubmissionError, match=r"^seed 0: reported metrics lack 'log_loss'$"):
        validate_submission(current_without, task=tiny_task)


def test_submitted_label_column_is_never_trusted(honest, tiny_task, tmp_path) -> None:
    results, src = honest["kmer-lr"]
    path = craft(src, tmp_path / "s", edit_frame=lambda f: f.assign(label=1 - f["label"], pred=0))
    sub = validate_submission(path, task=tiny_task)
    assert sub.results["summary"] == results["summary"]
    truth = dict(zip(tiny_task.data["test"]["id"], tiny_task.data["test"]["label"]))
    assert (sub.predictions["label"] == sub.predictions["id"].map(truth)).all()


# --- rejections --------------------------------------------------------------------------------
def _first_row(seed: int = 0):
    def pick(f: pd.DataFrame) -> int:
        return int(np.flatnonzero(f["seed"].to_numpy() == seed)[0])
    return pick


def _set(col: str, value):
    def edit(f: pd.DataFrame) -> pd.DataFrame:
        f = f.copy()
        f.loc[_first_row()(f), col] = value
        return f
    return edit


def _bump(col: str, delta: float):
    def edit(f: pd.DataFrame) -> pd.DataFrame:
        f = f.copy()
        f.loc[_first_row()(f), col] += delta
        return f
    return edit


REJECTIONS = {
    "wrong fingerprint": (dict(edit_json=lambda r: r.update(dataset_fingerprint="0" * 64)),
                          r"^dataset_fingerprint 000000000000… does not match the local build of tiny/binary \([0-9a-f]{12}…\)$"),
    "missing fingerprint": (dict(edit_json=lambda r: r.pop("dataset_fingerprint")), r"^missing dataset_fingerprint$"),
    "missing test id": (dict(edit_frame=lambda f: f.drop(index=_first_row()(f))), r"^seed 0: 1 missing test id\(s\), e\.g\. 'tiny:chr1:"),
    "duplicate test id": (dict(edit_frame=lambda f: pd.concat([f, f.iloc[[_first_row()(f)]]], ignore_index=True)),
                          r"^seed 0: 1 duplicate test id\(s\), e\.g\. 'tiny:chr1:"),
    "unknown test id": (dict(edit_frame=_set("id", "tiny:chr9:bogus")), r"^seed 0: 1 unknown test id\(s\), e\.g\. 'tiny:chr9:bogus'$"),
    "NaN probability": (dict(edit_frame=_set("prob_0", float("nan"))), r"^seed 0: probabilities are NaN or infinite for 1 row\(s\)"),
    "rows not summing to 1": (dict(edit_frame=_bump("prob_1", -0.1)), r"^seed 0: probabilities of 1 row\(s\) do not sum to 1, e\.g\. id '.*' sums to 0\.9$"),
    "reported metric differs": (dict(edit_json=lambda r: r["seeds"][1]["metrics"].update(accuracy=r["seeds"][1]["metrics"]["accuracy"] + 0.01)),
                                r"^seed 1: reported accuracy 0\.34333\S* differs from re-computed 0\.3333333333333333$"),
    "reported summary differs": (dict(edit_json=lambda r: r["summary"]["mcc"].update(mean=0.5)),
                                 r"^summary: reported mcc mean 0\.5 differs from re-computed 0\.0$"),
    "metric missing": (dict(edit_json=lambda r: r["seeds"][0]["metrics"].pop("auroc")), r"^seed 0: reported metrics lack 'auroc'$"),
    "unknown schema version": (dict(edit_json=lambda r: r.update(schema="phenoseq-results/99")),
                               r"^unknown schema version 'phenoseq-results/99' \(expected 'phenoseq-results/2' or older\)$"),
    "path traversal": (dict(edit_json=lambda r: [s["predictions"].update(file="../../etc/evil.parquet") for s in r["seeds"]]),
                       r"^unsafe predictions file name '\.\./\.\./etc/evil\.parquet' \(must be a plain \*\.parquet name beside the JSON\)$"),
    "absolute path": (dict(edit_json=lambda r: [s["predictions"].update(file="/tmp/x.parquet") for s in r["seeds"]]),
                      r"^unsafe predictions file name '/tmp/x\.parquet'"),
    "too many prediction rows": (dict(edit_frame=lambda f: pd.concat([f] * 3, ignore_index=True)),
                                 r"^predictions too large: 216 rows x 6 columns \(at most 144 rows, 18 columns for this task\)$"),
    "wrong task": (dict(edit_json=lambda r: r.update(task="herv_classification/binary")),
                   r"^results are for task 'herv_classification/binary', not 'tiny/binary'$"),
}


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_crafted_submission_is_rejected_and_nothing_stored(case, honest, tiny_task, tmp_path) -> None:
    edits, pattern = REJECTIONS[case]
    path = craft(honest["majority"][1], tmp_path / "sub", **edits)
    store = ResultsStore(tmp_path / "store")
    with pytest.raises(SubmissionError) as exc:
        submit(path, store, task=tiny_task)
    message = str(exc.value)
    assert "\n" not in message
    assert re.search(pattern, message), message
    assert_store_empty(store)


@pytest.mark.parametrize("limits, pattern", [
    (Limits(max_json_bytes=1000), r"^results JSON too large: \d+ bytes \(limit 1000\)$"),
    (Limits(max_predictions_bytes=1000), r"^predictions file too large: \d+ bytes \(limit 1000\)$"),
    (Limits(max_seeds=2), r"^too many seeds: 3 \(limit 2\)$"),
])
def test_oversized_inputs_are_rejected(limits, pattern, honest, tiny_task, tmp_path) -> None:
    store = ResultsStore(tmp_path / "store")
    with pytest.raises(SubmissionError, match=pattern):
        submit(honest["majority"][1], store, task=tiny_task, limits=limits)
    assert_store_empty(store)


def test_predictions_edited_after_writing_fail_the_sha256(honest, tiny_task, tmp_path) -> None:
    path = copy_submission(honest["majority"][1], tmp_path / "s")
    pred = path.parent / json.loads(path.read_text())["seeds"][0]["predictions"]["file"]
    frame = pd.read_parquet(pred)
    frame.loc[0, ["prob_0", "prob_1"]] = [1.0, 0.0]
    frame.to_parquet(pred, index=False)
    with pytest.raises(SubmissionError, match=r"does not match the sha256 recorded in the results$"):
        validate_submission(path, task=tiny_task)


def test_predictions_symlink_is_rejected(honest, tiny_task, tmp_path) -> None:
    path = copy_submission(honest["majority"][1], tmp_path / "s")
    pred = path.parent / json.loads(path.read_text())["seeds"][0]["predictions"]["file"]
    outside = tmp_path / "outside.parquet"
    pred.rename(outside)
    pred.symlink_to(outside)
    with pytest.raises(SubmissionError, match=r"must be a regular file beside the JSON, not a link$"):
        validate_submission(path, task=tiny_task)


# --- concurrency -------------------------------------------------------------------------------
def _race_worker(store_root: str, paths: list[str], barrier) -> list[tuple[str, bool]]:
    from conftest import make_tiny_task

    from leaderboard.store import ResultsStore, submit

    task, store = make_tiny_task(), ResultsStore(store_root)
    barrier.wait(timeout=120)
    return [(s.entry_id, s.created) for s in (submit(p, store, task=task) for p in paths)]


def test_racing_submits_do_not_corrupt_the_store(honest, tmp_path) -> None:
    src = honest["kmer-lr"][1]
    paths = [str(craft(src, tmp_path / f"m{i}", edit_json=lambda r, i=i: r["model"].update(id=f"race/model-{i}")))
             for i in range(8)]
    jobs = [paths[:4] + paths[4:6], paths[:4] + paths[6:]]  # both submit m0..m3 at the same moments
    store_root = str(tmp_path / "store")
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(2)
        with ctx.Pool(2) as pool:
            outcomes = pool.starmap(_race_worker, [(store_root, job, barrier) for job in jobs], chunksize=1)
    assert [len(o) for o in outcomes] == [6, 6]
    created = {}
    for out in outcomes:
        for entry_id, was_created in out:
            created[entry_id] = created.get(entry_id, 0) + was_created
    assert len(created) == 8 and set(created.values()) == {1}  # each stored exactly once
    store = ResultsStore(store_root)
    rows = store.rows()
    assert sorted(r["model_id"] for r in rows) == [f"race/model-{i}" for i in range(8)]
    con = sqlite3.connect(store.index_path)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    dirs = sorted(p.name for p in store.entries_dir.iterdir())
    assert dirs == sorted(r["entry_id"] for r in rows) == sorted(created)
    for d in dirs:
        entry = store.read_entry(d)
        assert sha256_file(store.entries_dir / d / "predictions.parquet") == entry["seeds"][0]["predictions"]["sha256"]
    assert list((store.root / "tmp").iterdir()) == []
    assert store.rebuild_index() == 8 and len(store.rows()) == 8


def _submit_one(store_root: str, path: str) -> None:
    from conftest import make_tiny_task

    from leaderboard.store import ResultsStore, submit

    submit(path, ResultsStore(store_root), task=make_tiny_task())


def test_a_submit_waits_for_the_store_lock_before_publishing(honest, tmp_path) -> None:
    store = ResultsStore(tmp_path / "store")
    store.root.mkdir()
    ctx = mp.get_context("spawn")
    with store.lock:  # another writer holds the store
        proc = ctx.Process(target=_submit_one, args=(str(store.root), str(honest["majority"][1])))
        proc.start()
        staged = store.root / "tmp"
        for _ in range(600):  # the child validates and stages its entry, then blocks on the lock
            if staged.is_dir() and any(staged.iterdir()):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        assert proc.is_alive() and any(staged.iterdir())
        assert not store.entries_dir.exists() or list(store.entries_dir.iterdir()) == []
        assert store.rows() == []
    proc.join(timeout=120)
    assert proc.exitcode == 0
    assert [r["model_id"] for r in store.rows()] == ["baseline/majority"]
    assert list(staged.iterdir()) == []


# --- rendering ---------------------------------------------------------------------------------
def _row(entry_id, task, model, mcc, synthetic=True, interpretation=None, random_init=False):
    summary = {m: {"mean": v, "sd": 0.01, "n": 3} for m, v in
               (("accuracy", 0.5 + mcc / 2), ("f1_macro", 0.4 + mcc / 2), ("mcc", mcc), ("auroc", 0.6 + mcc / 4))}
    return {"entry_id": entry_id, "task": task, "model_id": model, "revision": None, "n_params": 313_410,
            "adapter": "one-hot-cnn", "random_init": random_init, "n_seeds": 3, "fingerprint": "f", "source": "demo",
            "synthetic": synthetic, "submitted_at": "2026-01-01T00:00:00Z", "summary": summary,
            "interpretation": interpretation}


def test_markdown_board_exact() -> None:
    rows = [_row("a1", "t/x", "m|low", 0.2), _row("b2", "t/x", "m/high", 0.6, random_init=True),
            _row("c3", "u/y", "real", 0.4, synthetic=False, interpretation={"planted_auroc": 0.9, "fimo_recovery": 0.5})]
    md = render_markdown(board(rows), plots=True)
    assert md == "\n".join([
        "# PhenoSeq Bench leaderboard", "",
        "## t/x", "",
        "> **Synthetic demo data: these numbers come from a generated toy genome and show the pipeline working; "
        "they say nothing about biology.**", "",
        "| # | Model | Params | Adapter | Seeds | Accuracy | F1 (macro) | MCC | AUROC |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|",
        "| 1 | m/high (random init) | 313.4k | one-hot-cnn | 3 | 0.8000 ± 0.0100 | 0.7000 ± 0.0100 | 0.6000 ± 0.0100 | 0.7500 ± 0.0100 |",
        "| 2 | m\\|low | 313.4k | one-hot-cnn | 3 | 0.6000 ± 0.0100 | 0.5000 ± 0.0100 | 0.2000 ± 0.0100 | 0.6500 ± 0.0100 |",
        "", "![MCC per model, t/x](t_x.png)", "",
        "## u/y", "",
        "| # | Model | Params | Adapter | Seeds | Accuracy | F1 (macro) | MCC | AUROC | Planted-motif AUROC | Random-attribution AUROC | FIMO recovery |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        "| 1 | real | 313.4k | one-hot-cnn | 3 | 0.7000 ± 0.0100 | 0.6000 ± 0.0100 | 0.4000 ± 0.0100 | 0.7000 ± 0.0100 | "
        "0.9000 (self-reported) | — | 0.5000 (self-reported) |",
        "", "![MCC per model, u/y](u_y.png)", "",
        "_Interpretation columns are self-reported by the submitter unless marked \"recomputed\" (planted AUROC "
        "re-computed by the board from the submitted per-base attributions)._", ""])
    assert list(board(rows, task="u/y")) == ["u/y"]


def test_json_board_and_plots(tmp_path) -> None:
    rows = [_row("a1", "t/x", "low", 0.2), _row("b2", "t/x", "high", 0.6)]
    path = render(rows, tmp_path, "json", generated_at="G")
    data = json.loads(path.read_text())
    assert data["generated_at"] == "G"
    assert [(e["rank"], e["model"], e["metrics"]["mcc"]) for e in data["tasks"]["t/x"]["entries"]] == [
        (1, "high", {"mean": 0.6, "sd": 0.01}), (2, "low", {"mean": 0.2, "sd": 0.01})]
    assert data["tasks"]["t/x"]["synthetic"] is True
    md = render(rows, tmp_path, "md")
    assert md.name == "leaderboard.md" and (tmp_path / "t_x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run_chromium(exe: str, url: str, *extra: str) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="phenoseq-chromium-")
    try:
        return subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={profile}", *extra, url],
            capture_output=True, text=True, timeout=90)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_html_board_in_headless_chromium(honest, tiny_task, tmp_path) -> None:
    exe = _chromium()
    if exe is None:
        pytest.skip("chromium is not installed (scripts/system-deps.sh installs it with apt-get)")
    store = ResultsStore(tmp_path / "store")
    ids = {name: submit(path, store, task=tiny_task).entry_id for name, (_, path) in honest.items()}
    page = render(store.rows(), tmp_path / "site", "html")
    assert page.name == "index.html" and (tmp_path / "site" / "tiny_binary.png").is_file()
    url = page.resolve().as_uri()

    dom = _run_chromium(exe, url, "--virtual-time-budget=3000", "--dump-dom").stdout
    assert '<body data-ready="1">' in dom                       # the inline script ran to the end
    assert re.search(r'<img src="tiny_binary\.png"[^>]*data-loaded="1"', dom)  # the plot loaded
    assert "Synthetic demo data" in dom and 'class="badge">synthetic' in dom
    assert re.findall(r'<tr data-entry="([0-9a-f]+)"', dom) == [ids["kmer-lr"], ids["majority"]]  # ranked by MCC
    heads = re.findall(r'<th data-key="([a-z0-9_]+)"', dom)
    assert heads == ["rank", "model", "n_params", "adapter", "seeds", "accuracy", "f1_macro", "mcc", "auroc",
                     "planted_auroc", "random_auroc", "fimo_recovery"]
    assert ">0.3333 ± 0.0000<" in dom and ">0.9100 (self-reported)<" in dom

    sorted_dom = _run_chromium(exe, url + "?sort=mcc&dir=asc", "--virtual-time-budget=3000", "--dump-dom").stdout
    assert re.findall(r'<tr data-entry="([0-9a-f]+)"', sorted_dom) == [ids["majority"], ids["kmer-lr"]]
    assert re.search(r'<th data-key="mcc" data-type="num" data-first="desc" aria-sort="ascending">', sorted_dom)

    shot = tmp_path / "board.png"
    _run_chromium(exe, url, "--window-size=1200,900", f"--screenshot={shot}")
    import matplotlib.image as mpimg

    img = (mpimg.imread(shot)[..., :3] * 255).round().astype(int)
    assert img.shape == (900, 1200, 3)
    banner = np.all(np.abs(img - [255, 243, 205]) <= 2, axis=-1)  # the yellow synthetic-data banner is painted
    assert banner.sum() > 5000


# --- push --------------------------------------------------------------------------------------
def test_push_uploads_the_staged_store(monkeypatch, honest, tiny_task, tmp_path) -> None:
    from huggingface_hub import HfApi

    store = ResultsStore(tmp_path / "store")
    entry = submit(honest["majority"][1], store, task=tiny_task).entry_id
    calls = []

    def fake_create_repo(self, repo_id, **kwargs):
        calls.append(("create_repo", repo_id, kwargs))

    def fake_upload_folder(self, *, repo_id, folder_path, **kwargs):
        files = sorted(str(p.relative_to(folder_path)) for p in Path(folder_path).rglob("*") if p.is_file())
        board_rows = pd.read_parquet(Path(folder_path) / "leaderboard.parquet")
        calls.append(("upload_folder", repo_id, kwargs, files, board_rows, (Path(folder_path) / "README.md").read_text()))
        return "https://huggingface.co/datasets/org/board/commit/abc"

    monkeypatch.setattr(HfApi, "create_repo", fake_create_repo)
    monkeypatch.setattr(HfApi, "upload_folder", fake_upload_folder)
    assert push(store, "org/board", token="t") == "https://huggingface.co/datasets/org/board/commit/abc"
    assert calls[0] == ("create_repo", "org/board", {"repo_type": "dataset", "private": False, "exist_ok": True})
    _, repo, kwargs, files, board_rows, card = calls[1]
    assert repo == "org/board" and kwargs["repo_type"] == "dataset"
    assert files == ["README.md", f"entries/{entry}/predictions.parquet", f"entries/{entry}/results.json", "leaderboard.parquet"]
    assert board_rows["accuracy_mean"].tolist() == [8 / 24] and board_rows["synthetic"].tolist() == [True]
    assert "data_files: leaderboard.parquet" in card and "synthetic demo data" in card


# --- CLI ---------------------------------------------------------------------------------------
@pytest.fixture()
def bench(monkeypatch, tiny_task):
    monkeypatch.setattr(validate_mod, "_load_local_task", lambda task_id, source: tiny_task)
    monkeypatch.setattr(validate_mod, "suite_tasks", lambda: {tiny_task.id})  # the tiny task stands in for a suite task
    monkeypatch.setattr(validate_mod, "BOARD_SOURCES", (*validate_mod.BOARD_SOURCES, tiny_task.source))
    app = new_app()
    board_cli.register(app)
    return lambda *args: CliRunner().invoke(app, list(args))


def test_bench_submit_and_leaderboard(bench, honest, tmp_path, monkeypatch) -> None:
    store = str(tmp_path / "store")
    r = bench("submit", str(honest["majority"][1]), "--store", store)
    assert r.exit_code == 0, r.output
    assert re.fullmatch(r"accepted: [0-9a-f]{16} · tiny/binary · baseline/majority · accuracy 0\.3333 ± 0\.0000, "
                        r"mcc 0\.0000 ± 0\.0000 \(re-computed\)\n", r.output)
    assert bench("submit", str(honest["majority"][1]), "--store", store).output.startswith("already stored: ")
    bad = craft(honest["kmer-lr"][1], tmp_path / "bad", edit_json=lambda res: res.update(dataset_fingerprint="f" * 64))
    r = bench("submit", str(bad), "--store", store)
    assert r.exit_code == 2 and r.output.startswith("rejected: dataset_fingerprint ffffffffffff… does not match")
    assert r.output.count("\n") == 1
    r = bench("leaderboard", "--store", store, "--format", "md", "--out", str(tmp_path / "site"))
    assert r.exit_code == 0 and r.output == f"leaderboard: {tmp_path / 'site' / 'leaderboard.md'}\n"
    assert "| 1 | baseline/majority | 2 | majority | 3 | 0.3333 ± 0.0000 |" in (tmp_path / "site" / "leaderboard.md").read_text()
    r = bench("leaderboard", "--store", store, "--task", "nope/x", "--out", str(tmp_path / "site"))
    assert r.exit_code == 2 and r.output == "error: no entries for task 'nope/x' in the store\n"
    r = bench("leaderboard", "push", "--repo", "not a repo", "--store", store)
    assert r.exit_code == 2 and r.output == "error: --repo must look like org/name, got 'not a repo'\n"


def test_multiclass_submission_is_rescored(tmp_path) -> None:
    from benchmark.task import Task
    from loaders.core.fingerprint import fingerprint_split
    from loaders.core.schema import features

    base = make_tiny_task()
    names = ["a", "b", "c"]
    data = base.data.map(lambda row, i: {"label": i % 3}, with_indices=True, features=features(names))
    task = Task(id="tiny/three", dataset_name="tiny", config="three", data=data, label_names=names,
                fingerprint=fingerprint_split(data["test"]), source="synthetic-fixture", synthetic=True)
    results, path = run_predictor(lambda s: KmerLRPredictor(), task, [0, 1], tmp_path / "res", {})
    sub = validate_submission(path, task=task)
    assert sub.results["summary"] == results["summary"] and results["model"]["n_params"] == 3 * 5461
    assert list(sub.predictions.columns) == ["id", "seed", "label", "pred", "prob_0", "prob_1", "prob_2"]
    bad = craft(path, tmp_path / "bad", edit_frame=lambda f: f.drop(columns=["prob_2"]))
    with pytest.raises(SubmissionError, match=r"^predictions have 2 probability columns; the task has 3 classes \(prob_0\.\.prob_2\)$"):
        validate_submission(bad, task=task)


def test_shuffled_label_control_is_marked_on_the_board(tiny_task, tmp_path) -> None:
    """A `--shuffle-labels` run is stored beside the real one and labelled as a control."""
    from benchmark.controls import shuffle_train_labels
    from leaderboard.render import model_label

    shuffled = shuffle_train_labels(tiny_task, seed=0)
    _, path = run_predictor(lambda s: KmerLRPredictor(), shuffled, [0], tmp_path / "r",
                            {"baseline": "kmer-lr", "shuffle_labels": True}, stem="shuffled")
    store = ResultsStore(tmp_path / "store")
    store.add(validate_submission(path, task=tiny_task))
    (row,) = store.rows()
    assert row["control"] == "shuffled-labels"
    assert model_label(row) == "baseline/kmer-lr (shuffled labels)"
