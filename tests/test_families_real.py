"""Conformance of every model family built from its published code (HyenaDNA, DNABERT-2, Caduceus, GENA-LM).

The families' own modeling/tokenizer files are pinned in tests/fixtures/remote_code/sources.json
(repository, commit, licence, sha256) and put in place by `scripts/get_remote_code.py`; they are
third-party code and not committed. Where they are absent these tests skip (set
PHENOSEQ_REQUIRE_REMOTE_CODE=1 to make that a failure). From them, tiny randomly initialised
checkpoints laid out like Hub repos go through the whole flow of tests/families_flow.py.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from families_flow import csv_task, invoke, one_line_error, run_flow

from benchmark.models.conformance import build_family

ROOT = Path(__file__).parent / "fixtures" / "remote_code"
SOURCES = json.loads((ROOT / "sources.json").read_text())["files"]

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def code_dir(family: str) -> Path:
    """The family's pinned files, checked against their sha256; skip (or fail) when absent."""
    bad = [f["file"] for f in SOURCES if f["family"] == family
           if not (ROOT / family / f["file"]).is_file()
           or hashlib.sha256((ROOT / family / f["file"]).read_bytes()).hexdigest() != f["sha256"]]
    if bad:
        why = f"{family}: {', '.join(bad)} missing or changed; run scripts/get_remote_code.py"
        if os.environ.get("PHENOSEQ_REQUIRE_REMOTE_CODE", "") not in ("", "0"):
            pytest.fail(why)
        pytest.skip(why)
    return ROOT / family


@pytest.fixture(scope="module")
def task(tmp_path_factory) -> str:
    return csv_task(tmp_path_factory.mktemp("families-real"))


@pytest.mark.parametrize("family,lora", [("hyenadna", True), ("dnabert2", True), ("gena-lm", True)])
def test_family_runs_the_whole_flow_from_its_published_code(family, lora, task, tmp_path):
    model = build_family(family, tmp_path / family, code_dir(family))
    assert (model / "config.json").is_file() and json.loads((model / "config.json").read_text())["auto_map"]
    results = run_flow(model, task, tmp_path / "out", trust=True, lora=lora)
    assert results["model"]["adapter"] == {"hyenadna": "hyenadna", "dnabert2": "dnabert-2", "gena-lm": "gena-lm"}[family]


def test_hyenadna_shared_freq_parameter_survives_save_and_load(tmp_path):
    """HyenaDNA reuses one `freq` parameter at three places per filter; it used to abort every save."""
    import torch
    import transformers

    from benchmark.models.saving import distinct_state_dict, save_pretrained, shared_groups

    model_dir = build_family("hyenadna", tmp_path / "hy", code_dir("hyenadna"))
    model = transformers.AutoModelForSequenceClassification.from_pretrained(model_dir, trust_remote_code=True)
    groups = shared_groups(model.state_dict())
    assert ["hyena.backbone.layers.0.mixer.filter_fn.implicit_filter.1.freq",
            "hyena.backbone.layers.0.mixer.filter_fn.implicit_filter.3.freq",
            "hyena.backbone.layers.0.mixer.filter_fn.implicit_filter.5.freq"] in groups
    with pytest.raises(RuntimeError, match="shared tensors"):
        model.save_pretrained(tmp_path / "plain")            # what transformers does on its own
    with torch.no_grad():
        model.hyena.backbone.layers[0].mixer.filter_fn.implicit_filter[1].freq.fill_(3.5)
    assert not shared_groups(distinct_state_dict(model))
    save_pretrained(model, tmp_path / "saved")
    back = transformers.AutoModelForSequenceClassification.from_pretrained(tmp_path / "saved", trust_remote_code=True)
    filt = back.hyena.backbone.layers[0].mixer.filter_fn.implicit_filter
    assert filt[1].freq is filt[3].freq and float(filt[5].freq.mean()) == 3.5   # still one parameter, value kept
    ids = torch.tensor([[7, 8, 9, 10, 11, 1]])
    torch.testing.assert_close(back(input_ids=ids).logits, model(input_ids=ids).logits)


