"""`bench motifs scan` writes FIMO's table; `bench interpret --motifs` takes the same motif files."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from phenoseq.cli import app

FIX = Path(__file__).parent / "fixtures" / "fimo"
MEXR = FIX / "pymemesuite" / "prodoric_mx000001_meme.txt"
GENES = FIX / "pymemesuite" / "mibig-genes.fna"

# FIMO 5.4.1's rows for this case (tests/fixtures/fimo/pymemesuite/results.tsv)
EXPECTED = """\
motif_id	motif_alt_id	sequence_name	start	stop	strand	score	p-value	q-value	matched_sequence
MX000001	MexR	BGC0002035.1_3425_15590	6700	6714	-	14.5143	7.01e-07	0.0784	GTTGAGCTGGTCAAC
MX000001	MexR	BGC0002034.1_15763_16762	94	108	-	12.5571	6.57e-06	0.368	GGTGATCTTGTCCAC
MX000001	MexR	BGC0002035.1_3425_15590	6700	6714	+	9.28571	1.14e-05	0.425	GTTGACCAGCTCAAC
MX000001	MexR	BGC0002036.1_10010_10928	610	624	-	7.32857	2.41e-05	0.675	GTAGAGCTTGTCGAC
MX000001	MexR	BGC0002035.1_17759_19345	388	402	-	6.77143	4.54e-05	1	GTCCATCTTCTCAAC
MX000001	MexR	BGC0002035.1_3425_15590	8845	8859	-	6.07143	9.32e-05	1	CTTGACCTTGTCGAG
"""


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_meme_file_scanned_from_the_cli_gives_fimos_tsv(tmp_path):
    """Every column as FIMO printed it; the q-value of row 4 reads 0.676 here against FIMO's 0.675
    (FIMO's pi0 comes from random samples; ours is their expectation)."""
    out = tmp_path / "hits.tsv"
    res = invoke("motifs", "scan", "--motifs", MEXR, "--fasta", GENES, "--out", out)
    assert res.exit_code == 0, res.output
    assert "6 hits of 1 motifs in 40 sequences" in res.output
    got = [line.split("\t") for line in out.read_text().splitlines()]
    want = [line.split("\t") for line in EXPECTED.splitlines()]
    assert len(got) == len(want) == 7
    for g, w in zip(got, want):
        assert g[:8] + g[9:] == w[:8] + w[9:]
        if g[8] != "q-value":
            assert float(g[8]) == pytest.approx(float(w[8]), rel=0.01)
    assert [g[8] for g in got] == ["q-value", "0.0784", "0.368", "0.425", "0.676", "1", "1"]


def test_cli_options_norc_threshold_background_and_ids(tmp_path):
    out = tmp_path / "norc.tsv"
    assert invoke("motifs", "scan", "-m", MEXR, "-f", GENES, "-o", out, "--norc").exit_code == 0
    assert out.read_text().splitlines()[1].split("\t")[3:8] == ["6700", "6714", "+", "9.32857", "1.1e-05"]
    # a JASPAR id over a FASTA carrying the CTCF consensus once: uniform background -> p = 4^-15
    fasta = tmp_path / "ctcf.fa"
    fasta.write_text(">x\n" + "ACGTTGCAAT" * 3 + "GCCACCAGGGGGCGC" + "ACGTTGCAAT" * 3 + "\n")
    out = tmp_path / "ctcf.tsv"
    res = invoke("motifs", "scan", "--motifs", "MA0139", "--fasta", fasta, "--out", out, "--bg", "uniform",
                 "--pvalue", "1e-6")
    assert res.exit_code == 0, res.output
    rows = pd.read_csv(out, sep="\t")
    assert rows[["motif_id", "motif_alt_id", "start", "stop", "strand", "matched_sequence"]].values.tolist() == [
        ["MA0139.2", "CTCF", 31, 45, "+", "GCCACCAGGGGGCGC"]]
    assert rows["p-value"].iloc[0] == pytest.approx(9.31e-10, rel=1e-3)
    out = tmp_path / "sel.tsv"
    res = invoke("motifs", "scan", "-m", FIX / "meme" / "crp0.meme.txt", "-f", FIX / "meme" / "motiph-spiked.fasta",
                 "-o", out, "--motif", "CGGYGGGG", "--pseudocount", "0.01", "--pvalue", "0.01", "--no-qvalue")
    assert res.exit_code == 0, res.output
    rows = pd.read_csv(out, sep="\t")
    ref = pd.read_csv(FIX / "meme" / "fimo-motif23.tsv", sep="\t", comment="#")
    ref = ref[ref["motif_id"] == "CGGYGGGG"]
    assert len(rows) == len(ref) == 12 and (rows["q-value"] == 0).all()
    assert sorted(map(tuple, rows[["start", "strand", "score", "p-value"]].values.tolist())) == \
        sorted(map(tuple, ref[["start", "strand", "score", "p-value"]].values.tolist()))


@pytest.mark.parametrize("args, message", [
    (["--motifs", "missing.meme", "--fasta", GENES], "'missing.meme' is neither a motif file nor a JASPAR id"),
    (["--motifs", GENES, "--fasta", GENES], "expected numbers"),
    (["--motifs", MEXR, "--fasta", MEXR], "not FASTA (line 1 comes before any '>' header)"),
    (["--motifs", "MA9999", "--fasta", GENES], "motif MA9999 not in JASPAR2026"),
    (["--motifs", MEXR, "--fasta", GENES, "--bg", "nope.bg"], "nope.bg: no such file"),
    (["--motifs", MEXR, "--fasta", GENES, "--motif", "XYZ"], "--motif XYZ: no such motif"),
    (["--motifs", MEXR, "--fasta", GENES, "--pvalue", "0"], "--pvalue must be in (0, 1]"),
    (["--motifs", MEXR, "--fasta", GENES, "--out", "no/such/dir/hits.tsv"], "output folder 'no/such/dir' does not exist"),
])
def test_bad_input_is_a_one_line_error_and_no_output(tmp_path, args, message):
    out = tmp_path / "hits.tsv"
    res = invoke("motifs", "scan", "--out", out, *args)  # a later --out in args wins
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output and res.output.count("\n") == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A tiny 6-mer DNABERT fine-tuned by `bench run` (1 epoch) on the tiny CSV task."""
    from conftest import make_tiny_task

    from benchmark.models.tiny import make_tiny_dnabert

    root = tmp_path_factory.mktemp("motifs-cli")
    task = make_tiny_task(n_per_class=40, length=100, seed=0)
    rows = [{"sequence": r["sequence"], "label": task.label_names[r["label"]], "split": split, "id": r["id"]}
            for split in ("train", "validation", "test") for r in task.data[split]]
    csv = root / "tiny.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    model = make_tiny_dnabert(root / "dnabert6", k=6)
    res = invoke("run", "--model", model, "--task", f"csv:{csv}", "--seeds", 1, "--epochs", 1, "--patience", 0,
                 "--batch-size", 16, "--out", root / "results", "--no-progress")
    assert res.exit_code == 0, res.output
    (model_dir,) = (root / "results").glob("models/*/seed-0")
    return {"task": f"csv:{csv}", "model": model_dir}


@pytest.mark.usefixtures("torch_one_thread")
def test_interpret_takes_motif_files(fitted, tmp_path):
    """--check planted plants the file's motifs; the scan mode scans only them."""
    jaspar = FIX / "formats" / "jaspar2016_pfm_vertebrates_head.jaspar"
    res = invoke("interpret", "--model", fitted["model"], "--task", fitted["task"], "--method", "gradxinput",
                 "--check", "planted", "--motifs", jaspar, "--out", tmp_path / "planted")
    assert res.exit_code == 0, res.output
    block = json.loads((tmp_path / "planted" / "interpretation.json").read_text())
    assert block["motifs"] == ["MA0002.1", "MA0002.2", "MA0003.1", "MA0004.1"] and block["n_sequences"] == 16
    out = tmp_path / "scan"
    res = invoke("interpret", "--model", fitted["model"], "--task", fitted["task"], "--method", "gradxinput",
                 "--motifs", f"{FIX / 'formats' / 'NFKB1_HUMAN.H11MO.1.B.pcm'},MA0139", "--out", out,
                 "--min-factor", 1.0, "--max-sequences", 16)
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text())["n_motifs"] == 2
    table = pd.read_csv(out / "enrichment.tsv", sep="\t")
    assert sorted(table["motif_id"]) == ["MA0139.2", "NFKB1_HUMAN.H11MO.1.B"]
    res = invoke("interpret", "--model", fitted["model"], "--task", fitted["task"], "--motifs", tmp_path / "none.meme",
                 "--out", tmp_path / "x")
    assert res.exit_code == 2 and "none.meme' is neither a motif file nor a JASPAR id" in res.output
