"""Tiny randomly initialised models written to a directory, for offline tests and demos.

Each `make_tiny_*` saves config + weights + tokenizer (built locally, nothing downloaded)
so `load_model_spec(dir)` treats it exactly like a downloaded Hub model.
"""
from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _save(model: Any, tokenizer: Any, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def _bert(vocab_size: int, hidden: int, layers: int, max_positions: int, seed: int) -> Any:
    import torch
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=max(1, hidden // 16),
                     intermediate_size=hidden * 2, max_position_embeddings=max_positions, pad_token_id=0)
    return BertForMaskedLM(cfg)


def make_tiny_dnabert(out: str | Path, k: int = 3, hidden: int = 32, layers: int = 2, max_positions: int = 512,
                      seed: int = 0) -> Path:
    """A DNABERT-style model: BERT + a WordPiece vocab of every k-mer (uppercase)."""
    from transformers import BertTokenizer

    vocab = {t: i for i, t in enumerate(SPECIALS + ["".join(p) for p in itertools.product("ACGT", repeat=k)])}
    tok = BertTokenizer(vocab=vocab, do_lower_case=False, model_max_length=max_positions)
    return _save(_bert(len(vocab), hidden, layers, max_positions, seed), tok, Path(out))


def make_tiny_generic(out: str | Path, hidden: int = 32, layers: int = 2, max_positions: int = 512, seed: int = 0) -> Path:
    """A BERT over single-nucleotide tokens (word-level, one token per base): no family adapter
    matches it, so the generic one is used."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(SPECIALS + list("ACGTN"))}
    chars = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    chars.pre_tokenizer = pre_tokenizers.Split(Regex("."), "isolated")
    chars.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok = PreTrainedTokenizerFast(tokenizer_object=chars, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                                  sep_token="[SEP]", mask_token="[MASK]", model_max_length=max_positions)
    return _save(_bert(len(vocab), hidden, layers, max_positions, seed), tok, Path(out))


def make_tiny_gpt2(out: str | Path, hidden: int = 32, layers: int = 2, max_positions: int = 512, vocab_size: int = 96,
                   seed: int = 0) -> Path:
    """A GPT-2 with a byte-pair tokenizer trained on random DNA (no pad token: the adapter sets pad = eos)."""
    import torch
    from tokenizers import Tokenizer, models, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    rng = random.Random(seed)
    corpus = ["".join(rng.choice("ACGT") for _ in range(300)) for _ in range(200)]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>", "<unk>"],
                                                        initial_alphabet=list("ACGTN"), show_progress=False))
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", bos_token="<|endoftext|>",
                                  unk_token="<unk>", model_max_length=max_positions)
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=bpe.get_vocab_size(), n_embd=hidden, n_layer=layers, n_head=max(1, hidden // 16),
                     n_positions=max_positions, eos_token_id=0, bos_token_id=0)
    return _save(GPT2LMHeadModel(cfg), tok, Path(out))


def make_tiny_nt(out: str | Path, hidden: int = 32, layers: int = 2, max_positions: int = 514, seed: int = 0) -> Path:
    """A Nucleotide-Transformer-style model: ESM + a vocabulary of 6-mers and single nucleotides."""
    import tempfile

    import torch
    from transformers import EsmConfig, EsmForMaskedLM, EsmTokenizer

    tokens = ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>"]
    tokens += ["".join(p) for p in itertools.product("ACGT", repeat=6)] + list("ATCGN")
    with tempfile.TemporaryDirectory() as tmp:
        vocab = Path(tmp) / "vocab.txt"
        vocab.write_text("\n".join(tokens) + "\n")
        tok = EsmTokenizer(str(vocab), model_max_length=max_positions - 2)
    torch.manual_seed(seed)
    cfg = EsmConfig(vocab_size=len(tokens), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=max(1, hidden // 16),
                    intermediate_size=hidden * 2, max_position_embeddings=max_positions, pad_token_id=1, mask_token_id=2,
                    position_embedding_type="absolute")
    return _save(EsmForMaskedLM(cfg), tok, Path(out))
