"""Tiny randomly initialised checkpoints laid out like Hub repos, built from each family's published code.

`build_family(family, code_dir, out)` copies a family's own modeling/configuration/tokenizer files
(pinned in `tests/fixtures/remote_code/sources.json`, put in place by `scripts/get_remote_code.py`)
into `out`, writes a tiny `config.json` with the family's `auto_map`, the tokenizer files, and the
weights of a freshly initialised model — what `bench run --model out --trust-remote-code` then loads
exactly as it would load the published checkpoint. Families that transformers itself implements
(Nucleotide Transformer = ESM, GPT-2, Mistral, Llama) are built from transformers' classes.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

REMOTE_FAMILIES = ("hyenadna", "dnabert2", "caduceus", "gena-lm")
NATIVE_FAMILIES = ("nt-v1", "nt-v2", "gpt2", "mistral", "llama")
FAMILIES = REMOTE_FAMILIES + NATIVE_FAMILIES

CODE_FILES = {
    "hyenadna": ("modeling_hyena.py", "configuration_hyena.py", "tokenization_caduceus.py"),
    "dnabert2": ("bert_layers.py", "bert_padding.py", "configuration_bert.py", "flash_attn_triton.py",
                 "tokenizer.json", "tokenizer_config.json"),
    "caduceus": ("configuration_caduceus.py", "modeling_caduceus.py", "modeling_rcps.py", "tokenization_caduceus.py"),
    "gena-lm": ("modeling_bert.py", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"),
}


def _json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2) + "\n")


def _copy(code_dir: Path, out: Path, names: tuple[str, ...]) -> None:
    missing = [n for n in names if not (code_dir / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{code_dir} lacks {', '.join(missing)} (run scripts/get_remote_code.py)")
    out.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copyfile(code_dir / n, out / n)


def _weights(out: Path, auto: str, seed: int) -> None:
    """Instantiate `auto` (an Auto class name) from out/config.json with fresh weights and save them beside it."""
    import torch
    import transformers

    from benchmark.models.compat import legacy_config, restore_legacy_helpers
    from benchmark.models.saving import save_pretrained

    restore_legacy_helpers()
    torch.manual_seed(seed)
    config = legacy_config(transformers.AutoConfig.from_pretrained(out, trust_remote_code=True))
    model = getattr(transformers, auto).from_config(config, trust_remote_code=True)
    save_pretrained(model, out)


def build_hyenadna(code_dir: Path, out: Path, seed: int = 0, max_len: int = 1026) -> Path:
    """HyenaDNA (LongSafari HF port): config as the Hub's `hyenadna-*-hf` repos, d_model 16, 2 layers."""
    _copy(code_dir, out, CODE_FILES["hyenadna"])
    _json(out / "config.json", {
        "model_type": "hyenadna", "architectures": ["HyenaDNAForCausalLM"],
        "auto_map": {"AutoConfig": "configuration_hyena.HyenaConfig", "AutoModel": "modeling_hyena.HyenaDNAModel",
                     "AutoModelForCausalLM": "modeling_hyena.HyenaDNAForCausalLM",
                     "AutoModelForSequenceClassification": "modeling_hyena.HyenaDNAForSequenceClassification"},
        "d_model": 16, "d_inner": 32, "n_layer": 2, "vocab_size": 12, "max_seq_len": max_len, "emb_dim": 5,
        "filter_order": 8, "num_inner_mlps": 2, "short_filter_order": 3, "hyena_order": 2, "activation_freq": 10,
        "train_freq": True, "use_bias": True, "pad_token_id": 4, "pad_vocab_size_multiple": 8,
        "embed_dropout": 0.1, "layer_norm_epsilon": 1e-5, "initializer_range": 0.02})
    _weights(out, "AutoModelForCausalLM", seed)
    _char_tokenizer(out, max_len)
    return out


def _char_tokenizer(out: Path, max_len: int) -> None:
    """HyenaDNA/Caduceus character tokenizer config: [CLS]=0 [SEP]=1 [BOS]=2 [MASK]=3 [PAD]=4 [RESERVED]=5
    [UNK]=6, A C G T N = 7..11, left padding, only `input_ids` (`model_input_names`)."""
    _json(out / "tokenizer_config.json", {
        "model_max_length": max_len, "characters": list("ACGTN"), "padding_side": "left",
        "tokenizer_class": "CaduceusTokenizer",
        "auto_map": {"AutoTokenizer": ["tokenization_caduceus.CaduceusTokenizer", None]}})


