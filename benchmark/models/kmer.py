"""k-mer tokenized families: DNABERT (overlapping k-mers) and Nucleotide Transformer (6-mers).

Both map k-mers straight through the tokenizer's vocabulary: exact, fast, and immune to
a tokenizer config that would lower-case the input.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from benchmark.models.base import Adapter

_DNA = re.compile(r"^[ACGTacgt]+$")


def _vocab(tokenizer: Any) -> dict[str, int]:
    return dict(tokenizer.get_vocab())


def kmer_lengths(tokenizer: Any) -> dict[int, int]:
    """Count of pure-ACGT vocabulary tokens by length."""
    counts: dict[int, int] = {}
    for tok in _vocab(tokenizer):
        if _DNA.match(tok):
            counts[len(tok)] = counts.get(len(tok), 0) + 1
    return counts


def dnabert_k(tokenizer: Any) -> int | None:
    """k if the vocabulary is the complete set of k-mers (k = 3..6) and nothing else DNA-like."""
    counts = kmer_lengths(tokenizer)
    if len(counts) == 1:
        (k, n), = counts.items()
        if 3 <= k <= 6 and n == 4**k:
            return k
    return None


class _VocabMapped(Adapter):
    """Shared lookup: token string -> id, upper- or lower-case vocabularies alike."""

    def prepare(self) -> None:
        super().prepare()
        vocab = _vocab(self.tokenizer)
        lower = not any(t.isupper() for t in vocab if _DNA.match(t))
        self._lookup = {(t.upper() if lower else t): i for t, i in vocab.items() if _DNA.match(t)}
        self._unk = self.tokenizer.unk_token_id if self.tokenizer.unk_token_id is not None else 0

    def _id(self, token: str) -> int:
        return self._lookup.get(token, self._unk)


class DNABERTKmer(_VocabMapped):
    """DNABERT (k = 3..6): space-separated overlapping k-mers; [CLS] ... [SEP]."""

    name = "dnabert-kmer"
    description = "DNABERT k-mer (k=3..6): overlapping k-mers, [CLS] pooling, head+tail without duplication"
    pooling = "cls"

    @classmethod
    def matches(cls, config: Any, tokenizer: Any) -> bool:
        return dnabert_k(tokenizer) is not None

    def prepare(self) -> None:
        super().prepare()
        self.k = int(dnabert_k(self.tokenizer) or 6)

    def kmers(self, seq: str) -> list[str]:
        k = self.k
        return [seq[i:i + k] for i in range(len(seq) - k + 1)] if len(seq) >= k else [seq]

    def text(self, seq: str) -> str:
        return " ".join(self.kmers(seq))

    def content_ids(self, seqs: Sequence[str]) -> list[list[int]]:
        return [[self._id(km) for km in self.kmers(s)] for s in seqs]


class NucleotideTransformer(_VocabMapped):
    """Nucleotide Transformer (ESM architecture): non-overlapping 6-mers, leftovers and N as single bases."""

    name = "nucleotide-transformer"
    description = "Nucleotide Transformer: non-overlapping 6-mers (leftovers/N as single nucleotides), <cls> pooling"
    pooling = "cls"

    @classmethod
    def matches(cls, config: Any, tokenizer: Any) -> bool:
        return getattr(config, "model_type", "") == "esm" and kmer_lengths(tokenizer).get(6, 0) >= 4**6

    def prepare(self) -> None:
        super().prepare()
        vocab = _vocab(self.tokenizer)
        self._single = {b: vocab[b] for b in "ACGTN" if b in vocab}

    def tokens(self, seq: str) -> list[str]:
        out: list[str] = []
        for i in range(0, len(seq), 6):
            chunk = seq[i:i + 6]
            if len(chunk) == 6 and chunk in self._lookup:
                out.append(chunk)
            else:
                out.extend(chunk)
        return out

    def text(self, seq: str) -> str:
        return seq

    def content_ids(self, seqs: Sequence[str]) -> list[list[int]]:
        unk = self._unk
        return [[self._lookup.get(t) or self._single.get(t, unk) for t in self.tokens(s)] for s in seqs]
