"""csv:/fasta: tasks without a split column: grouped splits by default (the builds' clustering code), a random
split only with --random-split, and the results record which."""
from __future__ import annotations

import json

import numpy as np
import pytest

from benchmark.byo import load_byo_task
from benchmark.tasks import TaskError, load_task

RNG = np.random.default_rng(11)
COMP = str.maketrans("ACGT", "TGCA")


def rand(n: int) -> str:
    return "".join(RNG.choice(list("ACGT"), n))


def rc(s: str) -> str:
    return s.translate(COMP)[::-1]


def substitute(s: str, every: int) -> str:
    return "".join({"A": "C", "C": "G", "G": "T", "T": "A"}[c] if i % every == 7 else c for i, c in enumerate(s))


def planted_rows() -> tuple[list[tuple[str, str, str]], dict[str, list[str]]]:
    """24 duplicate sets of 6 (base; exact copy; reverse complement; 200 bp piece; reverse complement of a 250 bp
    piece; a copy with 2 % substitutions) and 60 unrelated sequences. Labels alternate inside each set."""
    rows, sets = [], {}
    for k in range(24):
        base = rand(400)
        members = [base, base, rc(base), base[50:250], rc(base[120:370]), substitute(base, 50)]
        ids = [f"set{k:02d}_{j}" for j in range(len(members))]
        sets[f"set{k:02d}"] = ids
        rows += [(i, s, "ab"[(k + j) % 2]) for j, (i, s) in enumerate(zip(ids, members))]
    rows += [(f"solo{k:02d}", rand(int(RNG.integers(200, 500))), "ab"[k % 2]) for k in range(60)]
    order = RNG.permutation(len(rows))
    return [rows[i] for i in order], sets


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    rows, sets = planted_rows()
    path = tmp_path_factory.mktemp("byo") / "planted.csv"
    path.write_text("id,sequence,label\n" + "".join(f"{i},{s},{lab}\n" for i, s, lab in rows))
    fasta = path.with_suffix(".fa")
    fasta.write_text("".join(f">{i} label={lab}\n{s}\n" for i, s, lab in rows))
    return path, fasta, sets


def split_of(task) -> dict[str, str]:
    return {i: name for name, ds in task.data.items() for i in ds["id"]}


def test_csv_planted_duplicates_each_set_in_one_split(planted):
    """Exact copies, contained pieces and reverse complements of one sequence all land in a single split."""
    path, _, sets = planted
    task = load_byo_task(f"csv:{path}")
    where = split_of(task)
    for name, ids in sets.items():
        assert len({where[i] for i in ids}) == 1, (name, {i: where[i] for i in ids})
    clusters = {i: c for ds in task.data.values() for i, c in zip(ds["id"], ds["cluster"])}
    for ids in sets.values():
        assert len({clusters[i] for i in ids}) == 1  # one group per set: its smallest member id
    assert len({clusters[i] for i in clusters if i.startswith("solo")}) == 60  # unrelated rows stay alone
    sizes = {k: len(v) for k, v in task.data.items()}
    assert sum(sizes.values()) == 24 * 6 + 60 and min(sizes.values()) > 0
    block = task.meta["split"]
    assert block["by"] == "cluster" and block["leaks"] is False and block["groups"] == 24 + 60
    assert block["multi_member_groups"] == 24 and block["test_rows_grouped_with_train"] == 0
    assert task.describe()["split"]["by"] == "cluster"


def test_fasta_gets_the_same_grouped_split(planted):
    path, fasta, sets = planted
    a, b = load_byo_task(f"csv:{path}"), load_byo_task(f"fasta:{fasta}")
    assert split_of(a) == split_of(b)


def test_random_split_only_when_asked_and_it_leaks(planted):
    path, _, sets = planted
    task = load_task(f"csv:{path}", random_split=True)
    where = split_of(task)
    straddling = [n for n, ids in sets.items() if len({where[i] for i in ids}) > 1]
    assert len(straddling) >= 12  # most sets of 6 are cut by a per-class random split
    block = task.describe()["split"]
    assert block["by"] == "random" and block["leaks"] is True and "--random-split" in block["warning"]
    assert block["test_rows_grouped_with_train"] > 0
    assert task.fingerprint != load_task(f"csv:{path}").fingerprint


def test_random_split_is_refused_for_suite_tasks_and_split_columns(tmp_path):
    with pytest.raises(TaskError, match="--random-split applies to csv:/fasta: tasks"):
        load_task("herv_classification/binary", source="demo", random_split=True)
    path = tmp_path / "s.csv"
    path.write_text("sequence,label,split\nACGTACGT,a,train\nGGGGCCCC,b,test\n")
    with pytest.raises(Exception, match="--random-split applies only to files without a split column"):
        load_task(f"csv:{path}", random_split=True)


def test_results_record_the_split(planted, tmp_path):
    """`bench baseline --random-split` on a csv: task: the results' dataset.split says random and leaks."""
    from typer.testing import CliRunner

    import baselines.cli
    from phenoseq.cli import new_app

    app = new_app()
    baselines.cli.register(app)

    @app.command("noop", hidden=True)
    def _noop() -> None:  # a second command keeps `baseline` a sub-command
        pass

    path, _, _ = planted
    runner = CliRunner()
    for flag, by in (([], "cluster"), (["--random-split"], "random")):
        res = runner.invoke(app, ["baseline", "majority", "--task", f"csv:{path}", "--seeds", "1",
                                  "--out", str(tmp_path), *flag])
        assert res.exit_code == 0, res.output
        out = json.loads(next(tmp_path.glob("*random-split.json" if flag else "*majority.json")).read_text())
        assert out["dataset"]["split"]["by"] == by and out["dataset"]["split"]["leaks"] is (by == "random")
