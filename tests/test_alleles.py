"""ALT alleles from a VCF join the class of the interval their REF span overlaps."""
from __future__ import annotations

import pandas as pd
import pytest

from loaders.build.alleles import alt_allele_rows
from loaders.core.errors import FormatError

ALT_A = "ACGT" * 50  # 200 bp
ALT_B = "GGCC" * 40  # 160 bp


def test_alt_rows(tmp_path):
    vcf = tmp_path / "x.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"chr1\t101\tv1\tA\t{ALT_A}\t.\tPASS\t.\n"          # inside interval 1 (label 3)
        f"chr1\t5001\tv2\tAC\t{ALT_B},<DEL>\t.\tPASS\t.\n"   # inside interval 2 (label 0); symbolic skipped
        f"chr1\t9001\tv3\tA\t{ALT_A}\t.\tPASS\t.\n"          # no interval
        "chr1\t150\tv4\tA\tACGT\t.\tPASS\t.\n"               # too short
        f"chrUn_x\t10\tv5\tA\t{ALT_A}\t.\tPASS\t.\n"         # non-primary
    )
    iv = pd.DataFrame({"chrom": ["chr1", "chr1"], "start": [50, 4000], "end": [400, 6000], "label": [3, 0]})
    rows = alt_allele_rows(vcf, iv, "ds", "hprc_alt")
    assert rows[["chrom", "start", "end", "label", "length", "source"]].values.tolist() == [
        ["chr1", 100, 101, 3, 200, "hprc_alt"], ["chr1", 5000, 5002, 0, 160, "hprc_alt"]]
    assert rows["sequence"].tolist() == [ALT_A, ALT_B]
    assert rows["id"].str.match(r"ds:chr1:\d+-\d+:\+:alt-[0-9a-f]{12}$").all()


def test_malformed_vcf(tmp_path):
    vcf = tmp_path / "bad.vcf"
    vcf.write_text("#CHROM\tPOS\tID\tREF\tALT\nchr1\tabc\t.\tA\tC\n")
    iv = pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [10], "label": [1]})
    with pytest.raises(FormatError, match=r"bad\.vcf:2: POS is not an integer: 'abc'"):
        alt_allele_rows(vcf, iv, "ds", "x")


def test_alt_alleles_join_a_demo_build(demo_cache, tmp_path):
    """`alt_vcfs` adds ALT rows carrying the label of the locus they overlap (HERV demo)."""
    from unittest import mock

    import loaders
    from loaders.build import pipeline
    from loaders.demo.world import ensure_demo_world

    world = dict(ensure_demo_world(demo_cache, "herv_classification"))
    truth = pd.read_csv(world["truth"], sep="\t")
    expressed = truth[(truth["expressed"] == 1) & (truth["kind"] == "full")].iloc[0]
    alt = "ACGGT" * 40
    vcf = tmp_path / "alt.vcf"
    pos = int(expressed["start"]) + 100
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   f"{expressed['chrom']}\t{pos}\tsv1\tA\t{alt}\t.\tPASS\t.\n")
    world["hprc_vcf"] = vcf
    with mock.patch.object(pipeline, "resolve_inputs", return_value=(world, {})):
        path = loaders.build_dataset("herv_classification", source="demo", cache_dir=tmp_path / "c", alt_vcfs=["hprc_vcf"])
    frames = pd.concat(pd.read_parquet(p) for p in (path / "multiclass").glob("*.parquet"))
    rows = frames[frames["source"] == "hprc_vcf_alt"]
    assert rows[["chrom", "start", "end", "label", "sequence"]].values.tolist() == [
        [expressed["chrom"], pos - 1, pos, 1, alt]]