def test_hyenadna_gets_only_input_ids_and_no_mask_padded_right(tmp_path):
    from benchmark.models import load_model_spec

    from benchmark.models import build_model

    spec = load_model_spec(str(build_family("hyenadna", tmp_path / "hy", code_dir("hyenadna"))), trust_remote_code=True)
    assert spec.adapter.name == "hyenadna"
    assert dict(spec.tokenizer("ACGTN")) == {"input_ids": [7, 8, 9, 10, 11, 1]}
    model, head = build_model(spec, 2)
    spec.adapter.bind(model)                        # its forward takes no attention_mask
    assert head == "auto" and not spec.adapter.uses_attention_mask
    assert spec.tokenizer.padding_side == "left" and spec.adapter.padding_side() == "right"
    assert spec.adapter.encode(["ACGT", "AC"], max_length=8)[0] == [[7, 8, 9, 10, 1], [7, 8, 1]]


def test_hyena_dna_repository_tokenizer_fails_in_one_line(tmp_path):
    """HazyResearch's own `CharacterTokenizer` sets its vocabulary after `super().__init__`, which
    transformers >= 4.34 calls back into: loading it is a one-line load error, not a traceback."""
    model = build_family("hyenadna", tmp_path / "hy", code_dir("hyenadna"))
    (model / "hg38_char_tokenizer.py").write_bytes((code_dir("hyenadna") / "hg38_char_tokenizer.py").read_bytes())
    (model / "tokenizer_config.json").write_text(json.dumps(
        {"char_ords": [ord(c) for c in "ACGTN"], "model_max_length": 1026,
         "auto_map": {"AutoTokenizer": ["hg38_char_tokenizer.CharacterTokenizer", None]}}))
    line = one_line_error(invoke("run", "--model", model, "--task", csv_task(tmp_path), "--trust-remote-code",
                                 "--out", tmp_path / "out", "--no-progress"))
    assert f"model '{model}': load failed: " in line
    assert not (tmp_path / "out").exists()


