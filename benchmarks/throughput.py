"""Training throughput of the harness (a script, not a test).

Two suites, each run in one process so its ratios are measured under the same conditions:

`--suite padding` (default without CUDA; the CPU figure in docs/throughput.md):
  length-grouped batches + dynamic padding (what `FineTunePredictor` does) vs random batches
  padded to the max length, and tokenization + collation vs model forward + backward, on a
  small NT-style or DNABERT-style model, timed batch by batch in alternation.

`--suite gpu` (default with CUDA; `benchmarks/gpu_check.sh` runs it), on an NT-v2-like preset
of >= 100 M parameters and synthetic 150-3,000 bp sequences, steady state only (a full
warm-up epoch, or for one-shape runs a few warm-up steps, is excluded; each timed figure is
one full epoch of `--n` >= 10,000 sequences):
  - harness: `FineTunePredictor.fit` itself (Trainer, data loader, token-budget batches,
    bucketed widths, SDPA, fused AdamW, bf16), eager and `--compile`;
  - model-only: a bare loop over the same model and batches, pre-collated on the GPU
    (forward, class-weighted loss, backward, clip, fused AdamW step), eager and compiled;
  - padding: model-only, bucketed length-grouped token-budget batches vs random batches
    padded to the max length at the same token budget, and exact (unbucketed) widths;
  - per figure: examples/s, real (non-pad) tokens/s, MFU = 6 x parameters x real tokens/s /
    the device's dense bf16 peak (named), GPU utilisation sampled through NVML;
  - checks: host syncs per harness training step (`torch.cuda.set_sync_debug_mode`), SDPA vs
    eager logits in bf16, prediction (evaluation) examples/s.
  Writes `throughput.json` and `throughput.md` (a docs-ready table) into `--out-dir`.
  `--smoke` shrinks everything (tiny model, a few hundred sequences, compile via aot_eager)
  so the whole suite can be exercised on a CPU.

    python benchmarks/throughput.py --suite padding --family nt --max-length 1024
    python benchmarks/throughput.py --suite gpu --out-dir out/ [--n 12000] [--max-tokens 32768]
    python benchmarks/throughput.py --suite gpu --smoke --out-dir out/
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

# Dense (no sparsity) bf16 tensor-core peaks from NVIDIA's datasheets, TFLOP/s; first match wins.
PEAK_BF16_TFLOPS: list[tuple[tuple[str, ...], float, str]] = [
    (("H100", "PCIE"), 756.0, "H100 PCIe datasheet, dense bf16"),
    (("H100", "NVL"), 835.0, "H100 NVL datasheet, dense bf16"),
    (("H100",), 989.4, "H100 SXM datasheet, dense bf16"),
    (("H200",), 989.4, "H200 SXM datasheet, dense bf16"),
    (("GH200",), 989.4, "GH200 datasheet, dense bf16"),
    (("A100",), 312.0, "A100 datasheet, dense bf16"),
    (("L40S",), 362.1, "L40S datasheet, dense bf16"),
    (("L4",), 121.0, "L4 datasheet, dense bf16"),
    (("A10",), 125.0, "A10 datasheet, dense bf16"),
]

PRESETS: dict[str, dict[str, int]] = {
    # NT-v2-like: ESM encoder, rotary positions, NT's 6-mer vocabulary (4,107 tokens); ~117 M parameters.
    "nt-v2-like": {"hidden": 768, "layers": 16, "heads": 12, "ffn": 3072},
    "tiny": {"hidden": 64, "layers": 2, "heads": 4, "ffn": 128},
}


# ----------------------------------------------------------------------------- shared pieces
def synthetic_sequences(n: int, seed: int = 0, low: int = 150, high: int = 3000) -> tuple[list[str], list[int]]:
    """n random ACGT sequences with log-uniform lengths in [low, high] bp, and random 0/1 labels."""
    rng = np.random.default_rng(seed)
    lengths = np.exp(rng.uniform(np.log(low), np.log(high), size=n)).astype(np.int64)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, size=int(lengths.sum()))].tobytes().decode()
    ends = np.cumsum(lengths)
    seqs = [bases[e - n_:e] for e, n_ in zip(ends, lengths)]
    return seqs, rng.integers(0, 2, size=n).tolist()


def device_name() -> str:
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, {os.cpu_count()} cores)"


def bf16_peak(name: str) -> tuple[float | None, str]:
    upper = name.upper()
    for keys, tflops, source in PEAK_BF16_TFLOPS:
        if all(k in upper for k in keys):
            return tflops, source
    return None, "unknown device: pass --peak-tflops"


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


class UtilSampler:
    """GPU utilisation (% of time a kernel ran, NVML) sampled every 0.1 s while active; nvidia-smi as fallback."""

    def __init__(self) -> None:
        self.handle: Any = None
        self.how = "n/a (no CUDA)"
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if not torch.cuda.is_available():
            return
        try:
            import pynvml

            pynvml.nvmlInit()
            self.nvml = pynvml
            index = torch.cuda.current_device()
            self.handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            self.how = "NVML nvmlDeviceGetUtilizationRates, 0.1 s samples"
        except Exception:  # noqa: BLE001 - fall back to nvidia-smi
            self.how = "nvidia-smi --query-gpu=utilization.gpu, 0.1 s samples"

    def _read(self) -> float | None:
        if self.handle is not None:
            return float(self.nvml.nvmlDeviceGetUtilizationRates(self.handle).gpu)
        import subprocess

        try:
            out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits",
                                  f"--id={torch.cuda.current_device()}"], capture_output=True, text=True, timeout=5)
            return float(out.stdout.strip().splitlines()[0])
        except Exception:  # noqa: BLE001
            return None

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            value = self._read()
            if value is not None:
                self.samples.append(value)

    def start(self) -> None:
        if not torch.cuda.is_available():
            return
        self.samples, self._stop = [], threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> float | None:
        if self._thread is None:
            return None
        self._stop.set()
        self._thread.join()
        self._thread = None
        return float(np.mean(self.samples)) if self.samples else None


# ----------------------------------------------------------------------------- padding suite (CPU figure)
def padding_suite(args: argparse.Namespace) -> None:
    """Length-grouped dynamic padding vs pad-to-max, and tokenization vs forward+backward (as before)."""
    import transformers
    from transformers.trainer_pt_utils import LengthGroupedSampler

    from benchmark.models import build_model, load_model_spec
    from benchmark.models.batching import PadCollator
    from benchmark.models.tiny import make_tiny_dnabert, make_tiny_nt

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    if args.threads and not torch.cuda.is_available():
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    amp = device.type == "cuda" and torch.cuda.is_bf16_supported()

    if args.synthetic:
        seqs, labels = synthetic_sequences(args.n)
        data_desc = f"synthetic log-uniform 150-3000 bp ({args.n} sequences)"
    else:
        from benchmark.tasks import load_task

        train = load_task("herv_classification/binary", source="demo").data["train"]
        seqs, labels = list(train["sequence"]), list(train["label"])
        data_desc = f"demo herv_classification/binary train split ({len(train)} sequences)"

    def step(model, opt, batch, timed_opt: bool) -> float:
        batch = {k: v.to(device) for k, v in batch.items()}
        sync()
        t0 = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            logits = model(input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask")).logits.float()
        torch.nn.functional.cross_entropy(logits, batch["labels"]).backward()
        if timed_opt:
            opt.step()
        model.zero_grad(set_to_none=True)
        sync()
        return time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        if args.family == "nt":
            model_dir = make_tiny_nt(Path(tmp) / "nt", hidden=args.hidden, layers=args.layers, max_positions=args.max_length + 2)
        else:
            model_dir = make_tiny_dnabert(Path(tmp) / "dnabert", k=6, hidden=args.hidden, layers=args.layers,
                                          max_positions=args.max_length)
        spec = load_model_spec(str(model_dir))
        adapter = spec.adapter
        max_length = adapter.resolve_max_length(args.max_length)
        pad = spec.tokenizer.pad_token_id
        collate_dyn = PadCollator(pad, attention_mask=adapter.uses_attention_mask, multiple_of=args.pad_multiple,
                                  max_width=max_length)
        collate_max = PadCollator(pad, pad_to=max_length, attention_mask=adapter.uses_attention_mask)
        t0 = time.perf_counter()
        encoded, _ = adapter.encode(seqs, max_length)
        lengths = [len(x) for x in encoded]
        sampler = list(LengthGroupedSampler(args.batch_size, lengths=lengths, generator=torch.Generator().manual_seed(0)))
        grouped = [sampler[i:i + args.batch_size] for i in range(0, len(sampler), args.batch_size)]
        for idx in grouped:
            collate_dyn([{"input_ids": encoded[j], "labels": labels[j]} for j in idx])
        prep_rate = len(seqs) / (time.perf_counter() - t0)

        torch.manual_seed(0)
        model, _ = build_model(spec, 2, random_init=True)
        model.to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
        n_params = sum(p.numel() for p in model.parameters())
        rng = np.random.default_rng(0)
        take = args.n_timed + args.batch_size  # + one warm-up batch
        rng.shuffle(grouped)  # the sampler's megabatch order, cut to the budget
        grouped_sel: list[list[int]] = []
        for b in grouped:
            if sum(len(x) for x in grouped_sel) >= take:
                break
            grouped_sel.append(b)
        perm = [int(i) for i in rng.permutation(len(seqs))[:take]]
        random_sel = [perm[i:i + args.batch_size] for i in range(0, len(perm), args.batch_size)]
        # Interleaved, batch by batch, so load changes on a shared machine hit every mode alike;
        # the first round is warm-up and not counted.
        t_dyn = t_max = t_fb = 0.0
        n_dyn = n_max = 0
        model.train()
        for i, (g, r) in enumerate(zip(grouped_sel, random_sel)):
            gb = collate_dyn([{"input_ids": encoded[j], "labels": labels[j]} for j in g])
            rb = collate_max([{"input_ids": encoded[j], "labels": labels[j]} for j in r])
            times = (step(model, opt, gb, True), step(model, opt, rb, True), step(model, opt, gb, False))
            print(f"round {i}: grouped {times[0]:.2f}s  pad-to-max {times[1]:.2f}s  fwd+bwd {times[2]:.2f}s", file=sys.stderr)
            if i:
                t_dyn, t_max, t_fb = t_dyn + times[0], t_max + times[1], t_fb + times[2]
                n_dyn, n_max = n_dyn + len(g), n_max + len(r)
        dyn_rate, max_rate, fb_rate = n_dyn / t_dyn, n_max / t_max, n_dyn / t_fb

    import transformers as tf

    speedup, prep_ratio = dyn_rate / max_rate, prep_rate / fb_rate
    lines = [
        f"### {adapter.name}-style model, max length {max_length}",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {device_name()}"
        f"{', bf16 autocast' if amp else ', fp32'}; torch {torch.__version__}, transformers {tf.__version__}; "
        f"load average {os.getloadavg()[0]:.1f} at the end.",
        f"Model: random init, hidden {args.hidden}, {args.layers} layers, {n_params / 1e6:.2f} M parameters; "
        f"max length {max_length} tokens, batch size {args.batch_size}, width multiple {args.pad_multiple or 1}.",
        f"Data: {data_desc}; mean {np.mean(lengths):.0f} tokens per input after head+tail truncation "
        f"({100 * np.mean(np.array(lengths) >= max_length):.0f}% at the max length).",
        "",
        "| measure | examples/s | ratio | target |",
        "|---|---:|---:|---:|",
        f"| training, length-grouped batches + dynamic padding | {dyn_rate:.1f} | **{speedup:.2f}x** vs pad-to-max | >= 1.5x |",
        f"| training, random batches padded to max length | {max_rate:.1f} | 1.00x | |",
        f"| tokenization + collation (all {len(seqs)} sequences) | {prep_rate:.0f} | **{prep_ratio:.0f}x** vs forward+backward | >= 10x |",
        f"| model forward + backward (grouped, dynamic) | {fb_rate:.1f} | 1.00x | |",
        "",
        f"Training rows: forward + backward + AdamW step over {n_dyn} (grouped) and {n_max} (pad-to-max) examples,",
        "timed batch by batch in alternation (one warm-up round excluded), so load on a shared machine hits both",
        f"alike. Command: `python benchmarks/throughput.py --suite padding --family {args.family} --max-length {args.max_length}"
        f"{' --synthetic' if args.synthetic else ''}`.",
    ]
    body = "\n".join(lines)
    print(body)
    if args.write:
        write_section(args.write, f"{args.family}-{args.max_length}{'-synthetic' if args.synthetic else ''}", body)


def write_section(path: Path, key: str, body: str) -> None:
    """Replace (or append) one marked section of a markdown file (temp file, then rename)."""
    text = path.read_text() if path.exists() else "# Training throughput\n"
    begin, end = f"<!-- run:{key} -->", f"<!-- end:{key} -->"
    block = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


# ----------------------------------------------------------------------------- GPU suite
def make_preset(root: Path, preset: str, max_length: int) -> tuple[Path, str]:
    """An NT-style model directory (6-mer tokenizer from `make_tiny_nt`) with the preset's ESM config;
    `random_init` builds the weights from the config, so none are written."""
    from transformers import EsmConfig

    from benchmark.models.tiny import make_tiny_nt

    shape = PRESETS[preset]
    path = make_tiny_nt(root / preset, hidden=16, layers=1, max_positions=max_length + 2)
    tokenizer_vocab = len((path / "vocab.txt").read_text().split())
    EsmConfig(vocab_size=tokenizer_vocab, hidden_size=shape["hidden"], num_hidden_layers=shape["layers"],
              num_attention_heads=shape["heads"], intermediate_size=shape["ffn"], max_position_embeddings=max_length + 2,
              pad_token_id=1, mask_token_id=2, position_embedding_type="rotary", token_dropout=False,
              architectures=["EsmForMaskedLM"]).save_pretrained(path)
    desc = (f"{preset}: ESM encoder, rotary positions, 6-mer vocabulary ({tokenizer_vocab} tokens), hidden {shape['hidden']}, "
            f"{shape['layers']} layers, {shape['heads']} heads, FFN {shape['ffn']}")
    return path, desc


class EpochTimer:
    """Trainer callback: wall time of each epoch's training steps (synchronised at both ends), GPU utilisation."""

    def __init__(self, util: UtilSampler) -> None:
        from transformers import TrainerCallback

        timer = self

        class _CB(TrainerCallback):
            def on_epoch_begin(self, args, state, control, **kwargs):
                sync()
                timer.step0 = state.global_step
                util.start()
                timer.t0 = time.perf_counter()

            def on_epoch_end(self, args, state, control, **kwargs):
                sync()
                seconds = time.perf_counter() - timer.t0
                timer.epochs.append({"seconds": seconds, "steps": state.global_step - timer.step0, "gpu_util": util.stop()})

        self.callback = _CB()
        self.epochs: list[dict[str, Any]] = []
        self.t0 = 0.0
        self.step0 = 0


