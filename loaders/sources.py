"""Pinned public inputs shared by several recipes, and the study every recipe reproduces.

One copy of each shared pin (GRCh38 genome, chrom.sizes, RepeatMasker, GENCODE), so no recipe
imports another recipe's sources. Files whose upstream publishes no stable checksum carry
`sha256=None`: `loaders.build.fetch` records their sha256 in `<cache>/downloads/sources.lock.json`
on first download and treats any later change as an error unless drift is allowed.
"""
from __future__ import annotations

from loaders.core.recipe import SourceFile

UCSC_HG38 = "https://hgdownload.soe.ucsc.edu/goldenPath/hg38"
UCSC_LICENSE = ("UCSC Genome Browser data download: freely available, no restrictions on use (GRCh38 "
                "sequence from the Genome Reference Consortium); cite the UCSC Genome Browser")
UCSC_DB_LICENSE = ("UCSC hg38 database tables: 'freely usable for any purpose' (UCSC database README); "
                   "RepeatMasker annotation, cite Smit, Hubley & Green and the UCSC Genome Browser")

GENCODE_RELEASE = "43"
GENCODE_URL = (f"https://ftp.ebi.ac.uk/pub/databases/gencode/Gencode_human/release_{GENCODE_RELEASE}/"
               f"gencode.v{GENCODE_RELEASE}.annotation.gtf.gz")
GENCODE_LICENSE = ("GENCODE/Ensembl data: freely available without restriction (EMBL-EBI terms of use); "
                   "cite Frankish et al. 2023")

GENOME = SourceFile(key="genome", url=f"{UCSC_HG38}/bigZips/hg38.fa.gz",
                    release="UCSC hg38 (GRCh38 Dec. 2013, GCA_000001405.15), initial bigZips release",
                    license=UCSC_LICENSE,
                    description="GRCh38 soft-masked genome, FASTA.gz (uppercased before use); sha256 recorded on "
                                "first download")
CHROM_SIZES = SourceFile(key="chrom_sizes", url=f"{UCSC_HG38}/bigZips/hg38.chrom.sizes",
                         release="UCSC hg38 (455 sequences incl. alts)", license=UCSC_LICENSE,
                         description="Chromosome sizes (name, length): catches a genome of another assembly")
RMSK = SourceFile(key="rmsk", url=f"{UCSC_HG38}/database/rmsk.txt.gz",
                  release="UCSC hg38 database table rmsk (snapshot locked on first download)",
                  license=UCSC_DB_LICENSE,
                  description="RepeatMasker annotation (17 columns, 0-based genoStart)")
GENCODE = SourceFile(key="gencode", url=GENCODE_URL,
                     release=f"GENCODE {GENCODE_RELEASE} (GRCh38, Ensembl 109), comprehensive CHR annotation",
                     license=GENCODE_LICENSE,
                     description="Gene annotation GTF (gene rows: gene_type, gene_name); sha256 recorded on first "
                                 "download")


def demo_file(key: str, world_key: str | None = None, description: str = "") -> SourceFile:
    """A file of the demo world (`url="demo:<world key>"`): the canvas's `genome`, `chrom_sizes`, `rmsk`,
    `gencode`, or a file the recipe's own `demo.py` writes."""
    return SourceFile(key=key, url=f"demo:{world_key or key}", release="demo", license="CC0-1.0",
                      description=description)


STUDY_BIBTEX = """@article{du2024enhancing,
  title   = {Enhancing recognition and interpretation of functional phenotypic sequences
             through fine-tuning pre-trained genomic models},
  author  = {Du, Duo and Liu, Lei and Zhong, Fan},
  journal = {Journal of Translational Medicine},
  year    = {2024},
  note    = {Preprint: bioRxiv, doi:10.1101/2023.12.05.570173}
}"""
"""Citation of the study every recipe reproduces."""
