"""Fine-tuning any Hub genomic model as a `Predictor` (transformers Trainer underneath).

Defaults follow the study: AdamW lr 2e-5, weight decay 0.01, 10% warmup, cosine decay,
early stopping on validation loss, class-weighted cross-entropy, length-grouped batches
with dynamic padding, head+tail truncation (or `windows=True`: sliding windows whose
logits are averaged per sequence), optional LoRA (peft). fp32 on CPU, bf16 (else fp16)
on a capable GPU; `accelerate launch` / `torchrun` run it data-parallel unchanged.

Speed (see docs/throughput.md): widths bucketed to a multiple (64 on CUDA), optional
token-budget batches (`max_tokens`), SDPA attention where the model has it, fused AdamW,
optional `torch.compile`, pinned memory + loader workers, no per-step host sync, and
evaluation in length-sorted batches twice the training size.

>>> p = FineTunePredictor("path/or/hub-id", FineTuneConfig(epochs=3), save_dir="out/model")
>>> p.fit(task.data["train"], task.data["validation"], num_labels=2, seed=0).predict_proba(task.data["test"])
>>> again = load_finetuned("out/model")          # .model, .tokenizer, .adapter, .meta
"""
from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import Dataset

from benchmark.metrics import compute_metrics
from benchmark.models import ModelError, build_model, count_parameters, load_model_spec, model_step
from benchmark.models.batching import PadCollator, TokenBudgetBatchSampler, encode_split, pool_logits, softmax, token_budget_batches
from benchmark.models.head import PooledClassifier
from benchmark.models.registry import adapter_class, from_pretrained
from benchmark.models.saving import distinct_state_dict, save_pretrained, save_tokenizer
from benchmark.speed import (
    COMPILE_BACKEND,
    allow_bucketed_recompiles,
    no_padding_probe,
    optimizer_name,
    resolve_pad_multiple,
    resolve_workers,
    set_attention,
)
from loaders.core.files import old_path, temp_dir

FINETUNED_FORMAT = "phenoseq-finetuned/1"
META_FILE = "phenoseq.json"


@dataclass
class FineTuneConfig:
    """Hyper-parameters of one fine-tuning run (recorded in results `config`)."""

    epochs: float = 3.0
    lr: float = 2e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    scheduler: str = "cosine"
    batch_size: int = 16
    eval_batch_size: int | None = None
    grad_accum: int = 1
    max_length: int | None = None
    windows: bool = False
    window_stride: int | None = None
    patience: int = 3
    select_metric: str = "loss"
    class_weights: bool = True
    group_by_length: bool = True
    lora: bool = False
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    precision: str = "auto"
    num_workers: int | None = None
    progress: bool = True
    max_tokens: int | None = None  # token budget per training step (rows x padded width); None: batch_size rows
    pad_multiple: int | None = None  # width multiple; None: 64 on CUDA (models with an attention mask), else 1
    attn: str = "auto"  # auto (SDPA where the model has it), sdpa, eager
    compile: bool = False  # torch.compile the model (one graph per bucketed shape)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "FineTuneConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError(f"unknown fine-tuning option(s): {', '.join(unknown)}")
        return cls(**values)


def check_speed_options(cfg: FineTuneConfig, max_length: int) -> None:
    """One-line errors for speed options that cannot work with this model's max length."""
    from benchmark.speed import ATTN_CHOICES

    if cfg.max_tokens is not None and cfg.max_tokens < max_length:
        raise ModelError(f"--max-tokens {cfg.max_tokens} is smaller than one input at the max length ({max_length} tokens); "
                         f"use at least {max_length}")
    if cfg.pad_multiple is not None and cfg.pad_multiple < 1:
        raise ModelError(f"--pad-multiple must be at least 1, got {cfg.pad_multiple}")
    if cfg.attn not in ATTN_CHOICES:
        raise ModelError(f"--attn must be one of {', '.join(ATTN_CHOICES)}, got '{cfg.attn}'")


