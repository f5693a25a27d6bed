"""The conformance flow every model family must pass (used by tests/test_families*.py).

Given a Hub-like model directory: `bench run` 2 seeds x 1 epoch (checkpoint saved each epoch, final
save), predictions, the saved model loaded back predicting exactly what was written, `--resume`
(reuses the saved seeds), resuming a run from its last checkpoint, `bench interpret --method
gradxinput --check planted`, and LoRA where the family supports it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from conftest import make_tiny_task
from typer.testing import CliRunner

import benchmark.cli
import benchmark.interpret.cli
from phenoseq.cli import new_app


def app() -> typer.Typer:
    a = new_app()  # the root error handling (one line, exit 2)
    benchmark.cli.register(a)
    benchmark.interpret.cli.register(a)
    return a


def invoke(*args: object):
    return CliRunner().invoke(app(), [str(a) for a in args])


def csv_task(root: Path, n_per_class: int = 12, length: int = 80) -> str:
    """A tiny csv task (24 rows of 80 bp; positives carry a motif): `csv:PATH`."""
    task = make_tiny_task(n_per_class=n_per_class, length=length, seed=3)
    rows = [{"sequence": r["sequence"], "label": task.label_names[r["label"]], "split": split}
            for split in ("train", "validation", "test") for r in task.data[split]]
    path = root / "family-task.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return f"csv:{path}"


def one_line_error(res) -> str:
    """The error line of a failed command; asserts exit 2, one line, no traceback."""
    assert res.exit_code == 2, res.output
    text = res.output.strip()
    assert len(text.splitlines()) == 1 and "Traceback" not in text, text
    return text


def run_flow(model: Path, task: str, out: Path, *, trust: bool, lora: bool, max_length: int = 64,
             checkpoints: bool = True) -> dict:
    """Run the whole flow on `model`; returns the results JSON."""
    from benchmark.finetune import load_finetuned
    from benchmark.tasks import load_task

    flag = ["--trust-remote-code"] if trust else []
    base = ["--task", task, "--epochs", 1, "--batch-size", 8, "--max-length", max_length, "--lr", 1e-3,
            "--no-progress", *flag]
    common = [*base, "--out", out]
    res = invoke("run", "--model", model, "--seeds", 2, *common)
    assert res.exit_code == 0, res.output
    [path] = list(out.glob("*.json"))
    results = json.loads(path.read_text())
    assert [s["seed"] for s in results["seeds"]] == [0, 1]
    assert results["model"]["trust_remote_code"] is trust and results["config"]["trust_remote_code"] is trust
    preds = pd.read_parquet(next(out.glob("*.predictions.parquet")))
    n_test = len(load_task(task).data["test"])
    assert len(preds) == 2 * n_test
    probs = preds[["prob_0", "prob_1"]].to_numpy()
    assert np.isfinite(probs).all() and np.allclose(probs.sum(1), 1.0)

    # the final save loads back and predicts exactly what was written
    seed0 = next((out / "models").iterdir()) / "seed-0"
    fitted = load_finetuned(seed0, trust_remote_code=trust)
    again = fitted.predict_proba(load_task(task).data["test"])
    np.testing.assert_allclose(again, preds[preds.seed == 0][["prob_0", "prob_1"]].to_numpy(), atol=1e-5)

    # padding changes nothing: a batch of mixed lengths predicts what each sequence predicts alone
    seqs = [s[: 20 + 9 * i] for i, s in enumerate(load_task(task).data["test"]["sequence"][:4])]
    together = fitted.predict_logits(seqs)
    alone = np.concatenate([fitted.predict_logits([s]) for s in seqs])
    np.testing.assert_allclose(together, alone, atol=1e-4, rtol=1e-4)

    # --resume: seeds already saved are reused, not retrained
    res = invoke("run", "--model", model, "--seeds", 2, "--resume", *common)
    assert res.exit_code == 0, res.output
    assert json.loads(path.read_text())["seeds"][0]["metrics"] == results["seeds"][0]["metrics"]

    # a run resumed from its last checkpoint (written by the Trainer's own save) continues past it
    if checkpoints:
        resume_from_checkpoint(model, task, out / "ckpt", trust=trust, max_length=max_length)

    # interpretation: refused without the flag when the model runs its own code; recorded with it
    interp = ["interpret", "--model", seed0, "--task", task, "--method", "gradxinput", "--check", "planted",
              "--max-sequences", 4, "--results", path, "--out", out.parent / "interp"]
    if trust:
        assert "--trust-remote-code" in one_line_error(invoke(*interp))
    res = invoke(*interp, *flag)
    assert res.exit_code == 0, res.output
    block = json.loads(path.read_text())["interpretation"]
    assert block["method"] == "gradxinput" and block["trust_remote_code"] is trust
    assert 0.0 <= block["planted_auroc"] <= 1.0 and block["n_sequences"] == 4

    if lora:
        res = invoke("run", "--model", model, "--seeds", 1, "--lora", "--no-save-models", *base, "--out", out / "lora")
        assert res.exit_code == 0, res.output
    return results


def resume_from_checkpoint(model: Path, task: str, ckpt: Path, *, trust: bool, max_length: int) -> None:
    """1 epoch with checkpoints kept, then the same run asked for 2 epochs with `resume`: it loads the
    saved checkpoint and trains epoch 2 only (the epoch-1 checkpoint is not written again)."""
    from benchmark.finetune import FineTuneConfig, FineTunePredictor
    from benchmark.tasks import load_task

    the_task = load_task(task)
    cfg = dict(epochs=1, batch_size=8, max_length=max_length, lr=1e-3, progress=False, patience=0)
    first = FineTunePredictor(str(model), FineTuneConfig(**cfg), trust_remote_code=trust, output_dir=ckpt,
                              keep_checkpoints=True)
    first.fit(the_task.data["train"], the_task.data["validation"], num_labels=2, seed=0)
    steps = sorted(int(p.name.split("-")[1]) for p in (ckpt / "seed-0").glob("checkpoint-*"))
    assert steps, "no checkpoint was saved"
    first_state = ckpt / "seed-0" / f"checkpoint-{steps[-1]}" / "trainer_state.json"
    written = first_state.stat().st_mtime_ns
    cfg["epochs"] = 2
    resumed = FineTunePredictor(str(model), FineTuneConfig(**cfg), trust_remote_code=trust, output_dir=ckpt,
                                keep_checkpoints=True, resume=True)
    resumed.fit(the_task.data["train"], the_task.data["validation"], num_labels=2, seed=0)
    later = sorted(int(p.name.split("-")[1]) for p in (ckpt / "seed-0").glob("checkpoint-*"))
    assert later[-1] == 2 * steps[-1], (steps, later)
    assert first_state.stat().st_mtime_ns == written      # epoch 1 was not trained (and saved) again
