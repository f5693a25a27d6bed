"""Every command, given bad input, exits 2 with exactly one line and writes nothing (issue 11).

The cases are `benchmarks/reliability.py`'s `BAD_INPUTS` (the script runs them as real child
processes for docs/reliability.md); here they run in-process against the session's demo cache.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import reliability as rel  # noqa: E402

from phenoseq.cli import app  # noqa: E402


def leaf_commands(command, prefix: str = "") -> set[str]:
    """Every runnable `bench` command path (a group with its own callback counts too)."""
    name = f"{prefix} {command.name}".strip() if prefix or command.name != "bench" else ""
    subs = getattr(command, "commands", None)
    if not subs:
        return {name}
    found = {name} if getattr(command, "invoke_without_command", False) and name else set()
    for sub in subs.values():
        found |= leaf_commands(sub, name)
    return found


def test_every_command_has_bad_input_cases():
    assert leaf_commands(get_command(app)) == set(rel.COMMANDS)
    covered = {rel.case_command(c) for c in rel.BAD_INPUTS}
    assert covered == set(rel.COMMANDS)
    assert len(rel.BAD_INPUTS) >= 60 and len({c.name for c in rel.BAD_INPUTS}) == len(rel.BAD_INPUTS)


@pytest.fixture(scope="module")
def bench_dirs(tmp_path_factory, demo_cache):
    root = tmp_path_factory.mktemp("bad_inputs")
    inputs = rel.make_inputs(root / "inputs")
    (root / "cwd").mkdir()
    return {"inputs": inputs, "cache": demo_cache, "store": root / "store", "cwd": root / "cwd"}


@pytest.mark.parametrize("case", rel.BAD_INPUTS, ids=[c.name for c in rel.BAD_INPUTS])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(case, bench_dirs, monkeypatch):
    monkeypatch.setenv("PHENOSEQ_CACHE", str(bench_dirs["cache"]))
    monkeypatch.setenv("PHENOSEQ_LEADERBOARD", str(bench_dirs["store"]))
    monkeypatch.chdir(bench_dirs["cwd"])

    def invoke(args: list[str]) -> tuple[int, str, str]:
        r = CliRunner().invoke(app, args)
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            raise r.exception  # a traceback: show it
        return r.exit_code, r.stdout, r.stderr

    o = rel.check_case(case, bench_dirs["inputs"], bench_dirs["cache"], bench_dirs["store"], bench_dirs["cwd"], invoke)
    assert o.exit_code == 2, o
    assert o.stdout == "" and len(o.lines) == 1, o
    assert o.matched, f"{o.lines[0]!r} does not match {case.expect!r}"
    assert o.left == [], o.left
    assert not o.traceback