def pick_precision(preference: str = "auto") -> str:
    """`fp32` on CPU; on CUDA `bf16` when supported, else `fp16` (unless asked otherwise)."""
    if preference not in ("auto", "fp32", "bf16", "fp16"):
        raise ValueError(f"precision must be auto, fp32, bf16 or fp16, got '{preference}'")
    if preference != "auto":
        return preference
    if torch.cuda.is_available():
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "fp32"


def class_weights(labels: np.ndarray, num_labels: int) -> torch.Tensor:
    """Balanced weights n / (k * count_c) (1.0 for every class of a balanced task)."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_labels).astype(np.float64)
    weights = len(labels) / (num_labels * np.maximum(counts, 1.0))
    weights[counts == 0] = 0.0
    return torch.tensor(weights, dtype=torch.float32)


def _lora_wrap(model: Any, cfg: FineTuneConfig, head: str) -> Any:
    from peft import LoraConfig, TaskType, get_peft_model
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as KNOWN

    from benchmark.models.base import accepts_argument

    model_type = getattr(model.config, "model_type", "")
    targets = None if model_type in KNOWN else "all-linear"
    if head == "auto" and not accepts_argument(model, "attention_mask"):
        # peft's SEQ_CLS wrapper always passes attention_mask & co.; a model without them (HyenaDNA)
        # gets a plain LoRA model, its own classification layer trained in full.
        heads = [n for n in ("score", "classifier") if hasattr(model, n)]
        lcfg = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                          target_modules=targets or "all-linear", modules_to_save=heads or None)
    elif head == "auto":
        lcfg = LoraConfig(task_type=TaskType.SEQ_CLS, r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                          lora_dropout=cfg.lora_dropout, target_modules=targets)
    else:
        lcfg = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                          target_modules=targets or "all-linear", modules_to_save=["classifier"])
    return get_peft_model(model, lcfg)


def _trainer_class() -> type:
    from torch.utils.data import DataLoader
    from transformers import Trainer

    class WeightedTrainer(Trainer):
        """Trainer whose loss is class-weighted cross-entropy (a per-batch mean), optionally fed
        token-budget batches (`batch_sampler`)."""

        loss_is_scaled_for_ga = False

        def __init__(self, *args: Any, weights: torch.Tensor | None = None,
                     batch_sampler: TokenBudgetBatchSampler | None = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.class_weight = weights
            self.batch_sampler = batch_sampler
            self._device_weight: torch.Tensor | None = None

        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
            weight = None
            if self.class_weight is not None:
                if self._device_weight is None or self._device_weight.device != logits.device:
                    self._device_weight = self.class_weight.to(logits.device)  # once: a copy per step would sync
                weight = self._device_weight
            loss = torch.nn.functional.cross_entropy(logits.float(), labels, weight=weight)
            return (loss, outputs) if return_outputs else loss

        def _save(self, output_dir: str | None = None, state_dict: dict | None = None) -> None:
            """Checkpoints of models with undeclared shared parameters too (see `benchmark.models.saving`)."""
            from peft import PeftModel

            with model_step(self.model_name, "save"):
                if not isinstance(self.model, PeftModel):
                    state_dict = distinct_state_dict(self.model, state_dict)
                super()._save(output_dir, state_dict=state_dict)

        def _load_from_checkpoint(self, resume_from_checkpoint: str, model: Any = None) -> None:
            with model_step(self.model_name, "load"):
                super()._load_from_checkpoint(resume_from_checkpoint, model)

        def get_train_dataloader(self) -> DataLoader:
            if self.batch_sampler is None:
                return super().get_train_dataloader()
            args = self.args
            workers = args.dataloader_num_workers
            loader = DataLoader(self.train_dataset, batch_sampler=self.batch_sampler, collate_fn=self.data_collator,
                                num_workers=workers, pin_memory=args.dataloader_pin_memory,
                                persistent_workers=args.dataloader_persistent_workers and workers > 0,
                                prefetch_factor=args.dataloader_prefetch_factor if workers > 0 else None)
            return self.accelerator.prepare(loader)  # one shard of the batches per rank under DDP

    return WeightedTrainer


class FineTunePredictor:
    """`benchmark.predictor.Predictor` that fine-tunes a pretrained (or `random_init`) model.

    The model is resolved and the max length checked at construction, so a bad model id
    or `max_length` fails before any training. `save_dir` receives the fine-tuned model
    (`save_pretrained` + tokenizer + `phenoseq.json`); `output_dir` holds checkpoints,
    and with `resume=True` training continues from the last one (a seed already saved in
    `save_dir` with the same model, task and config is loaded instead of retrained). Under `accelerate launch`
    / `torchrun` give every rank the same `output_dir` (the CLI does).
    """

    def __init__(self, model: str, config: FineTuneConfig | None = None, *, trust_remote_code: bool = False,
                 random_init: bool = False, adapter: str | None = None, revision: str | None = None,
                 output_dir: str | Path | None = None, save_dir: str | Path | None = None, resume: bool = False,
                 keep_checkpoints: bool = False, task_id: str | None = None, label_names: list[str] | None = None) -> None:
        self.cfg = config or FineTuneConfig()
        self.model_id = model
        self.random_init = random_init
        self.spec = load_model_spec(model, trust_remote_code=trust_remote_code, adapter=adapter, revision=revision)
        self.adapter = self.spec.adapter
        self.tokenizer = self.spec.tokenizer
        self.max_length = self.adapter.resolve_max_length(self.cfg.max_length)
        check_speed_options(self.cfg, self.max_length)
        self.output_dir = Path(output_dir) if output_dir else None
        self.save_dir = Path(save_dir) if save_dir else None
        self.resume = resume
        self.keep_checkpoints = keep_checkpoints
        self.task_id = task_id
        self.label_names = list(label_names) if label_names else None
        self.model: Any = None
        self.head = "auto"
        self.n_params: int | None = None
        self.seed: int | None = None
        self.meta: dict[str, Any] = {}

    # --- Predictor ------------------------------------------------------------------------
    def fit(self, train: Dataset, validation: Dataset | None, *, num_labels: int, seed: int) -> "FineTunePredictor":
        """Fine-tune on `train`, early-stop on `validation`; keep the best model (and save it)."""
        from transformers import EarlyStoppingCallback, TrainingArguments, set_seed
        from transformers.trainer_utils import get_last_checkpoint

        cfg = self.cfg
        self.seed = seed
        if self._reuse_saved(seed):
            return self
        names = self.label_names or _label_names(train, num_labels)
        set_seed(seed)
        model, self.head = build_model(self.spec, num_labels, names, random_init=self.random_init)
        self.adapter.bind(model)
        self.n_params = count_parameters(model)
        attn = set_attention(model, cfg.attn)
        attn = getattr(self.adapter, "attention", None) or attn  # DNABERT-2: its own Triton or PyTorch path
        if cfg.lora:
            with model_step(self.model_id, "load"):
                model = _lora_wrap(model, cfg, self.head)
        train_ds, _ = self._encoded(train, with_labels=True)
        val_ds, val_owner = (self._encoded(validation, with_labels=True, by_length=True)
                             if validation is not None and len(validation) else (None, None))
        precision = pick_precision(cfg.precision)
        cuda = torch.cuda.is_available()
        workers = resolve_workers(cfg.num_workers)
        sampler = (TokenBudgetBatchSampler(train_ds["length"], cfg.max_tokens, pad_multiple=self._pad_multiple(),
                                           max_width=self.max_length, seed=seed) if cfg.max_tokens else None)
        if cfg.compile:
            allow_bucketed_recompiles()
        ckpt_dir, temp = self._checkpoint_dir(seed)
        args = TrainingArguments(
            output_dir=str(ckpt_dir), num_train_epochs=cfg.epochs, learning_rate=cfg.lr, weight_decay=cfg.weight_decay,
            warmup_steps=cfg.warmup_ratio, lr_scheduler_type=cfg.scheduler,
            per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=self._eval_batch_size(),
            gradient_accumulation_steps=cfg.grad_accum,
            eval_strategy="epoch" if val_ds is not None else "no", save_strategy="epoch", logging_strategy="epoch",
            load_best_model_at_end=val_ds is not None, metric_for_best_model=cfg.select_metric,
            greater_is_better=cfg.select_metric != "loss", save_total_limit=2,
            seed=seed, data_seed=seed, bf16=precision == "bf16", fp16=precision == "fp16",
            use_cpu=not cuda,
            train_sampling_strategy="group_by_length" if cfg.group_by_length else "random", length_column_name="length",
            remove_unused_columns=False, label_names=["labels"], report_to="none", disable_tqdm=not cfg.progress,
            dataloader_num_workers=workers, dataloader_persistent_workers=workers > 0,
            dataloader_prefetch_factor=4 if workers > 0 else None, dataloader_pin_memory=cuda,
            accelerator_config={"non_blocking": cuda},  # pinned batches are copied to the GPU asynchronously
            optim=optimizer_name(), logging_nan_inf_filter=False,  # the NaN check reads the loss every step (a sync)
            average_tokens_across_devices=False,  # the loss is a per-batch mean: no per-step all-reduce of counts
            torch_compile=cfg.compile, torch_compile_backend=COMPILE_BACKEND if cfg.compile else None,
            log_level_replica="error",
        )
        callbacks = [EarlyStoppingCallback(early_stopping_patience=cfg.patience)] if val_ds is not None and cfg.patience > 0 else []
        callbacks += list(getattr(self, "callbacks", None) or [])  # e.g. the throughput benchmark's epoch timer
        trainer = _trainer_class()(
            model=model, args=args, train_dataset=train_ds, eval_dataset=val_ds, data_collator=self._collator(precision),
            processing_class=self.tokenizer, callbacks=callbacks,
            compute_metrics=_eval_metrics(val_owner, len(validation) if validation is not None else 0, num_labels),
            weights=class_weights(np.asarray(train_ds["labels"]), num_labels) if cfg.class_weights else None,
            batch_sampler=sampler,
        )
        trainer.model_name = self.model_id
        if not cfg.progress:
            from transformers.trainer_callback import PrinterCallback

            trainer.remove_callback(PrinterCallback)
        last = get_last_checkpoint(str(ckpt_dir)) if self.resume and ckpt_dir.is_dir() else None
        steps = len(sampler) if sampler is not None else -(-len(train_ds) // cfg.batch_size)
        self.train_stats = {"attn_implementation": attn, "optimizer": args.optim.value if hasattr(args.optim, "value") else str(args.optim),
                            "pad_multiple": self._pad_multiple(), "max_tokens": cfg.max_tokens, "workers": workers,
                            "compile": cfg.compile, "batches_per_epoch": steps,
                            "examples_per_batch": round(len(train_ds) / max(steps, 1), 2),
                            "eval_batch_size": self._eval_batch_size()}
        with model_step(self.model_id, "train"), (no_padding_probe() if cuda else contextlib.nullcontext()):
            trainer.train(resume_from_checkpoint=last)
        model = trainer.accelerator.unwrap_model(trainer.model, keep_torch_compile=False)
        if cfg.lora:
            with model_step(self.model_id, "train"):
                model = model.merge_and_unload()
        self.model = model.eval()
        self.meta = self._meta(names, num_labels)
        if self.save_dir is not None and trainer.is_world_process_zero():
            self.save(self.save_dir)
        trainer.accelerator.wait_for_everyone()  # every rank has loaded the best checkpoint
        if (temp or not self.keep_checkpoints) and trainer.is_world_process_zero():
            shutil.rmtree(ckpt_dir, ignore_errors=True)
            for parent in (ckpt_dir.parent, ckpt_dir.parent.parent) if not temp else ():
                if parent.is_dir() and not any(parent.iterdir()):
                    parent.rmdir()
        return self

    def predict_proba(self, data: Dataset) -> np.ndarray:
        """Class probabilities per sequence (window logits averaged first when `windows`)."""
        logits = self.predict_logits(list(data["sequence"]))
        return softmax(logits)

    def predict_logits(self, sequences: list[str], batch_size: int | None = None) -> np.ndarray:
        """Pooled logits (n, k) for raw DNA strings."""
        if self.model is None:
            raise RuntimeError("predict before fit (or load_finetuned)")
        with model_step(self.model_id, "predict"):
            return self._predict_logits(sequences, batch_size)

    def _predict_logits(self, sequences: list[str], batch_size: int | None) -> np.ndarray:
        cols, owner = encode_split(self.adapter, sequences, None, self.max_length, self.cfg.windows, self.cfg.window_stride)
        collate = self._collator(pick_precision(self.cfg.precision))
        model = self.model.eval()
        device = next(model.parameters()).device
        amp = device.type == "cuda" and pick_precision(self.cfg.precision) != "fp32"
        max_tokens = getattr(self.cfg, "max_tokens", None)
        if max_tokens and not batch_size:  # length-sorted token-budget batches, twice the training budget
            batches = token_budget_batches(cols["length"], 2 * int(max_tokens), self._pad_multiple(), self.max_length)
        else:
            bs = batch_size or self._eval_batch_size()
            order = np.argsort(cols["length"], kind="stable")
            batches = [order[i:i + bs].tolist() for i in range(0, len(order), bs)]
        n_labels = int(self.meta.get("num_labels") or model.config.num_labels)
        parts: list[torch.Tensor] = []
        cuda = device.type == "cuda"
        with torch.no_grad(), no_padding_probe() if cuda else contextlib.nullcontext():
            for idx in batches:
                batch = collate([{"input_ids": cols["input_ids"][j]} for j in idx])
                batch = {k: (v.pin_memory() if cuda else v).to(device, non_blocking=cuda) for k, v in batch.items()}
                with torch.autocast(device.type, dtype=_autocast_dtype(self.cfg.precision), enabled=amp):
                    result = model(**batch)
                logits = result["logits"] if isinstance(result, dict) else result[0]
                parts.append(logits.float())  # stays on the device: one copy back at the end, no per-batch sync
        out = np.zeros((len(cols["input_ids"]), n_labels), dtype=np.float64)
        if parts:
            out[np.concatenate([np.asarray(b, dtype=np.int64) for b in batches])] = torch.cat(parts).cpu().numpy()
        return pool_logits(out, owner, len(sequences))

    def info(self) -> dict[str, Any]:
        """The results' `model` block."""
        return {"id": self.model_id, "revision": self.spec.revision, "n_params": self.n_params,
                "adapter": self.adapter.name, "trust_remote_code": self.spec.trust_remote_code,
                "random_init": self.random_init}

    # --- persistence --------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """`save_pretrained` model + tokenizer + `phenoseq.json` into `path`, atomically.

        Written into a temporary sibling directory, then renamed over `path`: a failed save leaves
        any earlier model at `path` untouched and nothing half-written.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_dir(path.parent, path.name)
        try:
            with model_step(self.model_id, "save"):
                save_pretrained(self.model, tmp)
                save_tokenizer(self.tokenizer, tmp)
            (tmp / META_FILE).write_text(json.dumps(self.meta, indent=2) + "\n")
            if path.exists():
                old = old_path(path)
                path.rename(old)
                tmp.rename(path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(path)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return path

    # --- internals ------------------------------------------------------------------------
    def _reuse_saved(self, seed: int) -> bool:
        """With `resume`, a seed already finished into `save_dir` (same model, task, config) is loaded, not retrained."""
        meta_path = self.save_dir / META_FILE if self.resume and self.save_dir is not None else None
        if meta_path is None or not meta_path.is_file():
            return False
        meta = json.loads(meta_path.read_text())
        same = (meta.get("seed") == seed and meta.get("model_id") == self.model_id and meta.get("task") == self.task_id
                and meta.get("random_init") == self.random_init and _training_config(meta.get("config") or {}) == _training_config(asdict(self.cfg)))
        if not same:
            return False
        done = load_finetuned(self.save_dir, trust_remote_code=self.spec.trust_remote_code)
        self.model, self.meta, self.head, self.n_params = done.model, done.meta, done.head, done.n_params
        self.adapter.bind(self.model)
        return True

    def _encoded(self, split: Dataset, with_labels: bool, by_length: bool = False) -> tuple[Dataset, np.ndarray]:
        """Encoded inputs and each one's sequence index; `by_length` sorts them shortest first, so
        evaluation's sequential batches need little padding (the owner index keeps pooling right)."""
        labels = split["label"] if with_labels else None
        cols, owner = encode_split(self.adapter, list(split["sequence"]), labels, self.max_length,
                                   self.cfg.windows, self.cfg.window_stride)
        if by_length and len(owner):
            order = np.argsort(cols["length"], kind="stable")
            cols = {k: [v[i] for i in order] for k, v in cols.items()}
            owner = owner[order]
        return Dataset.from_dict(cols), owner

    def _pad_multiple(self) -> int:
        return resolve_pad_multiple(getattr(self.cfg, "pad_multiple", None), self.adapter.uses_attention_mask)

    def _eval_batch_size(self) -> int:
        """Rows per evaluation batch: `eval_batch_size`, else twice the training batch (no activations
        are kept for a backward pass); with a token budget, at least 2 x max_tokens / max length."""
        cfg = self.cfg
        if cfg.eval_batch_size:
            return int(cfg.eval_batch_size)
        rows = 2 * cfg.batch_size
        if getattr(cfg, "max_tokens", None):
            rows = max(rows, 2 * int(cfg.max_tokens) // self.max_length)
        return rows

    def _collator(self, precision: str) -> PadCollator:
        tok = self.tokenizer
        pad = tok.pad_token_id if tok.pad_token_id is not None else 0
        return PadCollator(pad, self.adapter.padding_side(), multiple_of=self._pad_multiple(),
                           attention_mask=self.adapter.uses_attention_mask, max_width=self.max_length)

    def _checkpoint_dir(self, seed: int) -> tuple[Path, bool]:
        if self.output_dir is None:
            return Path(tempfile.mkdtemp(prefix="phenoseq-ckpt-")), True
        return self.output_dir / f"seed-{seed}", False

    def _meta(self, names: list[str], num_labels: int) -> dict[str, Any]:
        return {"format": FINETUNED_FORMAT, "adapter": self.adapter.name, "model_id": self.model_id,
                "revision": self.spec.revision, "task": self.task_id, "label_names": names, "num_labels": num_labels,
                "max_length": self.max_length, "windows": self.cfg.windows, "window_stride": self.cfg.window_stride,
                "head": self.head, "pooling": self.adapter.pooling, "trust_remote_code": self.spec.trust_remote_code,
                "random_init": self.random_init, "seed": self.seed, "n_params": self.n_params, "config": asdict(self.cfg)}


def _training_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """The options that change the trained model (not progress bars or data-loader workers)."""
    return {k: v for k, v in cfg.items() if k not in ("progress", "num_workers")}


def _label_names(split: Dataset, num_labels: int) -> list[str]:
    feature = split.features.get("label")
    names = getattr(feature, "names", None)
    return list(names) if names and len(names) == num_labels else [str(i) for i in range(num_labels)]


def _autocast_dtype(precision: str) -> torch.dtype:
    return torch.float16 if pick_precision(precision) == "fp16" else torch.bfloat16


def _eval_metrics(owner: np.ndarray | None, n: int, num_labels: int) -> Any:
    """Trainer `compute_metrics`: window logits pooled per sequence, then the suite metrics."""
    def compute(pred: Any) -> dict[str, float]:
        logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
        labels = np.asarray(pred.label_ids)
        if owner is not None and len(owner) == len(labels):
            seq_labels = np.zeros(n, dtype=np.int64)
            seq_labels[owner] = labels
            probs = softmax(pool_logits(logits, owner, n))
        else:
            seq_labels, probs = labels, softmax(logits)
        metrics = compute_metrics(seq_labels, probs, num_labels)
        return {k: v for k, v in metrics.items() if v is not None}
    return compute


def needs_remote_code(path: str | Path, meta: dict[str, Any] | None = None) -> bool:
    """Whether a saved model runs its own code: trained with it, or its config/tokenizer name code files (`auto_map`)."""
    if meta and meta.get("trust_remote_code"):
        return True
    for name in ("config.json", "tokenizer_config.json"):
        f = Path(path) / name
        try:
            if f.is_file() and json.loads(f.read_text()).get("auto_map"):
                return True
        except (OSError, ValueError):
            continue
    return False


def load_finetuned(path: str | Path, trust_remote_code: bool | None = None) -> FineTunePredictor:
    """A fitted predictor from a `save_dir`: `.model`, `.tokenizer`, `.adapter`, `.meta`, `.predict_proba`.

    `trust_remote_code`: None trusts what the run recorded (the caller saved it); False refuses a model
    that needs its own code with a one-line `ModelError` asking for --trust-remote-code.
    """
    from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoTokenizer

    path = Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise ModelError(f"'{path}' is not a fine-tuned PhenoSeq model (no {META_FILE})")
    try:
        meta = json.loads(meta_path.read_text())
    except ValueError as exc:
        raise ModelError(f"'{meta_path}' is not valid JSON ({exc})") from None
    name = str(meta.get("model_id") or path)
    needs = needs_remote_code(path, meta)
    trust = needs if trust_remote_code is None else bool(trust_remote_code)
    if needs and not trust:
        raise ModelError(f"model '{name}' (saved in {path}) runs its own code; rerun with --trust-remote-code if you trust it")
    if trust:
        from benchmark.models.compat import restore_legacy_helpers

        restore_legacy_helpers()
    with model_step(name, "load"):
        config = AutoConfig.from_pretrained(path, trust_remote_code=trust)
        if trust:
            from benchmark.models.compat import legacy_config

            legacy_config(config)
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=trust)
        self = FineTunePredictor.__new__(FineTunePredictor)
        self.cfg = FineTuneConfig.from_dict(meta.get("config", {}))
        self.model_id, self.random_init, self.task_id = meta["model_id"], bool(meta.get("random_init")), meta.get("task")
        self.adapter = adapter_class(meta["adapter"])(tokenizer, config)
        self.tokenizer, self.max_length, self.head = tokenizer, int(meta["max_length"]), meta.get("head", "auto")
        self.label_names, self.seed, self.n_params, self.meta = meta["label_names"], meta.get("seed"), meta.get("n_params"), meta
        self.output_dir = self.save_dir = None
        self.resume = self.keep_checkpoints = False
        from benchmark.models.registry import ModelSpec

        self.spec = ModelSpec(meta["model_id"], str(path), config, tokenizer, self.adapter, trust, meta.get("revision"))
        if self.head == "pooled":
            backbone = from_pretrained(AutoModel, str(path), config=config, trust_remote_code=trust)
            model = PooledClassifier(backbone, int(meta["num_labels"]), meta["pooling"])
            model.load_head(path)
        else:
            model = from_pretrained(AutoModelForSequenceClassification, str(path), config=config, trust_remote_code=trust)
        self.adapter.bind(model)
        self.model = model.eval()
    return self
