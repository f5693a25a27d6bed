"""Training-input throughput of the harness (a script, not a test).

In one run, on the same model and data, it measures:

1. training examples/s (forward + backward + AdamW step) with length-grouped batches and
   dynamic padding (what `FineTunePredictor` does) vs random batches padded to max length;
2. tokenization + collation examples/s vs model forward + backward examples/s
   (the input pipeline must not be the bottleneck).

Both use the harness's own pieces (`Adapter.encode`, `PadCollator`, transformers'
`LengthGroupedSampler`). Data: the demo `herv_classification/binary` train split
(built offline on first use) or, with `--synthetic`, log-uniform 150-3000 bp sequences.
Writes the figures to docs/throughput.md (or `--out`).

    python benchmarks/throughput.py                     # NT-style 6-mer model, 1024 tokens
    python benchmarks/throughput.py --family dnabert --max-length 512
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import torch  # noqa: E402


def sequences(args: argparse.Namespace) -> tuple[list[str], list[int], str]:
    """Training sequences and labels (demo build or synthetic) and a description."""
    if not args.synthetic:
        from benchmark.tasks import load_task

        task = load_task("herv_classification/binary", source="demo")
        train = task.data["train"]
        return list(train["sequence"]), list(train["label"]), f"demo herv_classification/binary train split ({len(train)} sequences)"
    rng = np.random.default_rng(0)
    lengths = np.exp(rng.uniform(np.log(150), np.log(3000), size=args.n)).astype(int)
    seqs = ["".join(rng.choice(list("ACGT"), size=n)) for n in lengths]
    return seqs, [int(x) for x in rng.integers(0, 2, size=args.n)], f"synthetic log-uniform 150-3000 bp ({args.n} sequences)"


def build_model_dir(args: argparse.Namespace, root: Path) -> Path:
    from benchmark.models.tiny import make_tiny_dnabert, make_tiny_nt

    if args.family == "nt":
        return make_tiny_nt(root / "nt", hidden=args.hidden, layers=args.layers, max_positions=args.max_length + 2)
    return make_tiny_dnabert(root / "dnabert", k=6, hidden=args.hidden, layers=args.layers, max_positions=args.max_length)


def batches(order: list[int], size: int) -> list[list[int]]:
    return [order[i:i + size] for i in range(0, len(order), size)]


def timed_step(model, opt, batch, device, amp) -> float:
    """Seconds for forward + backward (+ AdamW step when `opt` is given) on one batch."""
    batch = {k: v.to(device) for k, v in batch.items()}
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
        logits = model(input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask")).logits.float()
    torch.nn.functional.cross_entropy(logits, batch["labels"]).backward()
    if opt is not None:
        opt.step()
    model.zero_grad(set_to_none=True)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def section_key(args: argparse.Namespace) -> str:
    return f"{args.family}-{args.max_length}{'-synthetic' if args.synthetic else ''}"


def write_section(path: Path, key: str, body: str) -> None:
    """Replace (or append) this configuration's section of the markdown file."""
    head = ("# Training throughput (benchmarks/throughput.py)\n\n"
            "Targets: length-grouped dynamic padding >= 1.5x the training examples/s of pad-to-max, and\n"
            "tokenization + collation >= 10x the examples/s of model forward + backward. Each section below is\n"
            "one run of the script (it rewrites its own section). GPU: not measured yet -- the session that wrote\n"
            "this had no GPU; on CUDA the script (like `bench run`) uses bf16 autocast when supported.\n\n")
    text = path.read_text() if path.exists() else head
    begin, end = f"<!-- run:{key} -->", f"<!-- end:{key} -->"
    block = f"{begin}\n{body}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--family", choices=["nt", "dnabert"], default="nt")
    ap.add_argument("--max-length", type=int, default=1024)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--n", type=int, default=96, help="training examples timed per mode")
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads on CPU (1 is fastest for small models on a shared box)")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "throughput.md")
    args = ap.parse_args()

    import transformers
    from transformers.trainer_pt_utils import LengthGroupedSampler

    from benchmark.models import build_model, load_model_spec
    from benchmark.models.batching import PadCollator

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    if args.threads and not torch.cuda.is_available():
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    amp = device.type == "cuda" and torch.cuda.is_bf16_supported()

    seqs, labels, data_desc = sequences(args)
    with tempfile.TemporaryDirectory() as tmp:
        spec = load_model_spec(str(build_model_dir(args, Path(tmp))))
        adapter = spec.adapter
        max_length = adapter.resolve_max_length(args.max_length)

        # --- tokenization + collation (all sequences, dynamic padding, grouped batches) ---------
        collate_dyn = PadCollator(spec.tokenizer.pad_token_id, attention_mask=adapter.uses_attention_mask)
        t0 = time.perf_counter()
        encoded, _ = adapter.encode(seqs, max_length)
        lengths = [len(x) for x in encoded]
        sampler = list(LengthGroupedSampler(args.batch_size, lengths=lengths, generator=torch.Generator().manual_seed(0)))
        for idx in batches(sampler, args.batch_size):
            collate_dyn([{"input_ids": encoded[j], "labels": labels[j]} for j in idx])
        prep_rate = len(seqs) / (time.perf_counter() - t0)

        torch.manual_seed(0)
        model, _ = build_model(spec, 2, random_init=True)
        model.to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
        n_params = sum(p.numel() for p in model.parameters())

        rng = np.random.default_rng(0)
        take = args.n + args.batch_size  # + one warm-up batch
        grouped = batches(sampler, args.batch_size)
        rng.shuffle(grouped)  # the sampler's megabatch order, cut to the budget
        grouped_sel: list[list[int]] = []
        for b in grouped:
            if sum(len(x) for x in grouped_sel) >= take:
                break
            grouped_sel.append(b)
        random_sel = batches([int(i) for i in rng.permutation(len(seqs))[:take]], args.batch_size)
        collate_max = PadCollator(spec.tokenizer.pad_token_id, pad_to=max_length, attention_mask=adapter.uses_attention_mask)

        # Interleaved, batch by batch, so load changes on a shared machine hit every mode alike;
        # the first round is warm-up and not counted.
        t_dyn = t_max = t_fb = 0.0
        n_dyn = n_max = 0
        model.train()
        for i, (g, r) in enumerate(zip(grouped_sel, random_sel)):
            gb = collate_dyn([{"input_ids": encoded[j], "labels": labels[j]} for j in g])
            rb = collate_max([{"input_ids": encoded[j], "labels": labels[j]} for j in r])
            times = (timed_step(model, opt, gb, device, amp), timed_step(model, opt, rb, device, amp),
                     timed_step(model, None, gb, device, amp))
            print(f"round {i}: grouped {times[0]:.2f}s  pad-to-max {times[1]:.2f}s  fwd+bwd {times[2]:.2f}s", file=sys.stderr)
            if i:
                t_dyn, t_max, t_fb = t_dyn + times[0], t_max + times[1], t_fb + times[2]
                n_dyn, n_max = n_dyn + len(g), n_max + len(r)
        dyn_rate, max_rate, fb_rate = n_dyn / t_dyn, n_max / t_max, n_dyn / t_fb
        dyn_n, max_n = n_dyn, n_max

    mean_len = float(np.mean(lengths))
    speedup, prep_ratio = dyn_rate / max_rate, prep_rate / fb_rate
    device_desc = torch.cuda.get_device_name(0) if device.type == "cuda" else f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, {os.cpu_count()} cores)"
    lines = [
        f"## {adapter.name}-style model, max length {max_length}",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {device_desc}"
        f"{', bf16 autocast' if amp else ', fp32'}; torch {torch.__version__}, transformers {transformers.__version__}.",
        f"Model: random init, hidden {args.hidden}, {args.layers} layers, {n_params / 1e6:.2f} M parameters; "
        f"max length {max_length} tokens, batch size {args.batch_size}.",
        f"Data: {data_desc}; mean {mean_len:.0f} tokens per input after head+tail truncation "
        f"({100 * np.mean(np.array(lengths) >= max_length):.0f}% at the max length).",
        "",
        "| measure | examples/s | ratio | target |",
        "|---|---:|---:|---:|",
        f"| training, length-grouped batches + dynamic padding | {dyn_rate:.1f} | **{speedup:.2f}x** vs pad-to-max | >= 1.5x |",
        f"| training, random batches padded to max length | {max_rate:.1f} | 1.00x | |",
        f"| tokenization + collation (all {len(seqs)} sequences) | {prep_rate:.0f} | **{prep_ratio:.0f}x** vs forward+backward | >= 10x |",
        f"| model forward + backward (grouped, dynamic) | {fb_rate:.1f} | 1.00x | |",
        "",
        f"Training rows: forward + backward + AdamW step over {dyn_n} (grouped) and {max_n} (pad-to-max) examples,",
        "timed batch by batch in alternation (one warm-up round excluded), so load on a shared machine hits both",
        f"alike. Command: `python benchmarks/throughput.py --family {args.family} --max-length {args.max_length}"
        f"{' --synthetic' if args.synthetic else ''}`.",
    ]
    body = "\n".join(lines)
    print(body)
    write_section(args.out, section_key(args), body)


if __name__ == "__main__":
    main()
