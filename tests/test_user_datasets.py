"""A user's own FASTA + BED: build with `bench data build intervals`, inspect, and load as a task."""
from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from benchmark.tasks import load_task
from phenoseq.cli import app


def _inputs(tmp_path):
    rng = np.random.default_rng(3)
    seq = "".join(rng.choice(list("ACGT"), size=60_000))
    (tmp_path / "g.fa").write_text(">chrZ\n" + "\n".join(seq[i:i + 70] for i in range(0, len(seq), 70)) + "\n")
    lines = [f"chrZ\t{i * 1000}\t{i * 1000 + 400}\t{'enh' if i % 2 else 'ctrl'}\t0\t{'+-'[i % 3 == 0]}" for i in range(50)]
    (tmp_path / "l.bed").write_text("\n".join(lines) + "\n")
    return tmp_path / "g.fa", tmp_path / "l.bed"


def test_build_info_and_load_user_dataset(tmp_path):
    fasta, bed = _inputs(tmp_path)
    cache = tmp_path / "cache"
    runner = CliRunner()
    res = runner.invoke(app, ["data", "build", "intervals", "--fasta", str(fasta), "--bed", str(bed), "--name", "my_task",
                              "--cache-dir", str(cache)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["data", "info", "my_task", "--cache-dir", str(cache)])
    assert res.exit_code == 0, res.output
    assert "enh" in res.output and "ctrl" in res.output
    res = runner.invoke(app, ["data", "ls", "--cache-dir", str(cache)])
    assert "my_task" in res.output
    task = load_task("my_task/binary", cache_dir=cache)
    assert task.label_names == ["ctrl", "enh"] and task.source == "user" and not task.synthetic
    assert sum(len(task.data[s]) for s in task.data) == 50
    res = runner.invoke(app, ["data", "info", "no_such_thing", "--cache-dir", str(cache)])
    assert res.exit_code == 2 and "unknown dataset 'no_such_thing'" in res.output