def test_dnabert2_runs_its_pytorch_attention_when_triton_is_missing(tmp_path):
    """Without Triton, `bert_layers.py` falls back from `flash_attn_triton` to its PyTorch attention (with ALiBi)."""
    import importlib.util

    import torch
    import transformers

    if importlib.util.find_spec("triton") is not None and torch.cuda.is_available():
        pytest.skip("Triton + CUDA present: the flash path runs instead (GPU check)")
    from benchmark.models.registry import from_pretrained

    model_dir = build_family("dnabert2", tmp_path / "d2", code_dir("dnabert2"))
    model = from_pretrained(transformers.AutoModelForSequenceClassification, str(model_dir), trust_remote_code=True)
    module = __import__(type(model).__module__, fromlist=["flash_attn_qkvpacked_func"])
    assert module.flash_attn_qkvpacked_func is None          # the fallback is what runs here
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    assert len(tok) == 4096                                   # the published BPE vocabulary
    enc = tok(["ACGTAGCTAGCTAGCATCGATCGACTAGC", "ACGTAGC"], padding=True, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        batch = model(**enc).logits
        alone = model(**tok(["ACGTAGC"], return_tensors="pt")).logits
    assert torch.isfinite(batch).all()
    torch.testing.assert_close(batch[1:], alone, atol=1e-5, rtol=1e-4)   # padding masked out


# Stand-ins for `triton.language.dot`, with the signatures of the real releases
# (triton-lang/triton, python/triton/language/core.py): 2.0.0 still takes trans_a/trans_b; 3.x does not.
def _dot_2_0(input, other, trans_a=False, trans_b=False, allow_tf32=True, _builder=None):
    raise AssertionError("never compiled here")


def _dot_3(input, other, acc=None, input_precision=None, allow_tf32=None, max_num_imprecise_acc=None,
           out_dtype=None, _builder=None):
    raise AssertionError("never compiled here")


def _fake_triton(monkeypatch, version: str, dot) -> None:
    """Install a `triton` package of that version whose `triton.language.dot` is `dot`."""
    import sys
    import types

    root, lang = types.ModuleType("triton"), types.ModuleType("triton.language")
    root.__version__ = version
    lang.dot = dot
    root.language = lang
    monkeypatch.setitem(sys.modules, "triton", root)
    monkeypatch.setitem(sys.modules, "triton.language", lang)


def _published_kernel(monkeypatch):
    """A stand-in entry point shaped like the published one, `FlashAttnQKVPackedFunc.apply` (a method bound to an
    autograd Function, so its own `__module__` is torch's), its class from DNABERT-2's published
    `flash_attn_triton.py` (read, not run)."""
    import sys
    import types

    import torch

    source = types.ModuleType("phenoseq_test_dnabert2_flash_attn_triton")
    source.__file__ = str(code_dir("dnabert2") / "flash_attn_triton.py")
    monkeypatch.setitem(sys.modules, source.__name__, source)

    class FlashAttnQKVPackedFunc(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *args):
            raise AssertionError("the Triton kernel must not run")

    FlashAttnQKVPackedFunc.__module__ = source.__name__
    kernel = FlashAttnQKVPackedFunc.apply
    assert kernel.__module__ != source.__name__                # as with the real one: torch's own
    return kernel


def test_dnabert2_published_triton_kernel_is_recognised_as_triton_2_0_only(monkeypatch):
    """Its `tl.dot(q, k, trans_b=True)` compiles with Triton 2.0 only (MAGICS-LAB/DNABERT_2 #57, #70)."""
    from benchmark.models.compat import stale_triton_kernel

    kernel = _published_kernel(monkeypatch)
    _fake_triton(monkeypatch, "2.0.0", _dot_2_0)
    assert stale_triton_kernel(kernel) is None
    _fake_triton(monkeypatch, "3.3.1", _dot_3)
    why = stale_triton_kernel(kernel)
    assert why == ("its Triton flash-attention kernel needs Triton 2.0 (tl.dot(..., trans_b=True)); "
                   "Triton 3.3.1 has no trans_b")


def test_dnabert2_uses_its_pytorch_attention_where_its_triton_kernel_cannot_compile(monkeypatch, tmp_path, capsys):
    """With Triton 3 installed the published kernel would fail at the first CUDA forward pass; the adapter
    switches the model to its own PyTorch attention (same weights, same logits) and says so once."""
    import torch
    import transformers

    from benchmark.models import compat
    from benchmark.models.families import DNABERT2
    from benchmark.models.registry import from_pretrained

    model_dir = build_family("dnabert2", tmp_path / "d2", code_dir("dnabert2"))
    model = from_pretrained(transformers.AutoModelForSequenceClassification, str(model_dir), trust_remote_code=True)
    module = __import__(type(model).__module__, fromlist=[compat.KERNEL_ATTR])
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    enc = tok(["ACGTAGCTAGCTAGCATCGATCGACTAGC", "ACGTAGC"], padding=True, return_tensors="pt")
    model.eval()
    with torch.no_grad():
        before = model(**enc).logits
    monkeypatch.setattr(compat, "_NOTED", set())
    monkeypatch.setattr(module, compat.WHY_ATTR, None, raising=False)
    kernel = _published_kernel(monkeypatch)

    # Triton 2.0: the kernel stays (it is what would run on CUDA)
    _fake_triton(monkeypatch, "2.0.0", _dot_2_0)
    monkeypatch.setattr(module, compat.KERNEL_ATTR, kernel)
    adapter = DNABERT2(tok, model.config)
    adapter.bind(model)
    assert getattr(module, compat.KERNEL_ATTR) is kernel and adapter.attention == "triton-flash"

    # Triton 3.x: switched to the PyTorch attention, with the reason recorded and said once
    _fake_triton(monkeypatch, "3.3.1", _dot_3)
    adapter = DNABERT2(tok, model.config)
    adapter.bind(model)
    adapter.bind(model)
    assert getattr(module, compat.KERNEL_ATTR) is None
    assert adapter.attention == ("pytorch (its Triton flash-attention kernel needs Triton 2.0 "
                                 "(tl.dot(..., trans_b=True)); Triton 3.3.1 has no trans_b)")
    err = capsys.readouterr().err.splitlines()
    note = ("note: BertForSequenceClassification: its Triton flash-attention kernel needs Triton 2.0 "
            "(tl.dot(..., trans_b=True)); Triton 3.3.1 has no trans_b; using its PyTorch attention (same weights, slower)")
    assert [line for line in err if line.startswith("note:")] == [note]
    with torch.no_grad():
        after = model(**enc).logits                     # the stand-in kernel would raise if it were called
    torch.testing.assert_close(after, before)


def _compile_fwd_kernel_frontend(kernel_module) -> Exception | None:
    """Run the installed Triton's frontend (AST -> IR, no GPU needed) on the published `_fwd_kernel`, as
    DNABERT-2 launches it (ALiBi: a matrix bias); the exception it raises, or None if it compiled."""
    import inspect

    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    fn = kernel_module._fwd_kernel
    while not isinstance(fn, triton.runtime.jit.JITFunction):   # @triton.heuristics wrappers
        fn = fn.fn
    names = list(inspect.signature(fn.fn).parameters)
    const = {"BIAS_TYPE": "matrix", "IS_CAUSAL": False, "BLOCK_HEADDIM": 64, "EVEN_M": True, "EVEN_N": True,
             "EVEN_HEADDIM": True, "BLOCK_M": 128, "BLOCK_N": 128}
    types = {"Q": "*fp16", "K": "*fp16", "V": "*fp16", "Bias": "*fp16", "Out": "*fp16", "Lse": "*fp32",
             "TMP": "*fp32", "softmax_scale": "fp32"}
    signature = {n: "constexpr" if n in const else types.get(n, "i32") for n in names}
    try:
        source = ASTSource(fn, signature, {(names.index(n),): v for n, v in const.items()})
    except TypeError as exc:  # another Triton 3.x compile API
        pytest.skip(f"this Triton's ASTSource differs: {exc}")
    try:
        triton.compile(source, target=GPUTarget("cuda", 90, 32))
    except Exception as exc:  # noqa: BLE001 - whatever the compiler raises is the finding
        return exc
    return None


def test_dnabert2_with_a_real_triton_installed_is_switched_to_pytorch_attention(tmp_path):
    """With a real Triton >= 2.1 importable (`pip install triton`; the device's), the published kernel fails in
    Triton's own frontend ("dot() got an unexpected keyword argument 'trans_b'"), and the harness loader
    switches the model to its PyTorch attention, which runs (on CPU here: before the fix the model took the
    Triton path as soon as Triton imported)."""
    import importlib.util
    import sys

    import torch
    import transformers

    if importlib.util.find_spec("triton") is None:
        pytest.skip("needs Triton installed (pip install triton; present on the GPU check)")
    from benchmark.models.compat import KERNEL_ATTR, WHY_ATTR
    from benchmark.models.registry import from_pretrained

    model_dir = build_family("dnabert2", tmp_path / "d2", code_dir("dnabert2"))
    model = from_pretrained(transformers.AutoModelForSequenceClassification, str(model_dir), trust_remote_code=True)
    module = sys.modules[type(model).__module__]
    kernel_module = sys.modules.get(module.__name__.rsplit(".", 1)[0] + ".flash_attn_triton")
    if kernel_module is None:
        pytest.skip("the published flash_attn_triton did not import with this Triton")
    why = getattr(module, WHY_ATTR, None)
    if why is None:
        pytest.skip("this Triton accepts the published kernel (Triton 2.0): the GPU check compares both paths")
    import triton

    assert why.endswith(f"Triton {triton.__version__} has no trans_b")
    assert getattr(module, KERNEL_ATTR) is None
    error = _compile_fwd_kernel_frontend(kernel_module)
    assert error is not None and "dot() got an unexpected keyword argument 'trans_b'" in str(error)
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    model.eval()
    with torch.no_grad():
        batch = model(**tok(["ACGTAGCTAGCTAGCATCGATCGACTAGC", "ACGTAGC"], padding=True, return_tensors="pt")).logits
        alone = model(**tok(["ACGTAGC"], return_tensors="pt")).logits
    assert torch.isfinite(batch).all()
    torch.testing.assert_close(batch[1:], alone, atol=1e-5, rtol=1e-4)


def test_caduceus_on_cpu_is_one_clear_error(tmp_path):
    import importlib.util

    import torch

    if torch.cuda.is_available() and importlib.util.find_spec("mamba_ssm") is not None:
        pytest.skip("CUDA + mamba-ssm present: the GPU check runs Caduceus")
    model = build_family("caduceus", tmp_path / "cad", code_dir("caduceus"))
    line = one_line_error(invoke("run", "--model", model, "--task", csv_task(tmp_path), "--trust-remote-code",
                                 "--out", tmp_path / "out", "--no-progress"))
    assert line.startswith(f"error: model '{model}' (caduceus): load failed: needs CUDA + mamba-ssm")
    assert not (tmp_path / "out").exists()


# --- GPU only: run by `bash benchmarks/gpu_check.sh --families` on a CUDA machine; skipped elsewhere -------------

def test_dnabert2_runs_in_fp16_through_the_harness_loader_on_gpu(tmp_path):
    """On CUDA, DNABERT-2 loaded as the harness loads it runs in fp16, whichever attention path the installed
    Triton allows (its Triton kernel, or its PyTorch attention where that kernel cannot compile), padding masked."""
    import torch
    import transformers

    if not torch.cuda.is_available():
        pytest.skip("needs CUDA (GPU check)")
    from benchmark.models.families import DNABERT2
    from benchmark.models.registry import from_pretrained

    model_dir = build_family("dnabert2", tmp_path / "d2", code_dir("dnabert2"))
    model = from_pretrained(transformers.AutoModelForSequenceClassification, str(model_dir), trust_remote_code=True)
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    adapter = DNABERT2(tok, model.config)
    adapter.bind(model)
    print(f"DNABERT-2 attention on this device: {adapter.attention}")
    model = model.to("cuda", dtype=torch.float16).eval()
    with torch.no_grad():
        batch = model(**tok(["ACGTAGCTAGCTAGCATCGATCGACTAGC", "ACGTAGC"], padding=True,
                            return_tensors="pt").to("cuda")).logits.float()
        alone = model(**tok(["ACGTAGC"], return_tensors="pt").to("cuda")).logits.float()
    assert torch.isfinite(batch).all()
    torch.testing.assert_close(batch[1:], alone, atol=2e-2, rtol=2e-2)


def test_dnabert2_triton_flash_path_matches_its_pytorch_fallback_on_gpu(tmp_path):
    """On CUDA with a Triton its kernel compiles with (2.0), `bert_layers.py` takes its Triton flash-attention
    path (with ALiBi); the same weights through its PyTorch fallback give the same logits, padded or not."""
    import importlib.util

    import torch
    import transformers

    if not (torch.cuda.is_available() and importlib.util.find_spec("triton") is not None):
        pytest.skip("needs CUDA + Triton (GPU check)")
    from benchmark.models.compat import KERNEL_ATTR, WHY_ATTR
    from benchmark.models.registry import from_pretrained

    model_dir = build_family("dnabert2", tmp_path / "d2", code_dir("dnabert2"))
    model = from_pretrained(transformers.AutoModelForSequenceClassification, str(model_dir), trust_remote_code=True)
    module = __import__(type(model).__module__, fromlist=[KERNEL_ATTR])
    if getattr(module, WHY_ATTR, None):
        pytest.skip(f"the published kernel cannot run here: {getattr(module, WHY_ATTR)}")
    assert module.flash_attn_qkvpacked_func is not None        # the Triton path is what runs here
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    enc = tok(["ACGTAGCTAGCTAGCATCGATCGACTAGC", "ACGTAGC"], padding=True, return_tensors="pt").to("cuda")
    model = model.to("cuda", dtype=torch.float16).eval()
    with torch.no_grad():
        flash = model(**enc).logits.float()
        flash_alone = model(**tok(["ACGTAGC"], return_tensors="pt").to("cuda")).logits.float()
        kernel, module.flash_attn_qkvpacked_func = module.flash_attn_qkvpacked_func, None
        try:
            fallback = model(**enc).logits.float()
        finally:
            module.flash_attn_qkvpacked_func = kernel
    assert torch.isfinite(flash).all()
    torch.testing.assert_close(flash, fallback, atol=2e-2, rtol=2e-2)
    torch.testing.assert_close(flash[1:], flash_alone, atol=2e-2, rtol=2e-2)


def test_caduceus_runs_the_whole_flow_on_gpu(task, tmp_path):
    """With CUDA + mamba-ssm, Caduceus (its published RC-equivariant Mamba code) goes through the whole flow."""
    import importlib.util

    import torch

    if not (torch.cuda.is_available() and importlib.util.find_spec("mamba_ssm") is not None):
        pytest.skip("needs CUDA + mamba-ssm (GPU check)")
    model = build_family("caduceus", tmp_path / "cad", code_dir("caduceus"))
    results = run_flow(model, task, tmp_path / "out", trust=True, lora=False)
    assert results["model"]["adapter"] == "caduceus"
