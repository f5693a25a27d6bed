"""Tiny models for the interpretation tests: a DNABERT-style k-mer BERT and an attention-free CNN.

Randomly initialised from configs (no downloads); `train` is a few epochs of Adam on CPU.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from benchmark.interpret.handle import ModelHandle

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def kmer_tokenizer(directory: Path, k: int):
    """A DNABERT-style tokenizer: specials + all 4^k k-mers, one token per space-separated word."""
    from transformers import BertTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    vocab = SPECIALS + ["".join(p) for p in itertools.product("ACGT", repeat=k)]
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizer(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=False, model_max_length=512)
    tok.save_pretrained(str(directory))
    return tok


def tiny_bert(tokenizer, max_len: int = 256, seed: int = 0):
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=len(tokenizer.get_vocab()), hidden_size=32, num_hidden_layers=2,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=max_len + 8,
                     num_labels=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                     pad_token_id=tokenizer.pad_token_id)
    return BertForSequenceClassification(cfg)


class TinyCNN(torch.nn.Module):
    """Attention-free classifier (embedding -> conv -> max-pool -> linear), HF-like outputs."""

    def __init__(self, vocab_size: int, hidden: int = 32, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.embed = torch.nn.Embedding(vocab_size, hidden, padding_idx=0)
        self.conv = torch.nn.Conv1d(hidden, hidden, 9, padding=4)
        self.head = torch.nn.Linear(hidden, 2)

    def get_input_embeddings(self) -> torch.nn.Module:
        return self.embed

    def forward(self, input_ids, attention_mask=None, output_hidden_states=False, output_attentions=False):
        h = self.embed(input_ids)
        z = torch.relu(self.conv(h.transpose(1, 2))).transpose(1, 2)
        if attention_mask is not None:
            z = z.masked_fill(~attention_mask.bool().unsqueeze(-1), -1e4)
        logits = self.head(z.max(1).values)
        return SimpleNamespace(logits=logits, hidden_states=(h, z) if output_hidden_states else None, attentions=None)


def train(handle: ModelHandle, seqs: Sequence[str], labels: Sequence[int], epochs: int = 8, lr: float = 3e-3,
          batch_size: int = 16, seed: int = 0) -> None:
    """Plain Adam fine-tuning on (sequence, label) pairs; leaves the model in eval mode."""
    rng = np.random.default_rng(seed)
    model = handle.model
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    y_all = torch.tensor(list(labels))
    for _ in range(epochs):
        model.train()
        order = rng.permutation(len(seqs))
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            enc = handle.encode([seqs[j] for j in idx])
            loss = torch.nn.functional.cross_entropy(handle.logits(enc.input_ids, enc.attention_mask), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()


def accuracy(handle: ModelHandle, seqs: Sequence[str], labels: Sequence[int]) -> float:
    with torch.no_grad():
        enc = handle.encode(list(seqs))
        pred = handle.logits(enc.input_ids, enc.attention_mask).argmax(-1).numpy()
    return float((pred == np.asarray(labels)).mean())


__all__ = ["kmer_tokenizer", "tiny_bert", "TinyCNN", "train", "accuracy"]
