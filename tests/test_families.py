"""Model families through the whole flow (tests/families_flow.py) without third-party code:
Nucleotide Transformer v1/v2 (ESM), GPT-2, Mistral and Llama DNA decoders (transformers' own classes),
and a toy remote-code model with the traits that broke the harness on real families; plus units of
the fixes (one-line model errors, shared-parameter saving, transformers-4 compatibility)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from families_flow import csv_task, invoke, one_line_error, run_flow

from benchmark.models.conformance import build_family

TOY = Path(__file__).parent / "fixtures" / "toy_remote"

pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def task(tmp_path_factory) -> str:
    return csv_task(tmp_path_factory.mktemp("families"))


def build_toy(out: Path, seed: int = 0) -> Path:
    """The toy remote-code model laid out like a Hub repo (config with auto_map, code, tokenizer, weights)."""
    import transformers

    from benchmark.models.saving import save_pretrained

    out.mkdir(parents=True)
    for f in ("configuration_toy.py", "modeling_toy.py", "tokenization_toy.py"):
        shutil.copyfile(TOY / f, out / f)
    (out / "config.json").write_text(json.dumps({
        "model_type": "toy-dna", "vocab_size": 12, "d_model": 16, "pad_token_id": 4,
        "auto_map": {"AutoConfig": "configuration_toy.ToyConfig", "AutoModel": "modeling_toy.ToyModel",
                     "AutoModelForSequenceClassification": "modeling_toy.ToyForSequenceClassification"}}))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "model_max_length": 512, "auto_map": {"AutoTokenizer": ["tokenization_toy.ToyTokenizer", None]}}))
    torch.manual_seed(seed)
    config = transformers.AutoConfig.from_pretrained(out, trust_remote_code=True)
    save_pretrained(transformers.AutoModel.from_config(config, trust_remote_code=True), out)
    return out


def test_remote_code_model_with_shared_parameter_no_mask_and_input_ids_only(task, tmp_path):
    model = build_toy(tmp_path / "toy")
    line = one_line_error(invoke("run", "--model", model, "--task", task, "--out", tmp_path / "no", "--no-progress"))
    assert "--trust-remote-code" in line and not (tmp_path / "no").exists()
    results = run_flow(model, task, tmp_path / "out", trust=True, lora=True)
    assert results["model"]["adapter"] == "generic"


@pytest.mark.parametrize("family,adapter,checkpoints,lora", [
    ("nt-v1", "nucleotide-transformer", False, False),
    ("nt-v2", "nucleotide-transformer", True, False),
    ("gpt2", "gpt2-bpe", False, False),
    ("mistral", "gpt2-bpe", True, True),
    ("llama", "gpt2-bpe", False, False),
])
def test_native_family_runs_the_whole_flow(family, adapter, checkpoints, lora, task, tmp_path):
    model = build_family(family, tmp_path / family)
    results = run_flow(model, task, tmp_path / "out", trust=False, lora=lora, checkpoints=checkpoints)
    assert results["model"]["adapter"] == adapter


def test_decoders_pad_with_eos_on_the_right_whatever_the_tokenizer_says(tmp_path):
    from benchmark.models import load_model_spec

    spec = load_model_spec(str(build_family("llama", tmp_path / "llama")))
    tok = spec.tokenizer
    assert tok.pad_token_id == tok.eos_token_id == 2 and spec.config.pad_token_id == 2
    assert spec.adapter.padding_side() == "right" and spec.adapter.prefix == [tok.bos_token_id]


def test_model_step_errors_are_one_line_naming_model_step_and_cause(monkeypatch):
    from benchmark.models import ModelError, model_step

    with pytest.raises(ModelError) as info:
        with model_step("org/m", "save"):
            raise RuntimeError("The weights trying to be saved contained shared tensors [...]\nline two")
    assert str(info.value) == "model 'org/m': save failed: RuntimeError: The weights trying to be saved contained shared tensors [...]"
    monkeypatch.setenv("PHENOSEQ_DEBUG", "1")
    with pytest.raises(RuntimeError):
        with model_step("org/m", "train"):
            raise RuntimeError("kept for debugging")


def test_train_failure_is_one_line_and_writes_nothing(task, tmp_path, monkeypatch):
    import transformers

    model = build_family("gpt2", tmp_path / "gpt2")

    def broken(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB\nmore detail")

    monkeypatch.setattr(transformers.Trainer, "training_step", broken)
    line = one_line_error(invoke("run", "--model", model, "--task", task, "--epochs", 1, "--out", tmp_path / "out",
                                 "--no-progress"))
    assert line == f"error: model '{model}': train failed: OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert written == []          # no results, predictions or model (checkpoint folders stay for --resume)


def test_distinct_state_dict_copies_undeclared_aliases_only():
    from benchmark.models.saving import distinct_state_dict, shared_groups

    shared = torch.nn.Linear(2, 2)
    net = torch.nn.Sequential(shared, torch.nn.ReLU(), shared)
    assert shared_groups(net.state_dict()) == [["0.weight", "2.weight"], ["0.bias", "2.bias"]]
    state = distinct_state_dict(net)
    assert not shared_groups(state)
    assert torch.equal(state["0.weight"], state["2.weight"]) and state["2.weight"].data_ptr() != shared.weight.data_ptr()


def test_legacy_helpers_match_transformers_4_semantics():
    from benchmark.models.compat import find_pruneable_heads_and_indices, prune_linear_layer

    heads, index = find_pruneable_heads_and_indices([1], n_heads=3, head_size=2, already_pruned_heads=set())
    assert heads == {1} and index.tolist() == [0, 1, 4, 5]
    layer = torch.nn.Linear(3, 6)
    pruned = prune_linear_layer(layer, index)
    assert pruned.weight.shape == (4, 3)
    torch.testing.assert_close(pruned.weight, layer.weight[[0, 1, 4, 5]])
    torch.testing.assert_close(pruned.bias, layer.bias[[0, 1, 4, 5]])
