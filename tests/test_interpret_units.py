"""Interpretation building blocks on hand-made arrays: exact expected outputs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from interpret_toy import kmer_tokenizer

from benchmark.interpret.attribution import cls_attention, spread_to_bases
from benchmark.interpret.enrichment import hypergeom_enrichment, motif_enrichment
from benchmark.interpret.handle import ModelHandle, content_spans, infer_kmer
from benchmark.interpret.motifs import Motif, bh_qvalues, n_tests
from benchmark.interpret.pipeline import update_results
from benchmark.interpret.planted import build_probe, dinuc_shuffle, planted_auroc, random_auroc, sequence_auroc
from benchmark.interpret.regions import (Region, Threshold, bed_lines, find_regions, pad_intervals, runs, write_bed,
                                         write_fasta)


# --- k-mer spreading -----------------------------------------------------------------------
def test_spread_3mers_mean_of_covering_tokens_specials_and_padding_excluded():
    # [CLS] ACG CGT GTA TAC [SEP] [PAD] over ACGTAC (6 bp, 3-mers)
    scores = [9.0, 1.0, 2.0, 3.0, 4.0, 9.0, 9.0]
    spans = [None, (0, 3), (1, 4), (2, 5), (3, 6), None, None]
    assert spread_to_bases(scores, spans, 6).tolist() == [1.0, 1.5, 2.0, 3.0, 3.5, 4.0]


def test_spread_uncovered_bases_are_nan_and_single_base_tokens_pass_through():
    out = spread_to_bases([5.0, 1.0, 2.0], [None, (0, 3), (1, 4)], 6)  # truncated after 2 tokens
    assert out[:4].tolist() == [1.0, 1.5, 1.5, 2.0] and np.isnan(out[4:]).all()
    assert spread_to_bases([7.0, 8.0, 9.0], [(0, 1), (1, 2), (2, 3)], 3).tolist() == [7.0, 8.0, 9.0]


def test_cls_attention_sums_heads_of_the_cls_query_row():
    att = np.zeros((2, 2, 3, 3))
    att[0, 0, 0] = [0.5, 0.25, 0.25]
    att[0, 1, 0] = [0.1, 0.1, 0.8]
    att[1, 0, 1] = [0.2, 0.3, 0.5]  # second sequence: CLS at index 1 (left padding)
    att[1, 1, 1] = [0.2, 0.3, 0.5]
    assert np.allclose(cls_attention(att, [0, 1]), [[0.6, 0.35, 1.05], [0.4, 0.6, 1.0]])


def test_kmer_handle_spans_word_j_covers_bases_j_to_j_plus_k(tmp_path):
    import torch

    tok = kmer_tokenizer(tmp_path / "tok", 3)
    assert infer_kmer(tok) == 3
    handle = ModelHandle(torch.nn.Linear(1, 1), tok, kmer=3)
    enc = handle.encode(["ACGTAC", "acgta"])
    assert enc.spans[0] == [None, (0, 3), (1, 4), (2, 5), (3, 6), None]
    assert enc.spans[1] == [None, (0, 3), (1, 4), (2, 5), None, None]  # [SEP] then [PAD]
    assert enc.input_ids[1, -1].item() == tok.pad_token_id and enc.attention_mask[1].tolist() == [1] * 5 + [0]
    ids = enc.input_ids[0].tolist()
    assert tok.convert_ids_to_tokens(ids) == ["[CLS]", "ACG", "CGT", "GTA", "TAC", "[SEP]"]


def test_content_spans_of_non_overlapping_tokens():
    assert content_spans(["ACG", "T", "##GA", "[UNK]"], None, "[UNK]") == [(0, 3), (3, 4), (4, 6), (6, 7)]
    assert content_spans(["AAA", "AAC"], 3) == [(0, 3), (1, 4)]


# --- threshold, runs, padding ----------------------------------------------------------------
def test_study_threshold_above_mean_and_ten_times_min():
    s = np.array([1.0, 1.0, 1.0, 1.0, 12.0, 9.0, 30.0, 1.0])  # mean 7, 10 x min = 10
    assert Threshold().mask(s).tolist() == [False] * 4 + [True, False, True, False]
    assert Threshold(min_factor=None).mask(s).tolist() == [False] * 4 + [True, True, True, False]
    assert Threshold(above_mean=False, min_factor=None, quantile=0.75).mask(s).tolist() == [False] * 4 + [True, False, True, False]
    with_nan = np.array([np.nan, 1.0, 20.0])
    assert Threshold().mask(with_nan).tolist() == [False, False, True]


def test_runs_keep_only_runs_of_at_least_min_len():
    mask = [1] * 7 + [0] + [1] * 8 + [0, 0] + [1] * 9
    assert runs(mask, 8) == [(8, 16), (18, 27)]
    assert runs(mask, 1) == [(0, 7), (8, 16), (18, 27)]
    assert runs([0, 0], 1) == []


def test_padding_clips_to_the_sequence_and_merges_overlaps():
    assert pad_intervals([(10, 18)], 4, 100) == [(6, 22)]
    assert pad_intervals([(2, 10)], 4, 12) == [(0, 12)]
    assert pad_intervals([(10, 18), (24, 32)], 4, 100) == [(6, 36)]  # 22 >= 20: merged
    assert pad_intervals([(10, 18), (27, 35)], 4, 100) == [(6, 22), (23, 39)]


def test_regions_from_a_hand_made_attention_track():
    att = np.full(60, 0.01)
    att[20:30] = 0.5  # 10 bp high run
    att[40:45] = 0.5  # 5 bp: too short
    regions = find_regions("seq1", att)
    assert regions == [Region("seq1", 16, 34, pytest.approx((10 * 0.5 + 8 * 0.01) / 18))]
    assert bed_lines(regions) == ["seq1\t16\t34\tseq1:16-34\t0.282222\t."]


def test_bed_and_fasta_writers(tmp_path):
    write_bed([Region("s", 0, 8, 1.5), Region("t", 3, 11, 0.25)], tmp_path / "r.bed")
    assert (tmp_path / "r.bed").read_text() == "s\t0\t8\ts:0-8\t1.5\t.\nt\t3\t11\tt:3-11\t0.25\t.\n"
    write_fasta({"a": "ACGTACGTAC", "b": "GG"}, tmp_path / "r.fa", width=4)
    assert (tmp_path / "r.fa").read_text() == ">a\nACGT\nACGT\nAC\n>b\nGG\n"


# --- statistics ----------------------------------------------------------------------------
def test_bh_qvalues_and_test_count():
    from scipy.stats import false_discovery_control

    p = np.array([0.01, 0.04, 0.03, 0.005])
    assert np.allclose(bh_qvalues(p), false_discovery_control(p, method="bh"))
    assert np.allclose(bh_qvalues([0.001, 0.002], m=10), [0.01, 0.01])
    m = Motif("X", "x", np.ones((4, 5)))
    assert n_tests([m], [10, 4]) == 2 * 6  # a 4 bp sequence has no 5 bp window


def test_hypergeometric_enrichment_exact_values():
    assert hypergeom_enrichment(2, 2, 0, 2) == pytest.approx(1 / 6)  # C(2,2)C(2,0)/C(4,2)
    assert hypergeom_enrichment(1, 2, 1, 2) == pytest.approx(5 / 6)  # 1 - P(X=0) = 1 - 1/6
    assert hypergeom_enrichment(0, 3, 2, 3) == 1.0


def test_motif_enrichment_table():
    motifs = [Motif("M1", "one", np.ones((4, 3))), Motif("M2", "two", np.ones((4, 3)))]
    hits = pd.DataFrame({"motif_id": ["M1", "M1", "M1", "M2"], "sequence_name": ["a1", "a2", "a2", "b1"]})
    t = motif_enrichment(hits, ["a1", "a2"], ["b1", "b2"], motifs)
    assert t["motif_id"].tolist() == ["M1", "M2"]
    assert t.loc[0, ["a_hits", "a_total", "b_hits", "b_total"]].tolist() == [2, 2, 0, 2]
    assert t.loc[0, "p_value"] == pytest.approx(1 / 6) and t.loc[1, "p_value"] == 1.0
    assert t["q_value"].tolist() == pytest.approx([1 / 3, 1.0])
    assert t.loc[0, "log2_enrichment"] == pytest.approx(np.log2(2.5 / 3) - np.log2(0.5 / 3))


# --- planted probe ----------------------------------------------------------------------------
def _dinucs(s):
    return sorted(s[i:i + 2] for i in range(len(s) - 1))


def test_dinucleotide_shuffle_preserves_dinucleotides_and_ends():
    rng = np.random.default_rng(0)
    seq = "GCCACCAGGGGGCGCTTAGACAT"
    outs = {dinuc_shuffle(seq, rng) for _ in range(20)}
    assert len(outs) > 1
    for s in outs:
        assert _dinucs(s) == _dinucs(seq) and s[0] == seq[0] and s[-1] == seq[-1]


def test_probe_planted_and_control_pairs():
    motif = Motif("MA_TEST.1", "test", np.eye(4)[:, [0, 0, 2, 3, 1, 1, 2, 0, 3, 3]] * 10)  # AAGTCCGATT
    bgs = ["C" * 40, "G" * 50]
    probe = build_probe(bgs, [motif], seed=3, length=30, strands="+")
    assert len(probe) == 4 and probe.labels == [1, 0, 1, 0] and probe.planted == [True, False, True, False]
    for i in range(0, 4, 2):
        site, seq, ctrl = probe.sites[i], probe.sequences[i], probe.sequences[i + 1]
        assert len(seq) == 30 and seq[site.start:site.end] == "AAGTCCGATT"
        assert probe.sites[i + 1].start == site.start and ctrl[site.start:site.end] != "AAGTCCGATT"
        assert _dinucs(ctrl[site.start:site.end]) == _dinucs("AAGTCCGATT")
        assert seq[:site.start] == ctrl[:site.start] and seq[site.end:] == ctrl[site.end:]


def test_auroc_of_attribution_vs_planted_positions():
    s = np.zeros(20)
    s[5:10] = 1.0
    assert sequence_auroc(s, 5, 10) == 1.0
    assert sequence_auroc(-s, 5, 10) == 0.0
    assert sequence_auroc(np.r_[s, np.nan], 5, 10) == 1.0
    motif = Motif("M", "m", np.eye(4)[:, [0, 1, 2, 3, 0, 1, 2, 3]] * 10)
    probe = build_probe(["T" * 100] * 40, [motif], seed=0)
    perfect = [np.isin(np.arange(100), np.arange(st.start, st.end)).astype(float) for st in probe.sites]
    assert planted_auroc(perfect, probe) == 1.0
    assert abs(random_auroc(probe, seed=0) - 0.5) < 0.05


def test_update_results_replaces_only_the_interpretation_block(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"schema": "phenoseq-results/1", "seeds": [1], "interpretation": {"old": 1}}))
    block = {"method": "ig", "planted_auroc": 0.9, "random_auroc": 0.5, "fimo_recovery": 1.0, "n_sequences": 3,
             "motifs": ["MA0139.2"]}
    update_results(path, block)
    assert json.loads(path.read_text()) == {"schema": "phenoseq-results/1", "seeds": [1], "interpretation": block}
    assert [p.name for p in Path(tmp_path).iterdir()] == ["r.json"]


def test_probe_copies_give_independent_pairs_per_background():
    motif = Motif("M", "m", np.eye(4)[:, [0, 1, 2, 3, 0, 1, 2, 3]] * 10)
    probe = build_probe(["T" * 200], [motif], seed=0, copies=3)
    assert len(probe) == 6 and probe.labels == [1, 0] * 3
    assert len({s.start for s in probe.sites}) == 3  # three positions, each shared by its pair