def build_dnabert2(code_dir: Path, out: Path, seed: int = 0) -> Path:
    """DNABERT-2: the published config (ALiBi BERT) shrunk to 2 layers of 32, its real 4096-token BPE."""
    _copy(code_dir, out, CODE_FILES["dnabert2"])
    cfg = json.loads((code_dir / "config.json").read_text())
    cfg.update(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    cfg.pop("_name_or_path", None)
    _json(out / "config.json", cfg)
    _weights(out, "AutoModelForMaskedLM", seed)
    return out


def build_gena_lm(code_dir: Path, out: Path, seed: int = 0) -> Path:
    """GENA-LM: its pre-LayerNorm BERT (`modeling_bert.py`) and real 32k BPE, 2 layers of 32."""
    _copy(code_dir, out, CODE_FILES["gena-lm"])
    cfg = json.loads((code_dir / "config.json").read_text())
    cfg.update(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
               auto_map={"AutoModel": "modeling_bert.BertModel", "AutoModelForMaskedLM": "modeling_bert.BertForMaskedLM",
                         "AutoModelForSequenceClassification": "modeling_bert.BertForSequenceClassification"})
    _json(out / "config.json", cfg)
    _weights(out, "AutoModelForMaskedLM", seed)
    return out


def build_caduceus(code_dir: Path, out: Path, seed: int = 0, max_len: int = 1024) -> Path:
    """Caduceus (HF port): config + tokenizer; weights only where mamba-ssm imports (a CUDA machine)."""
    import importlib.util

    _copy(code_dir, out, CODE_FILES["caduceus"])
    _json(out / "config.json", {
        "model_type": "caduceus", "architectures": ["CaduceusForMaskedLM"],
        "auto_map": {"AutoConfig": "configuration_caduceus.CaduceusConfig", "AutoModel": "modeling_caduceus.Caduceus",
                     "AutoModelForMaskedLM": "modeling_caduceus.CaduceusForMaskedLM",
                     "AutoModelForSequenceClassification": "modeling_caduceus.CaduceusForSequenceClassification"},
        "d_model": 32, "n_layer": 2, "vocab_size": 12, "pad_vocab_size_multiple": 8, "bidirectional": True,
        "bidirectional_strategy": "add", "bidirectional_weight_tie": True, "rcps": True, "complement_map":
        {str(i): i for i in range(7)} | {"7": 10, "8": 9, "9": 8, "10": 7, "11": 11},
        "ssm_cfg": {"d_state": 16, "d_conv": 4, "expand": 2}, "rms_norm": True, "fused_add_norm": True,
        "residual_in_fp32": False, "pad_token_id": 4})
    _char_tokenizer(out, max_len)
    if importlib.util.find_spec("mamba_ssm") is not None:
        _weights(out, "AutoModelForMaskedLM", seed)
    return out


def _dna_bpe(vocab_size: int, seed: int, specials: list[str]) -> Any:
    import random

    from tokenizers import Tokenizer, models, trainers

    rng = random.Random(seed)
    corpus = ["".join(rng.choice("ACGT") for _ in range(300)) for _ in range(200)]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                                        initial_alphabet=list("ACGTN"), show_progress=False))
    return bpe


def build_decoder(kind: str, out: Path, seed: int = 0, max_len: int = 512) -> Path:
    """A Mistral- or Llama-style DNA decoder: BPE with `<s>` prepended, no pad token (pad = eos), left padding."""
    import torch
    from tokenizers import processors
    from transformers import LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, PreTrainedTokenizerFast

    bpe = _dna_bpe(96, seed, ["<unk>", "<s>", "</s>"])
    bpe.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                  model_max_length=max_len, padding_side="left")
    torch.manual_seed(seed)
    common = dict(vocab_size=bpe.get_vocab_size(), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=max_len,
                  bos_token_id=1, eos_token_id=2, pad_token_id=None)
    model = (MistralForCausalLM(MistralConfig(sliding_window=None, **common)) if kind == "mistral"
             else LlamaForCausalLM(LlamaConfig(**common)))
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def build_nt(version: int, out: Path, seed: int = 0) -> Path:
    """Nucleotide Transformer v1 (ESM, learned absolute positions) or v2 (ESM, rotary), NT's 6-mer vocabulary."""
    from benchmark.models.tiny import make_tiny_nt

    make_tiny_nt(out, seed=seed)
    if version == 2:
        cfg = json.loads((out / "config.json").read_text())
        cfg["position_embedding_type"] = "rotary"
        _json(out / "config.json", cfg)
    return out


def build_family(family: str, out: str | Path, code_dir: str | Path | None = None, seed: int = 0) -> Path:
    """A tiny Hub-like checkpoint of `family` in `out` (remote-code families need `code_dir`)."""
    out = Path(out)
    if family in REMOTE_FAMILIES:
        if code_dir is None:
            raise ValueError(f"{family} is built from its published code: give code_dir")
        builder = {"hyenadna": build_hyenadna, "dnabert2": build_dnabert2, "caduceus": build_caduceus,
                   "gena-lm": build_gena_lm}[family]
        return builder(Path(code_dir), out, seed=seed)
    if family in ("nt-v1", "nt-v2"):
        return build_nt(int(family[-1]), out, seed=seed)
    if family == "gpt2":
        from benchmark.models.tiny import make_tiny_gpt2

        return make_tiny_gpt2(out, seed=seed)
    if family in ("mistral", "llama"):
        return build_decoder(family, out, seed=seed)
    raise ValueError(f"unknown family {family!r} (families: {', '.join(FAMILIES)})")
