"""disease_gwas on the demo source: reproducible, grouped splits, GWAS Catalog reader, genic/intergenic."""
from __future__ import annotations

import gzip
import re

import numpy as np
import pandas as pd
import pytest
from recipe_checks import all_rows, build_info, demo_builds, kmer_score, overlaps, world_dir

from loaders.recipes.disease_gwas.demo import COLUMNS as GWAS_COLUMNS
from loaders.recipes.disease_gwas.recipe import CLASSES, RECIPE, read_gwas_catalog

NAME = "disease_gwas"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    return demo_builds(NAME, tmp_path_factory)


def test_class_ids_follow_the_study():
    assert CLASSES == ("non_disease_genic", "disease_genic", "non_disease_intergenic", "disease_intergenic")
    assert RECIPE.config("binary").label_map == (0, 1, 0, 1)


def test_reader(tmp_path):
    path = tmp_path / "gwas.tsv"
    lines = ["\t".join(GWAS_COLUMNS)]

    def row(chr_id, pos, p):
        r = dict.fromkeys(GWAS_COLUMNS, "")
        r.update({"CHR_ID": chr_id, "CHR_POS": pos, "P-VALUE": p})
        return "\t".join(r[c] for c in GWAS_COLUMNS)

    lines += [row("1", "1000", "3E-9"), row("X", "50", "1E-7"), row("", "", "1E-20"), row("2;2", "10;20", "1E-12"),
              row("3 x 3", "5 x 9", "2E-10"), row("4;4", "7", "1E-9")]
    path.write_text("\n".join(lines) + "\n")
    df, stats = read_gwas_catalog(path, 5e-8)
    assert list(zip(df["chrom"], df["start"], df["end"])) == [("1", 999, 1000), ("2", 9, 10), ("2", 19, 20),
                                                             ("3", 4, 5), ("3", 8, 9)]
    assert stats == {"gwas_rows": 6, "gwas_rows_unmapped": 2, "gwas_rows_above_max_p": 1}
    assert len(read_gwas_catalog(path, None)[0]) == 6


def test_windows_labels_and_backgrounds(builds):
    a, _, _ = builds
    rows = all_rows(a)
    gwas = pd.read_csv(world_dir("disease_gwas") / "gwas-catalog-associations_ontology-annotated.demo.tsv", sep="\t", dtype=str)
    gwas = gwas[gwas["P-VALUE"].astype(float) <= 5e-8]
    pairs = [(c, int(x)) for cs, xs in zip(gwas["CHR_ID"].fillna(""), gwas["CHR_POS"].fillna(""))
             for c, x in zip(re.split(r";| x ", cs), re.split(r";| x ", xs)) if c and x]
    snps = pd.DataFrame({"chrom": [f"chr{c.strip()}" for c, _ in pairs], "start": [x - 1 for _, x in pairs]})
    snps["end"] = snps["start"] + 1
    disease = rows[rows["label"].isin([1, 3])]
    window = build_info(a)["params"]["window"]
    near = snps.assign(start=snps["start"] - window, end=snps["end"] + window)
    assert overlaps(disease, near).all()
    assert not overlaps(rows[rows["label"].isin([0, 2])], disease).any()
    genes = []
    with gzip.open(world_dir("disease_gwas") / "gencode.demo.annotation.gtf.gz", "rt") as fh:
        for line in fh:
            f = line.split("\t")
            if len(f) > 2 and f[2] == "gene":
                genes.append((f[0], int(f[3]) - 1, int(f[4])))
    genes = pd.DataFrame(genes, columns=["chrom", "start", "end"])
    mids = rows.assign(start=(rows["start"] + rows["end"]) // 2)
    mids["end"] = mids["start"] + 1
    genic = overlaps(mids, genes)
    assert np.array_equal(genic[rows["label"].isin([0, 1]).to_numpy()],
                          np.ones(int(rows["label"].isin([0, 1]).sum()), dtype=bool))
    assert not genic[rows["label"].isin([2, 3]).to_numpy()].any()
    inside = rows[rows["label"] == 0]
    assert overlaps(inside, genes).all()


def test_demo_is_learnable(builds):
    a, _, _ = builds
    assert kmer_score(a, "binary") > 0.75  # chance: 1/2