class SyncAudit:
    """Trainer callback: counts host-synchronising CUDA calls over training steps `first`..`first + count - 1`,
    everything in between included (fetching and copying the next batches, logging checks)."""

    def __init__(self, first: int = 3, count: int = 20) -> None:
        from transformers import TrainerCallback

        audit = self
        self.first, self.count, self.active, self.steps = first, count, False, 0

        class _CB(TrainerCallback):
            def on_step_begin(self, args, state, control, **kwargs):
                if torch.cuda.is_available() and state.global_step == audit.first and not audit.active:
                    torch.cuda.set_sync_debug_mode("warn")
                    audit.active = True

            def on_step_end(self, args, state, control, **kwargs):
                if audit.active:
                    audit.steps += 1
                    if audit.steps >= audit.count:
                        torch.cuda.set_sync_debug_mode(0)
                        audit.active = False

            def on_train_end(self, args, state, control, **kwargs):
                if audit.active:
                    torch.cuda.set_sync_debug_mode(0)
                    audit.active = False

        self.callback = _CB()


def rate_block(n_examples: int, real_tokens: int, padded_tokens: int, seconds: float, n_params: int,
               peak: float | None, util: float | None) -> dict[str, Any]:
    tok_s = real_tokens / seconds
    return {"seconds": round(seconds, 3), "examples": n_examples, "examples_per_s": round(n_examples / seconds, 1),
            "real_tokens_per_s": round(tok_s), "padded_tokens_per_s": round(padded_tokens / seconds),
            "padding_fraction": round(1 - real_tokens / max(padded_tokens, 1), 3),
            "mfu": round(6 * n_params * tok_s / (peak * 1e12), 4) if peak else None,
            "gpu_util_percent": None if util is None else round(util, 1)}


