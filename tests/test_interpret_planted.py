"""Planted-motif recovery on the demo task with tiny models trained here (the known-answer check).

Backgrounds are demo herv_classification/binary sequences (train split for the training probe,
held-out test split for the scored probe), cropped to 150 bp. Class 1: JASPAR consensus planted
at a recorded position; class 0: the dinucleotide-shuffled instance at the same position.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from interpret_toy import TinyCNN, accuracy, kmer_tokenizer, tiny_bert, train

from benchmark.interpret.attribution import AttributionError, attribute, pooled_embeddings
from benchmark.interpret.handle import ModelHandle
from benchmark.interpret.motifs import load_jaspar
from benchmark.interpret.planted import build_probe, interpretation_block

LENGTH = 150


pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def demo(demo_cache):
    from benchmark.tasks import load_task

    return load_task("herv_classification/binary", source="demo")


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    return kmer_tokenizer(tmp_path_factory.mktemp("tok6"), 6)


def probes(demo, motifs, n_train=300):
    train_p = build_probe(demo.data["train"]["sequence"][:n_train], motifs, seed=1, length=LENGTH)
    test_p = build_probe(demo.data["test"]["sequence"][:60], motifs, seed=2, length=LENGTH)
    return train_p, test_p


def test_tiny_dnabert_gradients_recover_planted_ctcf_far_above_random(demo, tok):
    """6-mer DNABERT-style BERT (hidden 32, 2 layers), 6 epochs on 600 probes (MA0139.2 CTCF).
    Held-out probe (60 planted + 60 controls), measured on CPU:
      gradient x input: planted AUROC 0.862 vs random-attribution 0.504; FIMO recovery 0.87 (on the demo
      canvas worlds; the single shared demo world before them gave 0.978 / 0.504 / 1.00)
      integrated gradients (first 12 planted, 16 steps): AUROC 0.968
      last-layer CLS attention: AUROC 0.106 - attention points *away* from the motif in this tiny
      model (the check is there to tell attention from attribution, not to flatter it)."""
    motifs = load_jaspar(["MA0139"])
    train_p, test_p = probes(demo, motifs)
    handle = ModelHandle(tiny_bert(tok), tok, kmer=6, max_length=LENGTH)
    train(handle, train_p.sequences, train_p.labels, epochs=6)
    assert accuracy(handle, test_p.sequences, test_p.labels) >= 0.85

    gxi = interpretation_block("gradxinput", attribute(handle, test_p.sequences, "gradxinput", target=1), test_p, motifs)
    assert gxi["n_sequences"] == 60 and gxi["motifs"] == ["MA0139.2"]
    assert 0.45 <= gxi["random_auroc"] <= 0.55
    assert gxi["planted_auroc"] >= 0.80 and gxi["planted_auroc"] - gxi["random_auroc"] >= 0.30
    assert gxi["fimo_recovery"] >= 0.80

    first = list(range(0, 24, 2))  # 12 planted probes (planted and control alternate)
    ig = attribute(handle, [test_p.sequences[i] for i in first], "ig", target=1, n_steps=16)
    from benchmark.interpret.planted import sequence_auroc

    ig_auroc = np.mean([sequence_auroc(a, test_p.sites[i].start, test_p.sites[i].end) for a, i in zip(ig, first)])
    assert ig_auroc >= 0.85

    att = interpretation_block("attention", attribute(handle, test_p.sequences, "attention"), test_p, motifs)
    assert 0.0 <= att["planted_auroc"] <= 1.0 and att["n_sequences"] == 60
    emb = pooled_embeddings(handle, test_p.sequences[:8])
    assert emb.shape == (8, 32) and np.isfinite(emb).all()


def test_attention_free_cnn_recovers_three_demo_motifs(demo, tok):
    """Attention-free model (embedding -> conv -> max-pool), 5 epochs on 480 probes, planted SP1 / IRF1 / CTCF:
    gradient x input planted AUROC 0.980 vs random 0.501, FIMO recovery 1.00 (measured on CPU);
    attention attribution is refused with a one-line reason."""
    motifs = load_jaspar(["MA0139", "MA0079", "MA0050"])
    train_p, test_p = probes(demo, motifs, n_train=240)
    handle = ModelHandle(TinyCNN(len(tok.get_vocab())), tok, kmer=6, max_length=LENGTH)
    train(handle, train_p.sequences, train_p.labels, epochs=5)
    block = interpretation_block("gradxinput", attribute(handle, test_p.sequences, "gradxinput", target=1), test_p, motifs)
    assert block["motifs"] == ["MA0139.2", "MA0079.5", "MA0050.4"]
    assert 0.45 <= block["random_auroc"] <= 0.55
    assert block["planted_auroc"] >= 0.90 and block["fimo_recovery"] >= 0.80
    with pytest.raises(AttributionError, match="no attention weights"):
        attribute(handle, test_p.sequences[:2], "attention")
