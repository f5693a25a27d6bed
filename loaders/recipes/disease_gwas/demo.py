"""What disease_gwas plants on the demo canvas: disease loci and a GWAS Catalog download listing them.

40 loci inside canvas genes and 40 in intergenic space, each marked by a copy (6 % diverged) of one
400 bp risk element, so disease windows are learnable; some loci carry two SNPs. The catalog also
holds rows the reader must skip (sub-threshold, unmapped, multi-SNP haplotype). File: `gwas`
(`gwas-catalog-associations_ontology-annotated.demo.tsv`, the real download's 38 columns).
"""
from __future__ import annotations

import numpy as np

from loaders.demo.canvas import Canvas, mutate, random_seq

LOCI = (40, 40)  # genic, intergenic
COLUMNS = (
    "DATE ADDED TO CATALOG", "PUBMEDID", "FIRST AUTHOR", "DATE", "JOURNAL", "LINK", "STUDY", "DISEASE/TRAIT",
    "INITIAL SAMPLE SIZE", "REPLICATION SAMPLE SIZE", "REGION", "CHR_ID", "CHR_POS", "REPORTED GENE(S)",
    "MAPPED_GENE", "UPSTREAM_GENE_ID", "DOWNSTREAM_GENE_ID", "SNP_GENE_IDS", "UPSTREAM_GENE_DISTANCE",
    "DOWNSTREAM_GENE_DISTANCE", "STRONGEST SNP-RISK ALLELE", "SNPS", "MERGED", "SNP_ID_CURRENT", "CONTEXT",
    "INTERGENIC", "RISK ALLELE FREQUENCY", "P-VALUE", "PVALUE_MLOG", "P-VALUE (TEXT)", "OR or BETA",
    "95% CI (TEXT)", "PLATFORM [SNPS PASSING QC]", "CNV", "MAPPED_TRAIT", "MAPPED_TRAIT_URI", "STUDY ACCESSION",
    "GENOTYPING TECHNOLOGY")
"""Columns of the GWAS Catalog `gwas-catalog-associations_ontology-annotated.tsv` download."""
TRAITS = ("type 2 diabetes", "Crohn's disease", "asthma", "coronary artery disease")


def catalog_rows(canvas: Canvas) -> list[list[str]]:
    """Plant the loci; return the catalog rows (in `COLUMNS` order)."""
    rng = canvas.rng
    element = random_seq(rng, 400, 0.50)
    genes = list(canvas.genes)
    genic = {c: np.zeros(n, dtype=bool) for c, n in canvas.sizes.items()}
    for g in genes:
        genic[g["chrom"]][max(0, g["start"] - 3_000):g["end"] + 3_000] = True
    chroms = list(canvas.sizes)
    rows: list[list[str]] = []
    for want_genic, n in zip((True, False), LOCI):
        placed = 0
        while placed < n:
            if want_genic:
                g = genes[int(rng.integers(0, len(genes)))]
                if g["end"] - g["start"] < 8_000:
                    continue
                chrom, pos = g["chrom"], int(rng.integers(g["start"] + 2_500, g["end"] - 2_500))
                gene_name = g["name"]
            else:
                chrom = chroms[int(rng.integers(0, len(chroms)))]
                pos = int(rng.integers(5_000, canvas.sizes[chrom] - 5_000))
                if genic[chrom][pos - 2_000:pos + 2_000].any():
                    continue
                gene_name = "DEMOG1 - DEMOG2"
            if canvas.used[chrom][pos - 200:pos + 200].any():
                continue
            canvas.write_free(chrom, pos - 200, mutate(rng, element, 0.06))
            placed += 1
            trait = TRAITS[int(rng.integers(0, len(TRAITS)))]
            snps = [pos] + ([pos + int(rng.integers(1, 10))] if rng.random() < 0.25 else [])
            for snp in snps:
                rs = f"rs{9_000_000 + len(rows)}"
                p = 10.0 ** -float(rng.uniform(8.5, 30))
                row = dict.fromkeys(COLUMNS, "")
                row.update({"DATE ADDED TO CATALOG": "2021-06-01", "PUBMEDID": str(30_000_000 + len(rows)),
                            "FIRST AUTHOR": "Demo A", "DATE": "2021-01-15", "JOURNAL": "Synthetic Genet",
                            "STUDY": "Synthetic demo association study", "DISEASE/TRAIT": trait,
                            "INITIAL SAMPLE SIZE": "10,000 European ancestry cases", "REGION": "1q21.3",
                            "CHR_ID": chrom.removeprefix("chr"), "CHR_POS": str(snp + 1), "MAPPED_GENE": gene_name,
                            "STRONGEST SNP-RISK ALLELE": f"{rs}-A", "SNPS": rs, "MERGED": "0",
                            "SNP_ID_CURRENT": rs[2:], "CONTEXT": "intron_variant" if want_genic else "intergenic_variant",
                            "INTERGENIC": "0" if want_genic else "1", "P-VALUE": f"{p:.0E}",
                            "PVALUE_MLOG": f"{-np.log10(p):.3f}", "OR or BETA": "1.12", "CNV": "N",
                            "MAPPED_TRAIT": trait, "STUDY ACCESSION": f"GCST9{len(rows):07d}",
                            "GENOTYPING TECHNOLOGY": "Genome-wide genotyping array"})
                rows.append([row[c] for c in COLUMNS])
    # rows the reader must skip: sub-threshold, unmapped and multi-SNP haplotype rows
    extra = dict.fromkeys(COLUMNS, "")
    extra.update({"DISEASE/TRAIT": "height", "CHR_ID": "2", "CHR_POS": "500001", "SNPS": "rs1", "P-VALUE": "2E-6"})
    rows.append([extra[c] for c in COLUMNS])
    extra.update({"CHR_ID": "", "CHR_POS": "", "SNPS": "rs2", "P-VALUE": "1E-9"})
    rows.append([extra[c] for c in COLUMNS])
    extra.update({"CHR_ID": "3;3", "CHR_POS": "200001;200101", "SNPS": "rs3 x rs4", "P-VALUE": "1E-10"})
    rows.append([extra[c] for c in COLUMNS])
    return rows


def plant(canvas: Canvas) -> None:
    """Disease loci and the GWAS Catalog TSV (`gwas`)."""
    rows = catalog_rows(canvas)
    with open(canvas.file("gwas", "gwas-catalog-associations_ontology-annotated.demo.tsv"), "w") as fh:
        fh.write("\t".join(COLUMNS) + "\n")
        fh.writelines("\t".join(r) + "\n" for r in rows)