def gpu_suite(args: argparse.Namespace) -> int:
    import transformers
    from datasets import Dataset

    from benchmark.finetune import FineTuneConfig, FineTunePredictor, class_weights
    from benchmark.models import build_model, load_model_spec
    from benchmark.models.batching import PadCollator, bucket_width, token_budget_batches
    from benchmark.speed import allow_bucketed_recompiles, no_padding_probe, resolve_pad_multiple, set_attention

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    started = time.perf_counter()
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    if not cuda and args.threads:
        torch.set_num_threads(args.threads)
    if not cuda and not args.smoke:
        print("gpu suite: no CUDA device; use --smoke on a CPU", file=sys.stderr)
        return 2
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    precision = "bf16" if cuda and torch.cuda.is_bf16_supported() else "fp32"
    amp = precision == "bf16"
    name = device_name()
    peak, peak_source = (args.peak_tflops, "--peak-tflops") if args.peak_tflops else bf16_peak(name)
    if not cuda:
        peak, peak_source = None, "n/a (CPU)"
    backend = "aot_eager" if args.smoke and not cuda else "inductor"
    import benchmark.finetune as finetune

    finetune.COMPILE_BACKEND = backend
    out: dict[str, Any] = {"device": name, "peak_bf16_tflops": peak, "peak_source": peak_source, "precision": precision,
                           "torch": torch.__version__, "transformers": transformers.__version__,
                           "cuda": torch.version.cuda, "compile_backend": backend, "skipped": {}, "notes": []}
    util = UtilSampler()
    out["gpu_util_source"] = util.how

    def over_budget(key: str, estimate_s: float) -> bool:
        if args.only and key not in args.only:
            out["skipped"][key] = "not selected (--only)"
            return True
        spent = time.perf_counter() - started
        if spent + estimate_s > args.budget_s:
            out["skipped"][key] = f"time budget ({spent:.0f} s spent + ~{estimate_s:.0f} s > {args.budget_s:.0f} s)"
            print(f"[skip] {key}: {out['skipped'][key]}", file=sys.stderr)
            return True
        print(f"[run ] {key} at {spent:.0f} s", file=sys.stderr, flush=True)
        return False

    # -- achievable matmul rate (one number to read MFU against besides the datasheet) ---------------
    if cuda:
        a = torch.randn(8192, 8192, device=device, dtype=torch.bfloat16)
        b = torch.randn(8192, 8192, device=device, dtype=torch.bfloat16)
        for _ in range(3):
            a @ b
        sync()
        t0 = time.perf_counter()
        for _ in range(10):
            a @ b
        sync()
        out["matmul_bf16_tflops_measured"] = round(10 * 2 * 8192**3 / (time.perf_counter() - t0) / 1e12, 1)
        del a, b
        torch.cuda.empty_cache()

    # -- data and model ----------------------------------------------------------------------------------
    seqs, labels = synthetic_sequences(args.n, seed=0)
    root = Path(tempfile.mkdtemp(prefix="phenoseq-throughput-"))
    model_dir, model_desc = make_preset(root, args.preset, args.max_length)
    spec = load_model_spec(str(model_dir))
    adapter = spec.adapter
    max_length = adapter.resolve_max_length(args.max_length)
    encoded, _ = adapter.encode(seqs, max_length)
    lengths = np.array([len(x) for x in encoded])
    multiple = resolve_pad_multiple(args.pad_multiple, adapter.uses_attention_mask)
    budget = args.max_tokens
    torch.manual_seed(0)
    probe_model, _ = build_model(spec, 2, random_init=True)
    n_params = sum(p.numel() for p in probe_model.parameters())
    del probe_model
    out.update({"model": model_desc, "n_params": n_params, "max_length": max_length, "pad_multiple": multiple,
                "max_tokens": budget, "data": f"{args.n:,} synthetic sequences, log-uniform 150-3,000 bp, random labels",
                "mean_tokens": round(float(lengths.mean()), 1), "max_tokens_seen": int(lengths.max()),
                "real_tokens_per_epoch": int(lengths.sum())})
    print(f"model {model_desc}: {n_params / 1e6:.1f} M parameters; {args.n} sequences, mean {lengths.mean():.0f} tokens",
          file=sys.stderr)
    train = Dataset.from_dict({"sequence": seqs, "label": labels})

    def padded_tokens(batches: list[list[int]], mult: int | None, pad_to: int | None = None) -> int:
        return int(sum(len(b) * (pad_to or bucket_width(int(lengths[b].max()), mult, max_length)) for b in batches))

    budget_batches = token_budget_batches(lengths, budget, multiple, max_length, np.random.default_rng([0, 1]))
    out["batches_per_epoch"] = len(budget_batches)
    out["examples_per_batch"] = round(args.n / len(budget_batches), 1)

    # -- harness: FineTunePredictor.fit, one warm-up epoch + one timed epoch ----------------------------
    def harness(compile_model: bool) -> dict[str, Any]:
        cfg = FineTuneConfig(epochs=2, lr=2e-5, batch_size=32, max_tokens=budget, pad_multiple=multiple, patience=0,
                             progress=False, compile=compile_model, precision="auto" if cuda else "fp32")
        p = FineTunePredictor(str(model_dir), cfg, random_init=True)
        timer = EpochTimer(util)
        p.callbacks = [timer.callback]
        t0 = time.perf_counter()
        p.fit(train, None, num_labels=2, seed=0)
        total = time.perf_counter() - t0
        timed = timer.epochs[-1]
        pad = padded_tokens(token_budget_batches(lengths, budget, multiple, max_length), multiple)  # same bucket sizes
        res = rate_block(args.n, int(lengths.sum()), pad, timed["seconds"], n_params, peak, timed["gpu_util"])
        res.update({"fit_seconds_total": round(total, 1), "warmup_epoch_seconds": round(timer.epochs[0]["seconds"], 2),
                    "steps_per_epoch": timed["steps"], "settings": p.train_stats})
        # prediction rate on the same sequences (length-sorted, token budget x 2), after a short warm-up
        p.predict_logits(seqs[: min(len(seqs), 512)])
        sync()
        t1 = time.perf_counter()
        p.predict_logits(seqs)
        sync()
        res["predict_examples_per_s"] = round(args.n / (time.perf_counter() - t1), 1)
        if cuda:
            res["peak_memory_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        del p
        return res

    # -- model-only loop over pre-collated batches -------------------------------------------------------
    def collate_all(batches: list[list[int]], mult: int | None, pad_to: int | None = None) -> list[dict[str, torch.Tensor]]:
        collate = PadCollator(spec.tokenizer.pad_token_id, multiple_of=mult, max_width=max_length, pad_to=pad_to)
        return [{k: v.to(device) for k, v in collate([{"input_ids": encoded[j], "labels": labels[j]} for j in b]).items()}
                for b in batches]

    def model_only(batches: list[list[int]], mult: int | None, compile_model: bool, warmup_steps: int | None,
                   pad_to: int | None = None) -> dict[str, Any]:
        """warmup_steps None: one full warm-up epoch over the same batches (every shape seen), then one timed epoch."""
        torch.manual_seed(0)
        model, _ = build_model(spec, 2, random_init=True)
        set_attention(model, "auto")
        model.to(device).train()
        opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01, fused=cuda or None)
        weight = class_weights(np.asarray(labels), 2).to(device)
        forward = model
        if compile_model:
            allow_bucketed_recompiles()
            forward = torch.compile(model, backend=backend)
        data = collate_all(batches, mult, pad_to)

        def run(items: list[dict[str, torch.Tensor]]) -> None:
            for batch in items:
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                    logits = forward(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
                torch.nn.functional.cross_entropy(logits.float(), batch["labels"], weight=weight).backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
                opt.step()
                opt.zero_grad(set_to_none=True)

        with no_padding_probe() if cuda else contextlib.nullcontext():
            t0 = time.perf_counter()
            run(data if warmup_steps is None else data[:warmup_steps])
            sync()
            warm = time.perf_counter() - t0
            util.start()
            t0 = time.perf_counter()
            run(data)
            sync()
            seconds = time.perf_counter() - t0
            gpu = util.stop()
        n_ex = sum(len(b) for b in batches)
        res = rate_block(n_ex, int(sum(lengths[b].sum() for b in batches)), padded_tokens(batches, mult, pad_to), seconds,
                         n_params, peak, gpu)
        res.update({"warmup_seconds": round(warm, 2), "steps": len(batches), "compiled": compile_model})
        return res

    results: dict[str, Any] = {}

    def report(final: bool = False) -> str:
        """Ratios from what has run so far; rewrite throughput.json / .md (partial results survive a timeout)."""
        ratios: dict[str, Any] = {}

        def rate(key: str) -> float | None:
            return results.get(key, {}).get("examples_per_s")

        best_model = max((k for k in ("model_only", "model_only_compiled") if rate(k)), key=lambda k: rate(k), default=None)
        best_harness = max((k for k in ("harness", "harness_compiled") if rate(k)), key=lambda k: rate(k), default=None)
        if best_model and best_harness:
            ratios["harness_vs_best_model_only"] = round(rate(best_harness) / rate(best_model), 3)
            ratios["harness_used"], ratios["model_only_used"] = best_harness, best_model
        if rate("model_only") and rate("pad_to_max"):
            ratios["bucketed_vs_pad_to_max"] = round(rate("model_only") / rate("pad_to_max"), 2)
        if rate("model_only") and rate("exact_widths"):
            ratios["bucketed_vs_exact_widths"] = round(rate("model_only") / rate("exact_widths"), 2)
        if best_harness:
            ratios["harness_used"] = best_harness
            ratios["harness_mfu"] = results[best_harness]["mfu"]
        out["results"], out["ratios"] = results, ratios
        out["complete"] = final
        out["wall_seconds"] = round(time.perf_counter() - started, 1)
        out["command"] = "python benchmarks/throughput.py " + " ".join(sys.argv[1:])
        table = markdown(out)
        if args.out_dir:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            for fname, text in (("throughput.json", json.dumps(out, indent=2) + "\n"), ("throughput.md", table + "\n")):
                tmp = args.out_dir / (fname + ".tmp")
                tmp.write_text(text)
                tmp.replace(args.out_dir / fname)
        return table

    def attempt(key: str, estimate_s: float, fn: Any) -> None:
        """Run one measurement unless it would overrun the time budget; a failure is recorded, not fatal."""
        if over_budget(key, estimate_s):
            return
        try:
            results[key] = fn()
        except Exception as exc:  # noqa: BLE001 - e.g. out of memory or a compile error: keep the other figures
            out.setdefault("errors", {})[key] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
            print(f"[fail] {key}: {out['errors'][key]}", file=sys.stderr)
        if cuda:
            import gc

            gc.collect()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        report()

    def sync_audit() -> dict[str, Any]:
        """A short harness fit (quarter budget: more steps) with sync debug mode on over 20 steps."""
        audit = SyncAudit(first=3, count=20)
        sub = Dataset.from_dict({"sequence": seqs[:1500], "label": labels[:1500]})
        cfg = FineTuneConfig(epochs=1, max_tokens=max(max_length, budget // 4), pad_multiple=multiple, patience=0, progress=False)
        p = FineTunePredictor(str(model_dir), cfg, random_init=True)
        p.callbacks = [audit.callback]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            p.fit(sub, None, num_labels=2, seed=0)
        syncs = [w for w in caught if "synchroniz" in str(w.message).lower()]
        where: dict[str, int] = {}
        for w in syncs:
            key = f"{Path(w.filename).name}:{w.lineno}"
            where[key] = where.get(key, 0) + 1
        return {"steps": audit.steps, "syncs": len(syncs), "syncs_per_step": round(len(syncs) / max(audit.steps, 1), 2),
                "where": dict(sorted(where.items(), key=lambda kv: -kv[1])[:8])}

    def sdpa_check() -> dict[str, Any]:
        """SDPA vs eager logits on one padded batch of 16 inputs spread over the length range."""
        torch.manual_seed(0)
        model, _ = build_model(spec, 2, random_init=True)
        model.to(device).eval()
        order = np.argsort(lengths)
        pick = order[np.linspace(0, len(order) - 1, 16).astype(int)].tolist()
        batch = collate_all([pick], multiple)[0]
        batch.pop("labels")
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            set_attention(model, "sdpa")
            fast_logits = model(**batch).logits.float()
            set_attention(model, "eager")
            slow_logits = model(**batch).logits.float()
        rel = float((fast_logits - slow_logits).norm() / slow_logits.norm())
        return {"relative_error": rel, "ok": bool(np.isfinite(rel) and rel < (2e-2 if amp else 1e-4)),
                "rows": len(pick), "width": int(batch["input_ids"].shape[1])}

    rows_max = max(1, budget // max_length)
    perm = np.random.default_rng(2).permutation(args.n).tolist()
    pad_max_batches = [perm[i:i + rows_max] for i in range(0, args.n, rows_max)]
    ratio_max = padded_tokens(pad_max_batches, None, max_length) / max(padded_tokens(budget_batches, multiple), 1)
    exact = token_budget_batches(lengths, budget, 1, max_length, np.random.default_rng([0, 1]))
    fast = 6 * n_params * lengths.sum() / (0.15 * (peak or 1) * 1e12) if cuda else 30.0  # rough epoch time at 15 % MFU
    # In order of importance: whatever no longer fits the time budget is skipped (and said so).
    attempt("harness", 3 * fast + 30, lambda: harness(False))
    attempt("model_only", 2 * fast + 10, lambda: model_only(budget_batches, multiple, False, None))
    if cuda:
        attempt("sync_audit", 30, sync_audit)
    else:
        out["skipped"]["sync_audit"] = "needs CUDA (torch.cuda.set_sync_debug_mode)"
    attempt("sdpa_check", 15, sdpa_check)
    attempt("pad_to_max", fast * ratio_max * 0.6 + 10, lambda: model_only(pad_max_batches, None, False, 3, pad_to=max_length))
    attempt("model_only_compiled", 2 * fast + 120, lambda: model_only(budget_batches, multiple, True, None))
    attempt("harness_compiled", 3 * fast + 60, lambda: harness(True))
    attempt("exact_widths", 4 * fast + 20, lambda: model_only(exact, 1, False, None))

    print(report(final=True))
    return 0


def markdown(out: dict[str, Any]) -> str:
    """Docs-ready table of one GPU-suite run."""
    r, q = out["results"], out["ratios"]
    peak = f"{out['peak_bf16_tflops']} TFLOP/s ({out['peak_source']})" if out["peak_bf16_tflops"] else out["peak_source"]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on **{out['device']}**, {out['precision']}; "
        f"torch {out['torch']}, transformers {out['transformers']}, CUDA {out['cuda']}. Command: `{out['command']}` "
        f"({out['wall_seconds']:.0f} s in all).",
        f"Model: {out['model']}, {out['n_params'] / 1e6:.1f} M parameters, random init. Data: {out['data']}; "
        f"{out['mean_tokens']:.0f} tokens per input on average (max {out['max_tokens_seen']}, NT-style 6-mers). "
        f"Token budget {out['max_tokens']:,} per step ({out['batches_per_epoch']} steps, {out['examples_per_batch']} examples "
        f"per step on average), widths to a multiple of {out['pad_multiple']}, max length {out['max_length']}.",
        f"MFU = 6 x parameters x real tokens/s / {peak}"
        + (f"; an 8192^3 bf16 matmul ran at {out['matmul_bf16_tflops_measured']} TFLOP/s here." if out.get("matmul_bf16_tflops_measured") else ".")
        + f" GPU utilisation: {out['gpu_util_source']}. Each row is one full steady-state epoch (warm-up excluded).",
        "",
        "| what ran | examples/s | real tokens/s | MFU | GPU busy | padding | notes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    names = [("harness", "harness: `FineTunePredictor.fit`, eager"), ("harness_compiled", "harness, `--compile`"),
             ("model_only", "model-only loop, eager, bucketed token-budget batches"),
             ("model_only_compiled", "model-only loop, compiled"),
             ("exact_widths", "model-only, exact widths (no bucketing)"),
             ("pad_to_max", "model-only, random batches padded to max length")]
    for key, label in names:
        if key not in r:
            why = out["skipped"].get(key) or (out.get("errors") or {}).get(key) or "not run"
            lines.append(f"| {label} | — | — | — | — | — | not measured: {why} |")
            continue
        x = r[key]
        mfu = f"{100 * x['mfu']:.1f} %" if x.get("mfu") is not None else "n/a"
        busy = f"{x['gpu_util_percent']:.0f} %" if x.get("gpu_util_percent") is not None else "n/a"
        note = []
        if "steps_per_epoch" in x:
            note.append(f"{x['steps_per_epoch']} steps; warm-up epoch {x['warmup_epoch_seconds']} s; predict {x['predict_examples_per_s']} ex/s")
        if "warmup_seconds" in x:
            note.append(f"{x['steps']} steps; warm-up {x['warmup_seconds']} s")
        lines.append(f"| {label} | {x['examples_per_s']:.1f} | {x['real_tokens_per_s']:,} | {mfu} | {busy} | "
                     f"{100 * x['padding_fraction']:.0f} % | {'; '.join(note)} |")
    lines += ["", "| ratio | value | target |", "|---|---:|---:|"]
    if "harness_mfu" in q and q["harness_mfu"] is not None:
        lines.append(f"| harness MFU (best of eager/compiled: {q.get('harness_used', '')}) | {100 * q['harness_mfu']:.1f} % | >= 25 % |")
    if "harness_vs_best_model_only" in q:
        lines.append(f"| harness / best model-only loop ({q['harness_used']} / {q['model_only_used']}) | "
                     f"{q['harness_vs_best_model_only']:.2f}x | >= 0.9x |")
    if "bucketed_vs_pad_to_max" in q:
        lines.append(f"| bucketed length-grouped / pad-to-max (model-only, same token budget) | {q['bucketed_vs_pad_to_max']:.2f}x | >= 1.5x |")
    if "bucketed_vs_exact_widths" in q:
        lines.append(f"| bucketed widths / exact widths | {q['bucketed_vs_exact_widths']:.2f}x | |")
    audit, check = r.get("sync_audit"), r.get("sdpa_check")
    lines.append("")
    if audit:
        lines.append(f"Host syncs per harness training step: **{audit['syncs_per_step']}** ({audit['syncs']} in {audit['steps']} steps"
                     + (f"; at {', '.join(f'{k} x{v}' for k, v in audit['where'].items())}" if audit["where"] else "") + ").")
    if check:
        lines.append(f"SDPA vs eager logits ({check['rows']} rows x {check['width']} tokens, {out['precision']}): relative error "
                     f"{check['relative_error']:.2e} ({'ok' if check['ok'] else 'TOO LARGE'}).")
    if out["skipped"]:
        lines.append("Skipped: " + "; ".join(f"{k}: {v}" for k, v in out["skipped"].items()) + ".")
    if out.get("errors"):
        lines.append("Failed: " + "; ".join(f"{k}: {v}" for k, v in out["errors"].items()) + ".")
    if not out.get("complete"):
        lines.append("**Partial**: the run stopped before its last measurement.")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", choices=["padding", "gpu"], default="gpu" if torch.cuda.is_available() else "padding")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads on CPU (1 is fastest for small models on a shared box)")
    # padding suite
    ap.add_argument("--family", choices=["nt", "dnabert"], default="nt")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--n-timed", type=int, default=96, help="padding suite: training examples timed per mode")
    ap.add_argument("--synthetic", action="store_true", help="padding suite: synthetic sequences instead of the demo task")
    ap.add_argument("--write", type=Path, default=None, help="padding suite: markdown file whose section is rewritten")
    # both
    ap.add_argument("--max-length", type=int, default=1024)
    ap.add_argument("--pad-multiple", type=int, default=None, help="width multiple (default: 64 on CUDA, 1 on CPU)")
    # gpu suite
    ap.add_argument("--n", type=int, default=None, help="sequences per epoch (gpu suite default 10,000; smoke 256)")
    ap.add_argument("--preset", choices=sorted(PRESETS), default=None)
    ap.add_argument("--max-tokens", type=int, default=None, help="token budget per step (default 32,768; smoke 2,048)")
    ap.add_argument("--budget-s", type=float, default=420.0, help="skip the remaining measurements past this many seconds")
    ap.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak of the device if not in the table")
    ap.add_argument("--smoke", action="store_true", help="gpu suite at toy sizes (runs on a CPU)")
    ap.add_argument("--only", type=lambda v: [x for x in v.split(",") if x], default=None,
                    help="gpu suite: run only these measurements (comma list of: harness, model_only, sync_audit, "
                         "sdpa_check, pad_to_max, model_only_compiled, harness_compiled, exact_widths)")
    ap.add_argument("--out-dir", type=Path, default=None)
    args = ap.parse_args()
    if args.suite == "padding":
        args.n = args.n or 96
        padding_suite(args)
        return 0
    args.preset = args.preset or ("tiny" if args.smoke else "nt-v2-like")
    args.n = args.n or (256 if args.smoke else 10_000)
    args.max_tokens = args.max_tokens or (2048 if args.smoke else 32_768)
    if args.smoke:
        args.max_length = min(args.max_length, 256)
    if not args.smoke and args.n < 10_000:
        print("note: steady-state figures need --n >= 10,000 (one full epoch of at least 10,000 sequences)", file=sys.stderr)
    return gpu_suite(args)


if __name__ == "__main__":
    sys.exit(main())
