"""One user-error base, one handler at the CLI root, one name per option.

Every exception class the packages define derives from `loaders.core.errors.UserError`; only
`phenoseq.cli` turns them into `<label>: <message>` (one line, stderr) and exit 2; a bug (any other
exception) keeps its traceback. `--out` is the one name of an output directory; `--output` is a
hidden, deprecated alias.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import json

import pytest
from test_architecture import module_files
from typer.testing import CliRunner

from baselines import cli as baseline_cli
from loaders.core.errors import UserError
from phenoseq.cli import app, new_app


def bench(*args, target=app):
    return CliRunner().invoke(target, [str(a) for a in args])


def defined_exceptions() -> list[type]:
    """Every exception class defined in the five packages (found by reading their source)."""
    found = []
    for name, path in module_files().items():
        tree = ast.parse(path.read_text())
        classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
        if not classes:
            continue
        module = importlib.import_module(name)
        found += [obj for c in classes if inspect.isclass(obj := getattr(module, c)) and issubclass(obj, BaseException)]
    return found


def test_every_error_class_is_a_user_error():
    classes = defined_exceptions()
    names = {c.__name__ for c in classes}
    assert {"DatasetError", "FormatError", "FetchError", "ClusterError", "TaskError", "ModelError", "AttributionError",
            "MotifError", "BaselineError", "SubmissionError", "PushError", "RemoteError"} <= names
    assert [c.__name__ for c in classes if not issubclass(c, UserError)] == []


def test_no_command_handles_user_errors_itself():
    """No `fail` helpers, no hand-kept tuples of error types, no `except UserError` outside the CLI root."""
    wrong = []
    for name, path in module_files().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") in {"fail", "user_errors"}:
                wrong.append(f"{name}.{node.name}")
            if isinstance(node, ast.ExceptHandler) and node.type is not None and name != "phenoseq.cli":
                caught = ast.unparse(node.type)
                if "UserError" in caught or "user_errors" in caught:
                    wrong.append(f"{name}: except {caught}")
    assert wrong == []


@pytest.mark.parametrize("args, line", [
    (["data", "info", "no_such_thing"], "error: unknown dataset 'no_such_thing'; known datasets: "),
    (["data", "build", "herv_classification", "--param", "oops"], "error: --param expects key=value, got 'oops'"),
    (["data", "build", "herv_classification", "--source", "moon"], "error: unknown source 'moon' (sources: grch38, demo, user)"),
    (["submit", "no/such/results.json"], "rejected: no such results file: no/such/results.json"),
    (["leaderboard", "--format", "pdf"], "error: unknown format 'pdf' (formats: html, md, json)"),
    (["baseline", "nope", "--task", "x/y"], "error: unknown baseline 'nope' (baselines: majority, kmer-lr, cnn, random-init)"),
])
def test_user_errors_are_one_line_and_exit_2(args, line, tmp_path, monkeypatch):
    monkeypatch.setenv("PHENOSEQ_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PHENOSEQ_LEADERBOARD", str(tmp_path / "store"))
    r = bench(*args)
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and r.stderr.count("\n") == 1 and r.stderr.startswith(line), r.stderr
    assert not (tmp_path / "cache" / "datasets").exists()


def test_a_bug_keeps_its_traceback():
    broken = new_app()

    @broken.command("boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    broken.command("noop")(lambda: None)
    r = bench("boom", target=broken)
    assert r.exit_code == 1 and isinstance(r.exception, RuntimeError)


@pytest.fixture()
def baseline_app(monkeypatch, tiny_task):
    monkeypatch.setattr(baseline_cli, "load_task", lambda task, source=None, **_: tiny_task)
    target = new_app()
    baseline_cli.register(target)
    target.command("noop")(lambda: None)
    return target


def test_out_is_the_name_and_output_a_hidden_deprecated_alias(baseline_app, tmp_path):
    r = bench("baseline", "majority", "--task", "tiny/binary", "--seeds", 1, "--out", tmp_path / "a", target=baseline_app)
    assert r.exit_code == 0 and "deprecated" not in r.stderr
    r = bench("baseline", "majority", "--task", "tiny/binary", "--seeds", 1, "--output", tmp_path / "b", target=baseline_app)
    assert r.exit_code == 0 and "note: --output is deprecated; use --out" in r.stderr
    a, b = (json.loads(next((tmp_path / d).glob("*.json")).read_text()) for d in ("a", "b"))
    assert a["summary"] == b["summary"]
    r = bench("baseline", "majority", "--task", "tiny/binary", "--out", tmp_path / "c", "--output", tmp_path / "d",
              target=baseline_app)
    assert r.exit_code == 2 and "disagree; pass only --out" in r.stderr
    for command in ("run", "baseline", "interpret", "leaderboard"):
        help_text = bench(command, "--help").stdout
        assert "--out" in help_text and "--output" not in help_text, command
