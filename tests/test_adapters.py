"""Model adapters: family detection, exact token ids, truncation, limits, one-line load errors."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from benchmark.models import ModelError, build_model, head_tail, load_model_spec, window_starts
from benchmark.models.batching import PadCollator, pool_logits
from benchmark.models.families import DNABERT2, Caduceus, HyenaDNA
from benchmark.models.head import PooledClassifier, pool
from benchmark.models.tiny import make_tiny_dnabert, make_tiny_generic, make_tiny_gpt2, make_tiny_nt


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("adapter-models")
    return {
        "dnabert3": make_tiny_dnabert(root / "dnabert3", k=3),
        "gpt2": make_tiny_gpt2(root / "gpt2"),
        "generic": make_tiny_generic(root / "generic"),
        "nt": make_tiny_nt(root / "nt"),
    }


def test_head_tail_keeps_short_inputs_whole_and_never_duplicates():
    assert head_tail([1, 2, 3], 5) == [1, 2, 3]
    assert head_tail([1, 2, 3, 4, 5], 5) == [1, 2, 3, 4, 5]
    assert head_tail(list(range(10)), 5) == [0, 1, 2, 8, 9]  # ceil half head, floor half tail
    assert head_tail(list(range(10)), 1) == [0]


def test_window_starts_cover_the_end():
    assert window_starts(5, 8, 4) == [0]
    assert window_starts(10, 4, 2) == [0, 2, 4, 6]
    assert window_starts(11, 4, 3) == [0, 3, 6, 7]


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_dnabert_kmer_detected_for_k_3_to_6(tmp_path, k):
    spec = load_model_spec(str(make_tiny_dnabert(tmp_path / f"k{k}", k=k, layers=1, hidden=16)))
    assert spec.adapter.name == "dnabert-kmer" and spec.adapter.k == k


def test_dnabert_kmer_ids_match_tokenizer_and_short_input_is_not_duplicated(models):
    spec = load_model_spec(str(models["dnabert3"]))
    adapter, tok = spec.adapter, spec.tokenizer
    vocab = tok.get_vocab()
    seq = "ACGTAC"  # 3-mers ACG CGT GTA TAC
    ids, owner = adapter.encode([seq], max_length=64)
    assert owner == [0]
    assert ids[0] == [vocab["[CLS]"], vocab["ACG"], vocab["CGT"], vocab["GTA"], vocab["TAC"], vocab["[SEP]"]]
    assert adapter.text(seq) == "ACG CGT GTA TAC"
    assert tok(adapter.text(seq))["input_ids"] == ids[0]  # same as the real tokenizer on spaced k-mers
    long_seq = "A" * 50 + "C" * 50
    (cut,), _ = adapter.encode([long_seq], max_length=12)
    assert len(cut) == 12
    assert cut[1:6] == [vocab["AAA"]] * 5 and cut[6:11] == [vocab["CCC"]] * 5  # head 5 + tail 5 k-mers
    assert adapter.encode(["ACGTN"], 64)[0][0][1:-1] == [vocab["ACG"], vocab["CGT"], vocab["[UNK]"]]


def test_nucleotide_transformer_non_overlapping_6mers(models):
    spec = load_model_spec(str(models["nt"]))
    adapter = spec.adapter
    assert adapter.name == "nucleotide-transformer"
    assert adapter.tokens("ACGTACGTANC") == ["ACGTAC", "G", "T", "A", "N", "C"]
    ids, _ = adapter.encode(["ACGTACGTANC"], 64)
    assert ids[0] == spec.tokenizer("ACGTACGTANC")["input_ids"]
    assert adapter.model_max_length() == 512


def test_gpt2_bpe_pad_is_eos(models):
    spec = load_model_spec(str(models["gpt2"]))
    assert spec.adapter.name == "gpt2-bpe" and spec.adapter.pooling == "last"
    assert spec.tokenizer.pad_token_id == spec.tokenizer.eos_token_id
    assert spec.config.pad_token_id == spec.tokenizer.eos_token_id
    assert spec.adapter.prefix == [] and spec.adapter.suffix == []
    model, head = build_model(spec, 2, ["neg", "pos"])
    assert head == "auto" and model.config.pad_token_id == spec.tokenizer.eos_token_id
    assert model.config.id2label == {0: "neg", 1: "pos"}


def test_generic_fallback_single_nucleotide_model(models):
    spec = load_model_spec(str(models["generic"]))
    assert spec.adapter.name == "generic"
    ids, _ = spec.adapter.encode(["ACGTN"], 16)
    vocab = spec.tokenizer.get_vocab()
    assert ids[0] == [vocab["[CLS]"]] + [vocab[c] for c in "ACGTN"] + [vocab["[SEP]"]]


def test_remote_code_families_detected_from_config():
    hyena = SimpleNamespace(model_type="hyenadna")
    caduceus = SimpleNamespace(model_type="caduceus")
    dnabert2 = SimpleNamespace(model_type="bert", auto_map={"AutoModel": "zhihan1996/DNABERT-2-117M--bert_layers.BertModel"})
    assert HyenaDNA.matches(hyena, None) and not HyenaDNA.matches(caduceus, None)
    assert Caduceus.matches(caduceus, None)
    assert DNABERT2.matches(dnabert2, None) and not DNABERT2.matches(SimpleNamespace(model_type="bert"), None)
    assert HyenaDNA.needs_remote_code and Caduceus.needs_remote_code  # their masks: dropped by `bind` (test_families_real)


def test_remote_code_needs_explicit_flag(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({
        "model_type": "hyenadna",
        "auto_map": {"AutoConfig": "configuration_hyena.HyenaConfig"}}))
    with pytest.raises(ModelError, match="--trust-remote-code"):
        load_model_spec(str(tmp_path))


def test_max_length_checked_against_the_model(models):
    adapter = load_model_spec(str(models["dnabert3"])).adapter
    assert adapter.model_max_length() == 512
    assert adapter.resolve_max_length(None) == 512
    assert adapter.resolve_max_length(128) == 128
    with pytest.raises(ModelError, match=r"--max-length 1024 is larger than the model allows \(512 tokens\)"):
        adapter.resolve_max_length(1024)


def test_unknown_model_errors_are_one_line(tmp_path):
    for bad, pattern in [("nobody/no-such-model", "not in the Hugging Face cache"),
                         (str(tmp_path / "missing"), "does not exist"),
                         (str(tmp_path), "no config.json")]:
        with pytest.raises(ModelError, match=pattern) as info:
            load_model_spec(bad)
        assert "\n" not in str(info.value)


def test_collator_dynamic_vs_max_and_left_padding():
    feats = [{"input_ids": [5, 6, 7], "labels": 1, "length": 3}, {"input_ids": [8], "labels": 0, "length": 1}]
    dyn = PadCollator(0)(feats)
    assert dyn["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert dyn["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert dyn["labels"].tolist() == [1, 0] and "length" not in dyn
    assert PadCollator(0, pad_to=5)(feats)["input_ids"].shape == (2, 5)
    assert PadCollator(0, multiple_of=8)(feats)["input_ids"].shape == (2, 8)
    left = PadCollator(0, padding_side="left", attention_mask=False)(feats)
    assert left["input_ids"].tolist() == [[5, 6, 7], [0, 0, 8]] and "attention_mask" not in left


def test_pool_logits_averages_windows():
    logits = np.array([[1.0, 0.0], [3.0, 2.0], [0.0, 5.0]])
    assert pool_logits(logits, np.array([0, 0, 1]), 2).tolist() == [[2.0, 1.0], [0.0, 5.0]]


def test_pooled_head_modes_and_forward(models):
    hidden = torch.arange(12, dtype=torch.float32).reshape(1, 4, 3)
    mask = torch.tensor([[1, 1, 1, 0]])
    assert pool(hidden, mask, "cls").tolist() == [[0.0, 1.0, 2.0]]
    assert pool(hidden, mask, "last").tolist() == [[6.0, 7.0, 8.0]]
    assert pool(hidden, mask, "mean").tolist() == [[3.0, 4.0, 5.0]]
    from transformers import AutoModel

    clf = PooledClassifier(AutoModel.from_pretrained(models["generic"]), num_labels=3, pooling="mean")
    out = clf(input_ids=torch.tensor([[2, 5, 6, 3]]), attention_mask=torch.ones(1, 4, dtype=torch.long),
              labels=torch.tensor([1]))
    assert out.logits.shape == (1, 3) and out.loss is not None
