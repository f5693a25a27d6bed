"""Attribution on harness-saved models of other shapes: single-nucleotide tokens, pooled head."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import make_tiny_task

from benchmark.finetune import FineTuneConfig, FineTunePredictor
from benchmark.interpret.attribution import attribute, pooled_embeddings
from benchmark.interpret.handle import load_handle
from benchmark.models.tiny import make_tiny_generic


pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.mark.parametrize("pooled", [False, True], ids=["seq-cls-head", "pooled-head"])
def test_single_nucleotide_model_every_method(pooled, tmp_path, monkeypatch):
    """Generic BERT over one token per base; with `pooled`, the harness's AutoModel + mean-pool head
    (PooledClassifier): attention is read from its backbone, gradients from the backbone's embeddings."""
    from benchmark.models import registry

    if pooled:
        monkeypatch.setattr(registry, "has_sequence_classification", lambda config: False)
    task = make_tiny_task(n_per_class=20, length=60, seed=3)
    p = FineTunePredictor(str(make_tiny_generic(tmp_path / "generic")),
                          FineTuneConfig(epochs=1, lr=3e-3, batch_size=16, progress=False), save_dir=tmp_path / "ft")
    p.fit(task.data["train"], task.data["validation"], num_labels=2, seed=0)
    handle = load_handle(tmp_path / "ft", device="cpu")
    assert type(handle.model).__name__ == ("PooledClassifier" if pooled else "BertForSequenceClassification")
    seqs = ["ACGTACGTAA", "TTTTGGGGCCCCAAAATTTT"]
    enc = handle.encode(seqs)
    assert enc.spans[0][:3] == [None, (0, 1), (1, 2)] and enc.spans[0][11] is None  # [CLS] A C ... [SEP]
    for method in ("attention", "gradxinput", "ig"):
        out = attribute(handle, seqs, method, target=1, n_steps=4)
        assert [a.shape for a in out] == [(10,), (20,)] and all(np.isfinite(a).all() for a in out), method
    att = attribute(handle, seqs, "attention")
    heads = handle.model.config.num_attention_heads  # 2: each head's CLS row sums to 1 over all tokens
    assert all((a > 0).all() and a.sum() < heads for a in att)  # content tokens only: specials excluded
    assert pooled_embeddings(handle, seqs).shape == (2, 32)
