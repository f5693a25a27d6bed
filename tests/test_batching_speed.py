"""Shape bucketing, token-budget batches, the attention switch and the sync-free SDPA mask."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.models.base import ModelError
from benchmark.models.batching import PadCollator, TokenBudgetBatchSampler, bucket_width, token_budget_batches
from benchmark.speed import no_padding_probe, resolve_pad_multiple, set_attention

LENGTHS = [3, 70, 64, 65, 200, 10, 130, 1000, 1024, 5]


def test_bucket_width_rounds_up_but_never_past_the_max_length() -> None:
    assert [bucket_width(n, 64, 1000) for n in (1, 64, 65, 900, 960, 961, 1000)] == [64, 64, 128, 960, 960, 1000, 1000]
    assert [bucket_width(n, 1) for n in (1, 7, 1000)] == [1, 7, 1000]
    assert bucket_width(7, None) == 7 and bucket_width(7, 8, 6) == 7  # cap never cuts an input


def test_pad_collator_buckets_widths_and_masks_padding() -> None:
    collate = PadCollator(pad_id=1, multiple_of=4, max_width=6)
    batch = collate([{"input_ids": [5, 6, 7], "labels": 1}, {"input_ids": [8], "labels": 0}])
    assert batch["input_ids"].tolist() == [[5, 6, 7, 1], [8, 1, 1, 1]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 0], [1, 0, 0, 0]]
    assert batch["labels"].tolist() == [1, 0]
    wide = collate([{"input_ids": [2, 2, 2, 2, 2]}])  # 5 -> 8 by the multiple, capped at the max width 6
    assert wide["input_ids"].tolist() == [[2, 2, 2, 2, 2, 1]]
    left = PadCollator(pad_id=0, padding_side="left", multiple_of=4, attention_mask=False)([{"input_ids": [9, 9]}])
    assert left["input_ids"].tolist() == [[0, 0, 9, 9]] and "attention_mask" not in left


def test_token_budget_batches_exact() -> None:
    """Budget 256, widths bucketed to 64 (cap 1024): 64-wide rows 4 to a batch, 128-wide 2, wider ones alone;
    the sequence longer than the budget still gets a batch of its own."""
    assert token_budget_batches(LENGTHS, 256, 64, 1024) == [[0, 9, 5, 2], [3, 1], [6], [4], [7], [8]]
    # Leftovers join the next wider bucket: 5 inputs of width 64 at 4 rows -> one batch + one carried to 128 (2 rows).
    assert token_budget_batches([10, 11, 12, 13, 14, 100, 101, 102], 256, 64) == [[0, 1, 2, 3], [4, 5], [6, 7]]


@pytest.mark.parametrize("budget,multiple", [(512, 64), (300, 1), (2048, 8)])
def test_token_budget_batches_cover_every_input_once_within_budget(budget: int, multiple: int) -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 260, size=500)
    for shuffle in (None, np.random.default_rng(1)):
        batches = token_budget_batches(lengths, budget, multiple, 256, shuffle)
        flat = sorted(i for b in batches for i in b)
        assert flat == list(range(500))
        for b in batches:
            width = bucket_width(int(lengths[b].max()), multiple, 256)
            assert len(b) * width <= budget
        if shuffle is None:  # evaluation order: shortest first
            widths = [bucket_width(int(lengths[b].max()), multiple, 256) for b in batches]
            assert widths == sorted(widths)
    assert not token_budget_batches([], 100)


def test_sampler_is_seeded_reshuffles_per_epoch_and_keeps_its_length() -> None:
    lengths = np.random.default_rng(2).integers(5, 600, size=300)
    a = TokenBudgetBatchSampler(lengths, 1024, pad_multiple=64, max_width=512, seed=7)
    b = TokenBudgetBatchSampler(lengths, 1024, pad_multiple=64, max_width=512, seed=7)
    first, second = list(a), list(a)  # no set_epoch: each pass is the next epoch
    assert first != second and len(first) == len(second) == len(a)
    b.set_epoch(1)
    assert list(b) == second
    b.set_epoch(0)
    assert list(b) == first
    other = TokenBudgetBatchSampler(lengths, 1024, pad_multiple=64, max_width=512, seed=8)
    assert list(other) != first
    assert sorted(map(len, first)) == sorted(map(len, second))  # members reshuffled, batch sizes fixed by the lengths
    assert sorted(i for batch in first for i in batch) == list(range(300))


def test_accelerate_gives_each_rank_its_own_budget_batches() -> None:
    """What `accelerate launch` / `torchrun` do to the training loader: 2 ranks, disjoint batches, equal counts."""
    from accelerate.data_loader import prepare_data_loader
    from torch.utils.data import DataLoader

    lengths = np.random.default_rng(3).integers(5, 300, size=101)
    seen = []
    for rank in (0, 1):
        sampler = TokenBudgetBatchSampler(lengths, 512, pad_multiple=16, max_width=300, seed=0)
        loader = DataLoader(list(range(101)), batch_sampler=sampler, collate_fn=lambda rows: rows)
        shard = prepare_data_loader(loader, torch.device("cpu"), num_processes=2, process_index=rank, put_on_device=False)
        seen.append([list(b) for b in shard])
    assert len(seen[0]) == len(seen[1]) == -(-len(sampler) // 2)
    everything = [i for rank in seen for b in rank for i in b]
    assert set(everything) == set(range(101))
    real = [b for b in token_budget_batches(lengths, 512, 16, 300, np.random.default_rng([0, 0]))]
    assert seen[0][0] == real[0] and seen[1][0] == real[1]  # batch i goes to rank i % 2


def test_pad_multiple_defaults() -> None:
    cuda = torch.cuda.is_available()
    assert resolve_pad_multiple(None) == (64 if cuda else 1)
    assert resolve_pad_multiple(None, uses_attention_mask=False) == 1  # models that see pad tokens get none extra
    assert resolve_pad_multiple(8) == 8
    with pytest.raises(ModelError, match="--pad-multiple must be at least 1"):
        resolve_pad_multiple(0)


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    from benchmark.models.tiny import make_tiny_dnabert, make_tiny_gpt2, make_tiny_nt

    root = tmp_path_factory.mktemp("attn-models")
    return {"nt": make_tiny_nt(root / "nt", hidden=32, layers=2), "dnabert": make_tiny_dnabert(root / "dnabert", k=3),
            "gpt2": make_tiny_gpt2(root / "gpt2")}


def _padded_batch(spec, seqs, multiple=8):
    ids, _ = spec.adapter.encode(seqs, 64)
    pad = spec.tokenizer.pad_token_id
    return PadCollator(pad, getattr(spec.tokenizer, "padding_side", "right"), multiple_of=multiple)(
        [{"input_ids": x} for x in ids])


@pytest.mark.parametrize("name", ["nt", "dnabert", "gpt2"])
def test_sdpa_and_eager_attention_agree_on_padded_batches(tiny_models, name) -> None:
    """ESM (NT), BERT (DNABERT) and GPT-2: the SDPA kernel gives the eager logits (float32, CPU) on a batch
    whose rows carry different amounts of padding."""
    from benchmark.models import build_model, load_model_spec

    spec = load_model_spec(str(tiny_models[name]))
    torch.manual_seed(0)
    model, _ = build_model(spec, 2)
    model.eval()
    batch = _padded_batch(spec, ["ACGTACGTTTGACCA" * 3, "GATTACA", "CCCGGGAAATTT" * 2])
    assert set_attention(model, "auto") == "sdpa"
    with torch.no_grad():
        fast = model(**batch).logits
        assert set_attention(model, "eager") == "eager"
        slow = model(**batch).logits
    torch.testing.assert_close(fast, slow, rtol=1e-5, atol=1e-5)


def test_set_attention_falls_back_or_says_why() -> None:
    class NoSdpa(torch.nn.Module):
        _supports_sdpa = False

        def __init__(self) -> None:
            super().__init__()
            self.config = type("Cfg", (), {"_attn_implementation": "eager"})()

    assert set_attention(NoSdpa(), "auto") == "eager"
    with pytest.raises(ModelError, match="--attn sdpa: NoSdpa has no scaled-dot-product attention"):
        set_attention(NoSdpa(), "sdpa")
    with pytest.raises(ModelError, match="--attn must be one of auto, sdpa, eager"):
        set_attention(NoSdpa(), "flash")


def test_no_padding_probe_builds_the_same_mask_without_reading_the_gpu(tiny_models, monkeypatch) -> None:
    import transformers.masking_utils as masking

    from benchmark.models import build_model, load_model_spec

    original = masking._ignore_bidirectional_mask_sdpa

    class OnGpu:  # stands in for a CUDA mask: the patched check must not look inside it
        is_cuda = True

        def all(self):  # pragma: no cover - reading it is the failure
            raise AssertionError("padding mask read on the host")

    with no_padding_probe():
        assert masking._ignore_bidirectional_mask_sdpa(OnGpu(), 8, None) is False
        assert masking._ignore_bidirectional_mask_sdpa(torch.ones(2, 8, dtype=torch.bool), 8, None) is True  # CPU: as before
        assert masking._ignore_bidirectional_mask_sdpa(None, 8, None) is True
    assert masking._ignore_bidirectional_mask_sdpa is original
    # The explicit all-ones mask gives the same logits as skipping the mask (ESM, unpadded batch).
    spec = load_model_spec(str(tiny_models["nt"]))
    torch.manual_seed(0)
    model, _ = build_model(spec, 2)
    model.eval()
    batch = _padded_batch(spec, ["ACGTAC" * 4, "TTTGGG" * 4], multiple=1)
    assert bool(batch["attention_mask"].all())
    with torch.no_grad():
        skipped = model(**batch).logits
        monkeypatch.setattr(masking, "_ignore_bidirectional_mask_sdpa", lambda *a, **k: False)
        explicit = model(**batch).logits
    torch.testing.assert_close(skipped, explicit, rtol=1e-6, atol=1e-6)
